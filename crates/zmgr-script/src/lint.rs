//! Finding calls to functions that do not exist before a script runs: Rhai only notices at the
//! call, which in a hook may be halfway through a create.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use rhai::{AST, ASTNode, Engine, Expr};

use zmgr_core::error::{Problem, SourceFile};

/// Functions the engine handles itself rather than through registered signatures.
const KEYWORDS: &[&str] = &[
    "print",
    "debug",
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_def_var",
    "is_def_fn",
    "is_shared",
];

/// Every function the engine knows, as (qualified name, number of parameters).
pub fn known(engine: &Engine) -> HashSet<(String, usize)> {
    engine
        .gen_fn_signatures(true)
        .iter()
        .filter_map(|sig| {
            let open = sig.find('(')?;
            let close = sig.rfind(')')?;
            let name = sig[..open].trim().to_string();
            let inner = sig[open + 1..close].trim();
            let mut depth = 0i32;
            let mut params = usize::from(!inner.is_empty());
            for c in inner.chars() {
                match c {
                    '<' | '(' | '[' => depth += 1,
                    '>' | ')' | ']' => depth -= 1,
                    ',' if depth == 0 => params += 1,
                    _ => {}
                }
            }
            Some((name, params))
        })
        .collect()
}

/// A problem for each call in `ast` to a function neither the engine nor the script defines.
/// Calls into modules the script imports are left to run time.
pub fn unknown_calls(
    known: &HashSet<(String, usize)>,
    file: &Arc<SourceFile>,
    ast: &AST,
) -> Vec<Problem> {
    let own: HashSet<(String, usize)> = ast
        .iter_functions()
        .map(|f| (f.name.to_string(), f.params.len()))
        .collect();
    let has = |name: &str, n: usize| {
        known.contains(&(name.to_string(), n)) || own.contains(&(name.to_string(), n))
    };
    let names: HashSet<&str> = known
        .iter()
        .map(|(n, _)| n.as_str())
        .chain(own.iter().map(|(n, _)| n.as_str()))
        .collect();
    // Variables and parameters: `f(x)` may call a function pointer held in one.
    let mut variables: HashSet<String> = ast
        .iter_functions()
        .flat_map(|f| f.params.iter().map(|p| p.to_string()).collect::<Vec<_>>())
        .collect();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(rhai::Stmt::Var(x, ..))) = path.last() {
            variables.insert(x.0.name.to_string());
        }
        true
    });
    let mut problems = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let (call, pos, method) = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(c, pos))) => (c, *pos, false),
            Some(ASTNode::Stmt(rhai::Stmt::FnCall(c, pos))) => (c, *pos, false),
            Some(ASTNode::Expr(Expr::MethodCall(c, pos))) => (c, *pos, true),
            _ => return true,
        };
        let name = call.name.as_str();
        if call.op_token.is_some()
            || KEYWORDS.contains(&name)
            || !name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        {
            return true;
        }
        let args = call.args.len() + usize::from(method);
        let namespace = call.namespace.to_string();
        let qualified = if namespace.is_empty() {
            name.to_string()
        } else if namespace == "zmgr" {
            format!("zmgr::{name}")
        } else {
            return true;
        };
        // A call through a variable holding a function pointer cannot be checked here.
        // A method call may also reach a script function that takes its object as `this`.
        let this_form = method && has(&qualified, args - 1);
        if has(&qualified, args) || this_form || (namespace.is_empty() && variables.contains(name))
        {
            return true;
        }
        let message = if names.contains(qualified.as_str()) {
            format!(
                "{qualified}() is not defined for {args} argument{}",
                if args == 1 { "" } else { "s" }
            )
        } else {
            format!("{qualified}() is not a known function")
        };
        let mut p = Problem::error(message);
        if let Some(span) = super::span::span_of(file, pos) {
            p = p.at(file, span, "called here");
        }
        let wrong_arity = names.contains(qualified.as_str());
        let candidates: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.starts_with("zmgr::") == qualified.starts_with("zmgr::"))
            .collect();
        if wrong_arity {
            // The name is right; its arguments are not.
        } else if let Some(s) = zmgr_core::suggest::did_you_mean(&qualified, &candidates) {
            p = p.with_help(format!("did you mean {s}()?"));
        } else if qualified.starts_with("zmgr::") {
            p = p.with_help("`zmgr script api` lists the functions");
        }
        problems.push(p);
        true
    });
    problems
}

/// Compiles and lints one script file for `check`: permissions, syntax, undefined variables
/// (with `scope`), unknown functions.
pub fn check_file(
    engine: &Engine,
    known: &HashSet<(String, usize)>,
    path: &Path,
    scope: &rhai::Scope,
) -> Vec<Problem> {
    match super::Script::load(engine, path, scope) {
        Ok(script) => unknown_calls(known, &script.file, &script.ast),
        Err(p) => vec![p],
    }
}

/// Every site script and every template hook of the registry, checked as `zmgr check` does.
pub fn check_registry(registry: &zmgr_core::store::registry::Registry) -> Vec<Problem> {
    let limits = &registry.config.scripting;
    let mut problems = Vec::new();
    let scripts = super::site_scripts(&registry.root);
    if !scripts.is_empty() {
        let engine = super::api::Runtime::offline(limits.clone());
        let known = known(&engine);
        let mut scope = rhai::Scope::new();
        scope.push_constant("ARGS", rhai::Array::new());
        for (_, path) in scripts {
            problems.extend(check_file(&engine, &known, &path, &scope));
        }
    }
    let engine = super::hooks::reference_engine();
    let known = known(&engine);
    for t in registry.templates.values().filter(|t| !t.hooks.is_empty()) {
        if let Err(p) = super::hooks::check_template(t.file.path()) {
            problems.push(p);
            continue;
        }
        let dir = t.file.path().parent().unwrap_or(Path::new("."));
        let mut seen = HashSet::new();
        for (point, source) in &t.hooks {
            if let zmgr_core::model::template::HookSource::File(path) = source {
                let file = dir.join(&path.value);
                // A script used at several points is checked once.
                if !seen.insert(file.clone()) || !file.is_file() {
                    continue; // reported by the registry's cross-check
                }
            }
            let zone = super::hooks::HookZone::new(
                "",
                "",
                std::path::Path::new(""),
                &t.name.value,
                Vec::new(),
            );
            let scope = super::hooks::scope(&zone, point.value.as_str());
            match super::hooks::load_source(&engine, t, dir, point.value.as_str(), source, &scope) {
                Ok(script) => problems.extend(unknown_calls(&known, &script.file, &script.ast)),
                Err(p) => problems.push(p),
            }
        }
    }
    problems
}
