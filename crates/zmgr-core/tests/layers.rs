//! Architecture rules, checked by reading the workspace's source files.
//!
//! The compiler holds none of these, yet they are what keep zmgr-core usable without a
//! command line or a script engine, keep its layers (the table in `src/lib.rs`) honest, and
//! keep the simulator independent of the code it stands in for. This test enforces:
//!
//! 1. **No import cycles.** In every crate, no `.rs` file takes part in a cycle of references
//!    between module files (`crate::`, `super::`, `self::` paths, use trees, child-module
//!    paths); and zmgr-core's top-level modules only use the layers below their own (see
//!    [`LAYERS`]).
//! 2. **Crate boundaries.** The `[dependencies]` of each crate respect the split
//!    (core < script < binary; the simulator stands alone), and zmgr-core's source never
//!    names the script engine or the command line parser.
//! 3. **`unsafe` only in zmgr-core's `fs` layer**, each use under a `// SAFETY:` comment.
//!
//! Plain std, no parser crate: a small lexer blanks comments and literals, then the tokens
//! are scanned for paths. Test code (`#[cfg(test)]` items, e.g. `mod tests { … }`) is skipped:
//! tests may use anything. A file's references to its own child modules are not edges (a
//! parent declares and re-exports its children); a child using its parent's items is. The
//! `checker` module at the bottom tests the checker itself on small sources.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// A module path inside a crate, without `crate`: `[]` is the root, `["host", "exec"]` is
/// `crate::host::exec`.
type ModPath = Vec<String>;

/// zmgr-core's layers, lowest first. A top-level module may use the modules of the ranks
/// below its own, and none on its own rank or above, except [`SAME_RANK_ALLOWED`].
const LAYERS: &[&[&str]] = &[
    &["command", "suggest", "text", "time"],
    &["error"],
    &["fs", "kdl"],
    &["model"],
    &["host"],
    &["store"],
    &["ops"],
];

/// Uses between two modules of the same rank that are allowed, as (user, used).
const SAME_RANK_ALLOWED: &[(&str, &str)] = &[("kdl", "fs")];

/// The crates of the workspace, and the dependencies each must not have.
const FORBIDDEN_DEPENDENCIES: &[(&str, &[&str])] = &[
    ("zmgr-core", &["clap", "rhai", "zmgr-script", "zmgr"]),
    ("zmgr-script", &["clap", "zmgr"]),
    ("zmgr-etcd", &["clap", "rhai", "zmgr-script", "zmgr"]),
    ("zmgr-sim", &["zmgr", "zmgr-core", "zmgr-script"]),
    ("zmgr", &[]),
];

/// Names zmgr-core's source must not mention outside comments.
const CORE_MUST_NOT_MENTION: &[&str] = &["zmgr_script", "rhai::", "clap::"];

/// The only places where `unsafe` may appear: the fs layer, and the counting allocator that
/// bounds what scripts may hold (a `GlobalAlloc` cannot be written without it).
const UNSAFE_ALLOWED_UNDER: &[&str] = &[
    "crates/zmgr-core/src/fs/",
    "crates/zmgr-script/src/memory.rs",
];

// ---------------------------------------------------------------------------------------------
// The rules, on the real tree.

#[test]
fn no_import_cycle_between_modules() {
    let mut report = String::new();
    let all = crates();
    for krate in &all {
        let graph = file_graph(&krate.files);
        for cycle in cycles(&graph.edges) {
            writeln!(report, "{}: {}", krate.name, describe_cycle(&cycle, &graph)).unwrap();
        }
    }
    let core = all
        .iter()
        .find(|c| c.name == "zmgr-core")
        .expect("zmgr-core exists");
    let top = top_level_graph(&core.files);
    for cycle in cycles(&top.edges) {
        writeln!(
            report,
            "zmgr-core top-level modules: {}",
            describe_cycle(&cycle, &top)
        )
        .unwrap();
    }
    assert!(
        report.is_empty(),
        "import cycles between modules (break each one):\n{report}"
    );
}

#[test]
fn zmgr_core_layers_only_use_the_layers_below() {
    let core = crates()
        .into_iter()
        .find(|c| c.name == "zmgr-core")
        .expect("zmgr-core exists");
    let mut report = String::new();
    let existing: BTreeSet<&str> = core
        .files
        .iter()
        .filter_map(|f| f.module.first())
        .map(String::as_str)
        .collect();
    for name in LAYERS.iter().flat_map(|r| r.iter()) {
        if !existing.contains(name) {
            writeln!(
                report,
                "LAYERS names `{name}`, which is not a module of zmgr-core"
            )
            .unwrap();
        }
    }
    for v in layer_violations(&core.files) {
        writeln!(report, "{v}").unwrap();
    }
    assert!(
        report.is_empty(),
        "zmgr-core layer violations (layers, lowest first: {}):\n{report}",
        LAYERS
            .iter()
            .map(|r| r.join(", "))
            .collect::<Vec<_>>()
            .join(" < ")
    );
}

#[test]
fn the_checker_sees_the_real_tree() {
    // Guards against a checker that passes because it finds nothing.
    let all = crates();
    for krate in &all {
        let graph = file_graph(&krate.files);
        // A root's references to its own children are no edges: only a crate with two
        // modules besides its root must show one.
        if krate.files.iter().filter(|f| !f.module.is_empty()).count() > 1 {
            assert!(
                !graph.edges.is_empty(),
                "{}: no reference between modules found",
                krate.name
            );
        }
    }
    let core = all
        .iter()
        .find(|c| c.name == "zmgr-core")
        .expect("zmgr-core exists");
    let graph = file_graph(&core.files);
    let error = "crates/zmgr-core/src/error.rs";
    let users = graph.edges.values().filter(|to| to.contains(error)).count();
    assert!(
        users >= 5,
        "only {users} files found using {error}; the checker is broken"
    );
}

#[test]
fn crate_boundaries_hold() {
    let mut report = String::new();
    let found: Vec<Crate> = crates();
    for (name, forbidden) in FORBIDDEN_DEPENDENCIES {
        let Some(krate) = found.iter().find(|c| c.name == *name) else {
            writeln!(report, "crate {name} not found under crates/").unwrap();
            continue;
        };
        let manifest = krate.dir.join("Cargo.toml");
        let toml = fs::read_to_string(&manifest).expect("read Cargo.toml");
        let deps = dependencies(&toml);
        for dep in *forbidden {
            if deps.contains(*dep) {
                writeln!(
                    report,
                    "crates/{name}/Cargo.toml: [dependencies] has `{dep}`"
                )
                .unwrap();
            }
        }
    }
    for krate in found.iter().filter(|c| c.name == "zmgr-core") {
        for file in &krate.files {
            let text = blank(&file.source, true);
            for (n, line) in text.lines().enumerate() {
                for word in CORE_MUST_NOT_MENTION {
                    if mentions(line, word) {
                        writeln!(report, "{}:{}: mentions `{word}`", file.rel, n + 1).unwrap();
                    }
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "crate boundaries: zmgr-core uses neither clap, rhai, zmgr-script nor zmgr; zmgr-script \
         uses neither clap nor zmgr; zmgr-sim uses no zmgr crate:\n{report}"
    );
}

#[test]
fn unsafe_only_in_the_fs_layer_under_a_safety_comment() {
    let mut report = String::new();
    for krate in crates() {
        for file in &krate.files {
            let allowed = UNSAFE_ALLOWED_UNDER.iter().any(|u| file.rel.starts_with(u));
            for line in unsafe_lines(&file.source) {
                if !allowed {
                    writeln!(
                        report,
                        "{}:{line}: `unsafe` outside {}",
                        file.rel,
                        UNSAFE_ALLOWED_UNDER.join(", ")
                    )
                    .unwrap();
                } else if !has_safety_comment(&file.source, line) {
                    writeln!(
                        report,
                        "{}:{line}: `unsafe` without a `// SAFETY:` comment in the 3 lines above",
                        file.rel
                    )
                    .unwrap();
                }
            }
        }
    }
    assert!(report.is_empty(), "unsafe code:\n{report}");
}

// ---------------------------------------------------------------------------------------------
// Reading the workspace.

/// A crate of the workspace and its source files.
struct Crate {
    name: String,
    dir: PathBuf,
    files: Vec<SourceFile>,
}

/// One `.rs` file of a crate's `src/`, with the module references of its non-test code.
struct SourceFile {
    /// Path from the workspace root, for messages.
    rel: String,
    module: ModPath,
    source: String,
    refs: Vec<Ref>,
    /// Part of a test-only module (`#[cfg(test)] mod tests;`): left out of the module graph.
    test_only: bool,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every crate under `crates/`, with its `src/` files read and their references extracted.
fn crates() -> Vec<Crate> {
    let root = workspace();
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .expect("read crates/")
        .map(|e| e.expect("read crates/ entry").path())
        .filter(|p| p.join("Cargo.toml").is_file() && p.join("src").is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let mut paths = Vec::new();
            rs_files(&dir.join("src"), &mut paths);
            let sources = paths
                .iter()
                .map(|p| {
                    let rel_src = p.strip_prefix(dir.join("src")).unwrap();
                    let rel = format!("crates/{name}/src/{}", slashed(rel_src));
                    let source = fs::read_to_string(p).unwrap_or_else(|e| panic!("{rel}: {e}"));
                    (rel, module_path(rel_src), source)
                })
                .collect();
            Crate {
                name,
                files: analyse(sources),
                dir,
            }
        })
        .collect()
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("read dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `lib.rs`/`main.rs` → root, `a/mod.rs` → `a`, `a/b.rs` → `a::b` (path relative to `src/`).
fn module_path(rel: &Path) -> ModPath {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().expect("a file name");
    let stem = file.strip_suffix(".rs").unwrap_or(&file);
    let at_root = parts.is_empty();
    if !(stem == "mod" || at_root && (stem == "lib" || stem == "main")) {
        parts.push(stem.to_string());
    }
    parts
}

/// Extracts each file's references, and marks the files of test-only modules
/// (`#[cfg(test)] mod x;`).
fn analyse(sources: Vec<(String, ModPath, String)>) -> Vec<SourceFile> {
    let modules: BTreeSet<ModPath> = sources.iter().map(|(_, m, _)| m.clone()).collect();
    let mut test_only: Vec<ModPath> = Vec::new();
    let mut files = Vec::new();
    for (rel, module, source) in sources {
        let extracted = extract(&source, &module, &modules);
        test_only.extend(extracted.test_only);
        files.push(SourceFile {
            rel,
            module,
            source,
            refs: extracted.refs,
            test_only: false,
        });
    }
    for f in &mut files {
        f.test_only = test_only.iter().any(|t| f.module.starts_with(t));
    }
    files
}

/// The dependency names of a Cargo.toml's `[dependencies]` tables (also
/// `[target.'…'.dependencies]` and `[dependencies.name]`), with renames' `package` names.
fn dependencies(toml: &str) -> BTreeSet<String> {
    let mut deps = BTreeSet::new();
    let mut in_deps = false;
    for line in toml.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']').trim();
            let table = header.strip_prefix("target.").map_or(header, |t| {
                if t.ends_with(".dependencies") {
                    "dependencies"
                } else {
                    t
                }
            });
            in_deps = table == "dependencies";
            if let Some(name) = header.strip_prefix("dependencies.") {
                deps.insert(name.trim_matches('"').replace('_', "-"));
            }
            continue;
        }
        if !in_deps || line.is_empty() {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let name = key.split('.').next().unwrap_or("").trim().trim_matches('"');
            if !name.is_empty() && name != "package" {
                deps.insert(name.replace('_', "-"));
            }
            if let Some((_, rest)) = value.split_once("package")
                && let Some(pkg) = rest.split('"').nth(1)
            {
                deps.insert(pkg.replace('_', "-"));
            }
        }
    }
    deps
}

/// Whether `line` holds `word` not preceded by an identifier character.
fn mentions(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        !line[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

// ---------------------------------------------------------------------------------------------
// Lexing: blank what is not code, then cut the rest into tokens.

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `src` with comments (`//`, `///`, `//!`, nested `/* */`) replaced by spaces and, unless
/// `keep_strings`, the insides of string, raw string and char literals too. Newlines are
/// kept, so line numbers stay right. Lifetimes and labels (`'a`) are left alone.
fn blank(src: &str, keep_strings: bool) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let space = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let lit = |ch: char| if keep_strings { ch } else { space(ch) };
    let at = |i: usize| c.get(i).copied();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '/' && at(i + 1) == Some('/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == Some('*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == Some('/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(space(c[i]));
                    i += 1;
                }
            }
        } else if ch == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' && i + 1 < c.len() {
                    out.push(lit(c[i]));
                    i += 1;
                }
                out.push(lit(c[i]));
                i += 1;
            }
            if i < c.len() {
                out.push('"');
                i += 1;
            }
        } else if let Some(hashes) = raw_string_start(&c, i) {
            // r"…", r#"…"#, br#"…"#, cr#"…"#: no escapes, ends at `"` and as many `#`.
            let fence: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            out.push('r');
            out.push_str(&"#".repeat(hashes));
            out.push('"');
            i += hashes + 2;
            while i < c.len() {
                if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == Some('#')) {
                    out.push_str(&fence);
                    i += hashes + 1;
                    break;
                }
                out.push(lit(c[i]));
                i += 1;
            }
        } else if ch == '\'' {
            if at(i + 1) == Some('\\') {
                // An escaped char literal: '\n', '\'', '\u{1F600}'.
                out.push('\'');
                out.push(lit('\\'));
                i += 2;
                if i < c.len() {
                    out.push(lit(c[i]));
                    i += 1;
                }
                while i < c.len() && c[i] != '\'' {
                    out.push(lit(c[i]));
                    i += 1;
                }
                if i < c.len() {
                    out.push('\'');
                    i += 1;
                }
            } else if at(i + 2) == Some('\'') {
                // A plain char literal: 'x', '"', '{'.
                out.push('\'');
                out.push(lit(c[i + 1]));
                out.push('\'');
                i += 3;
            } else {
                // A lifetime or a label: 'a, 'static, 'outer.
                out.push('\'');
                i += 1;
            }
        } else {
            out.push(ch);
            i += 1;
        }
    }
    out
}

/// At `c[i] == 'r'` starting a raw string (`r"`, `r#"`, after `b` or `c` too), the number of
/// `#` in its fence.
fn raw_string_start(c: &[char], i: usize) -> Option<usize> {
    if c[i] != 'r' {
        return None;
    }
    let starts_token = match i {
        0 => true,
        _ if !is_ident(c[i - 1]) => true,
        1 => matches!(c[0], 'b' | 'c'),
        _ => matches!(c[i - 1], 'b' | 'c') && !is_ident(c[i - 2]),
    };
    if !starts_token {
        return None;
    }
    let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
    (c.get(i + 1 + hashes) == Some(&'"')).then_some(hashes)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Tokens of blanked source. Numbers become `Punct('0')`; `$crate` and raw identifiers
/// (`r#type` → `type`) become identifiers.
fn tokenize(clean: &str) -> Vec<Token> {
    let c: Vec<char> = clean.chars().collect();
    let mut toks = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let word = |i: &mut usize| {
        let start = *i;
        while *i < c.len() && is_ident(c[*i]) {
            *i += 1;
        }
        c[start..*i].iter().collect::<String>()
    };
    while i < c.len() {
        let ch = c[i];
        let tok = if ch == '\n' {
            line += 1;
            i += 1;
            continue;
        } else if ch.is_whitespace() {
            i += 1;
            continue;
        } else if ch.is_ascii_digit() {
            word(&mut i);
            Tok::Punct('0')
        } else if is_ident(ch) {
            let mut w = word(&mut i);
            if w == "r" && c.get(i) == Some(&'#') && c.get(i + 1).is_some_and(|&n| is_ident(n)) {
                i += 1;
                w = word(&mut i);
            }
            Tok::Ident(w)
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            i += 2;
            Tok::PathSep
        } else if ch == '$' && c.get(i + 1).is_some_and(|&n| is_ident(n)) {
            i += 1;
            Tok::Ident(format!("${}", word(&mut i)))
        } else {
            i += 1;
            Tok::Punct(ch)
        };
        toks.push(Token { tok, line });
    }
    toks
}

// ---------------------------------------------------------------------------------------------
// Extraction: the module references of a file's non-test code.

/// A reference from a file's non-test code to a module of the same crate.
#[derive(Debug, Clone, PartialEq)]
struct Ref {
    line: usize,
    /// The path as written, use trees flattened: `crate::host::exec::Commands`.
    written: String,
    /// The module file the path lands in: its longest prefix that is a module file.
    target: ModPath,
    /// The inline module (`mod x { … }`) the reference sits in, from the file's module.
    inline: Vec<String>,
}

#[derive(Debug, Default)]
struct Extracted {
    refs: Vec<Ref>,
    /// Modules declared as test-only (`#[cfg(test)] mod x;`), or the file's own module
    /// under `#![cfg(test)]`.
    test_only: Vec<ModPath>,
}

/// One path of a use tree or an expression, flattened.
#[derive(Debug, Clone)]
struct Leaf {
    segs: Vec<String>,
    line: usize,
    alias: Option<String>,
    glob: bool,
}

impl Leaf {
    fn written(&self) -> String {
        let mut s = self.segs.join("::");
        if self.glob {
            s.push_str("::*");
        }
        s
    }

    /// The name a `use` brings into scope, if any.
    fn local_name(&self) -> Option<&str> {
        if self.glob {
            return None;
        }
        match self.alias.as_deref() {
            Some("_") => None,
            Some(a) => Some(a),
            None => {
                let n = self.segs.len();
                match self.segs.last().map(String::as_str) {
                    Some("self") if n >= 2 => Some(self.segs[n - 2].as_str()),
                    other => other,
                }
            }
        }
    }
}

/// The references `src` (the file of module `module`) makes to modules of a crate whose module
/// files are `modules`. Each path starting with `crate`, `$crate`, `self`, `super`, a child
/// module of the enclosing module or a name a `use` bound to a module is resolved; other paths
/// (`std::…`, other crates, items) are not references. Comments, literals and `#[cfg(test)]`
/// items are skipped.
fn extract(src: &str, module: &[String], modules: &BTreeSet<ModPath>) -> Extracted {
    let t = tokenize(&blank(src, false));
    let ident = |i: usize| match t.get(i).map(|x| &x.tok) {
        Some(Tok::Ident(w)) => Some(w.as_str()),
        _ => None,
    };
    let punct = |i: usize, p: char| t.get(i).is_some_and(|x| x.tok == Tok::Punct(p));
    let sep = |i: usize| t.get(i).is_some_and(|x| x.tok == Tok::PathSep);

    let mut out = Extracted::default();
    // (absolute scope, leaf, from a use)
    let mut leaves: Vec<(ModPath, Leaf, bool)> = Vec::new();
    let mut children: BTreeSet<ModPath> = BTreeSet::new();
    let mut inline_mods: BTreeSet<ModPath> = BTreeSet::new();
    let mut scope: ModPath = module.to_vec();
    let mut open: Vec<usize> = Vec::new(); // brace depth of each open inline module
    let mut depth = 0usize;
    let mut i = 0;
    while i < t.len() {
        if punct(i, '#') {
            let inner = punct(i + 1, '!');
            let a = if inner { i + 1 } else { i };
            let cfg_test = punct(a + 1, '[')
                && ident(a + 2) == Some("cfg")
                && punct(a + 3, '(')
                && ident(a + 4) == Some("test")
                && punct(a + 5, ')')
                && punct(a + 6, ']');
            if cfg_test && inner {
                out.test_only.push(scope.clone());
                if scope == module {
                    return out;
                }
            } else if cfg_test {
                let (end, test_mod) = skip_item(&t, a + 7);
                if let Some(name) = test_mod {
                    out.test_only.push(child(&scope, &name));
                }
                i = end;
                continue;
            }
        } else if ident(i) == Some("use") && !punct(i + 1, '<') {
            let mut found = Vec::new();
            let end = path_tree(&t, i + 1, &[], true, &mut found);
            leaves.extend(found.into_iter().map(|l| (scope.clone(), l, true)));
            i = end.max(i + 1);
            continue;
        } else if ident(i) == Some("mod") && !sep(i.wrapping_sub(1)) {
            if let Some(name) = ident(i + 1) {
                let path = child(&scope, name);
                if punct(i + 2, ';') {
                    children.insert(path);
                } else if punct(i + 2, '{') {
                    children.insert(path.clone());
                    inline_mods.insert(path.clone());
                    depth += 1;
                    open.push(depth);
                    scope = path;
                    i += 3;
                    continue;
                }
            }
        } else if punct(i, '{') {
            depth += 1;
        } else if punct(i, '}') {
            if open.last() == Some(&depth) {
                open.pop();
                scope.pop();
            }
            depth = depth.saturating_sub(1);
        } else if ident(i).is_some()
            && sep(i + 1)
            && !(i > 0 && sep(i - 1))
            && !(i > 1 && ident(i - 1) == Some("in") && punct(i - 2, '('))
        {
            // A path in code; `pub(in crate::x)` is a visibility, not a use.
            let mut found = Vec::new();
            let end = path_tree(&t, i, &[], false, &mut found);
            leaves.extend(found.into_iter().map(|l| (scope.clone(), l, false)));
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }

    // Names bound by `use` in each scope, to the absolute path they name (None: outside the
    // crate). They shadow child modules of the same name.
    let mut aliases: BTreeMap<(ModPath, String), Option<ModPath>> = BTreeMap::new();
    for (scope, leaf, from_use) in &leaves {
        if let (true, Some(name)) = (from_use, leaf.local_name()) {
            let abs = absolute(&leaf.segs, scope, &children, &BTreeMap::new());
            aliases.insert((scope.clone(), name.to_string()), abs);
        }
    }
    // Only names of modules are followed: `Error::io` after `use crate::error::Error` adds
    // nothing the `use` did not.
    aliases.retain(|_, abs| {
        abs.as_ref()
            .is_some_and(|p| modules.contains(p) || inline_mods.contains(p))
    });
    for (scope, leaf, _) in leaves {
        let Some(abs) = absolute(&leaf.segs, &scope, &children, &aliases) else {
            continue;
        };
        let target = (0..=abs.len())
            .rev()
            .map(|k| abs[..k].to_vec())
            .find(|p| modules.contains(p))
            .unwrap_or_default();
        out.refs.push(Ref {
            line: leaf.line,
            written: leaf.written(),
            target,
            inline: scope[module.len()..].to_vec(),
        });
    }
    out.refs.sort_by_key(|r| r.line);
    out
}

fn child(scope: &[String], name: &str) -> ModPath {
    let mut p = scope.to_vec();
    p.push(name.to_string());
    p
}

/// The absolute module path `segs` (as written in `scope`) names, or None if it is not a path
/// into the crate.
fn absolute(
    segs: &[String],
    scope: &[String],
    children: &BTreeSet<ModPath>,
    aliases: &BTreeMap<(ModPath, String), Option<ModPath>>,
) -> Option<ModPath> {
    let first = segs.first()?.as_str();
    let mut abs: ModPath = match first {
        "crate" | "$crate" => segs[1..].to_vec(),
        "self" | "super" => {
            let mut base = scope.to_vec();
            let mut k = 0;
            while k < segs.len() && matches!(segs[k].as_str(), "self" | "super") {
                if segs[k] == "super" {
                    base.pop()?;
                }
                k += 1;
            }
            base.extend_from_slice(&segs[k..]);
            base
        }
        name => {
            if let Some(target) = aliases.get(&(scope.to_vec(), name.to_string())) {
                let mut p = target.clone()?;
                p.extend_from_slice(&segs[1..]);
                p
            } else if children.contains(&child(scope, name)) {
                let mut p = scope.to_vec();
                p.extend_from_slice(segs);
                p
            } else {
                return None;
            }
        }
    };
    // `use a::{self, …}` names `a`.
    while abs.last().is_some_and(|s| s == "self") {
        abs.pop();
    }
    Some(abs)
}

/// Parses a path or use tree at `t[i..]` under `prefix`, pushing one leaf per path (groups
/// `{a, b::{c, self}}` flattened). `in_use` reads `as` renames. Returns the index after it.
fn path_tree(
    t: &[Token],
    mut i: usize,
    prefix: &[String],
    in_use: bool,
    out: &mut Vec<Leaf>,
) -> usize {
    let mut segs = prefix.to_vec();
    let mut line = t.get(i).map_or(0, |x| x.line);
    if t.get(i).is_some_and(|x| x.tok == Tok::PathSep) {
        // `::std::…`: an external crate.
        segs.push("::".to_string());
        i += 1;
    }
    let leaf = |segs: Vec<String>, line, alias, glob| Leaf {
        segs,
        line,
        alias,
        glob,
    };
    loop {
        match t.get(i).map(|x| &x.tok) {
            Some(Tok::Ident(w)) => {
                segs.push(w.clone());
                line = t[i].line;
                i += 1;
                if t.get(i).is_some_and(|x| x.tok == Tok::PathSep) {
                    i += 1;
                    continue;
                }
                let mut alias = None;
                if in_use
                    && matches!(t.get(i).map(|x| &x.tok), Some(Tok::Ident(w)) if w == "as")
                    && let Some(Tok::Ident(a)) = t.get(i + 1).map(|x| &x.tok)
                {
                    alias = Some(a.clone());
                    i += 2;
                }
                out.push(leaf(segs, line, alias, false));
                return i;
            }
            Some(Tok::Punct('*')) => {
                out.push(leaf(segs, line, None, true));
                return i + 1;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    match t.get(i).map(|x| &x.tok) {
                        Some(Tok::Punct('}')) => return i + 1,
                        Some(Tok::Punct(',')) => i += 1,
                        None => return i,
                        Some(_) => {
                            let end = path_tree(t, i, &segs, in_use, out);
                            if end == i {
                                return i;
                            }
                            i = end;
                        }
                    }
                }
            }
            _ => {
                // `crate::f::<T>()`: the path so far.
                if segs.len() > prefix.len() {
                    out.push(leaf(segs, line, None, false));
                }
                return i;
            }
        }
    }
}

/// Skips the item at `t[i..]` that a `#[cfg(test)]` applies to (more attributes, then up to
/// its `;` or its closing `}`). Returns the index after it, and the module's name if it is an
/// out-of-line `mod name;`.
fn skip_item(t: &[Token], mut i: usize) -> (usize, Option<String>) {
    let is = |i: usize, p: char| t.get(i).is_some_and(|x| x.tok == Tok::Punct(p));
    let word = |i: usize| match t.get(i).map(|x| &x.tok) {
        Some(Tok::Ident(w)) => Some(w.clone()),
        _ => None,
    };
    while is(i, '#') && is(i + 1, '[') {
        let mut d = 0;
        i += 1;
        while i < t.len() {
            if is(i, '[') {
                d += 1;
            } else if is(i, ']') {
                d -= 1;
                if d == 0 {
                    break;
                }
            }
            i += 1;
        }
        i += 1;
    }
    let mut j = i;
    if word(j).as_deref() == Some("pub") {
        j += 1;
        if is(j, '(') {
            while j < t.len() && !is(j, ')') {
                j += 1;
            }
            j += 1;
        }
    }
    let test_mod = match (word(j).as_deref(), word(j + 1)) {
        (Some("mod"), Some(name)) if is(j + 2, ';') => Some(name),
        _ => None,
    };
    let mut d = 0i64;
    while i < t.len() {
        match t[i].tok {
            Tok::Punct('(' | '[' | '{') => d += 1,
            Tok::Punct(')' | ']') => d -= 1,
            Tok::Punct('}') => {
                if d == 0 {
                    // The end of the enclosing block: the item was its last part.
                    return (i, test_mod);
                }
                d -= 1;
                if d == 0 {
                    return (i + 1, test_mod);
                }
            }
            Tok::Punct(';') if d == 0 => return (i + 1, test_mod),
            _ => {}
        }
        i += 1;
    }
    (i, test_mod)
}

// ---------------------------------------------------------------------------------------------
// Graphs and cycles.

/// A directed graph with, for each edge, where it comes from (`file:line: path`).
#[derive(Default)]
struct Graph {
    edges: BTreeMap<String, BTreeSet<String>>,
    evidence: BTreeMap<(String, String), Vec<String>>,
}

impl Graph {
    fn add(&mut self, from: &str, to: &str, why: String) {
        self.edges
            .entry(from.to_string())
            .or_default()
            .insert(to.to_string());
        self.evidence
            .entry((from.to_string(), to.to_string()))
            .or_default()
            .push(why);
    }
}

/// Whether a reference from module `from` to module `to` is a dependency: not to itself nor
/// to its own descendants (a parent declares its children), but to its parent, yes.
fn is_edge(from: &[String], to: &[String]) -> bool {
    !to.starts_with(from)
}

/// The references between the files of a crate, by file path.
fn file_graph(files: &[SourceFile]) -> Graph {
    let by_module: BTreeMap<&ModPath, &str> = files
        .iter()
        .filter(|f| !f.test_only)
        .map(|f| (&f.module, f.rel.as_str()))
        .collect();
    let mut graph = Graph::default();
    for file in files.iter().filter(|f| !f.test_only) {
        for r in file
            .refs
            .iter()
            .filter(|r| is_edge(&file.module, &r.target))
        {
            if let Some(to) = by_module.get(&r.target) {
                graph.add(
                    &file.rel,
                    to,
                    format!("{}:{}: {}", file.rel, r.line, r.written),
                );
            }
        }
    }
    graph
}

const CRATE_ROOT: &str = "crate root";

/// The top-level module a module belongs to (the root is [`CRATE_ROOT`]).
fn top(module: &[String]) -> &str {
    module.first().map_or(CRATE_ROOT, String::as_str)
}

/// Whether a reference is part of lib.rs's `prelude`, which re-exports every layer by design.
fn in_prelude(file: &SourceFile, r: &Ref) -> bool {
    file.module.is_empty() && r.inline.first().is_some_and(|m| m == "prelude")
}

/// The references between a crate's top-level modules, prelude excluded.
fn top_level_graph(files: &[SourceFile]) -> Graph {
    let mut graph = Graph::default();
    for file in files.iter().filter(|f| !f.test_only) {
        for r in file
            .refs
            .iter()
            .filter(|r| is_edge(&file.module, &r.target) && !in_prelude(file, r))
        {
            let (from, to) = (top(&file.module), top(&r.target));
            if from != to && from != CRATE_ROOT {
                graph.add(from, to, format!("{}:{}: {}", file.rel, r.line, r.written));
            }
        }
    }
    graph
}

/// Each reference of zmgr-core's files that breaks [`LAYERS`], as `file:line: …`.
fn layer_violations(files: &[SourceFile]) -> Vec<String> {
    // Ranks count from 1, lowest first, as in messages.
    let rank = |m: &str| LAYERS.iter().position(|r| r.contains(&m)).map(|k| k + 1);
    let mut out = Vec::new();
    for file in files.iter().filter(|f| !f.test_only) {
        let from = top(&file.module);
        if from == CRATE_ROOT {
            continue; // lib.rs declares the layers and may name them all.
        }
        let Some(from_rank) = rank(from) else {
            out.push(format!(
                "{}: top-level module `{from}` has no rank in LAYERS",
                file.rel
            ));
            continue;
        };
        for r in file
            .refs
            .iter()
            .filter(|r| is_edge(&file.module, &r.target) && !in_prelude(file, r))
        {
            let to = top(&r.target);
            if to == from {
                continue;
            }
            let why = match rank(to) {
                _ if to == CRATE_ROOT => {
                    "the crate root (its prelude) re-exports every layer: use the defining module"
                        .to_string()
                }
                None => format!("`{to}` has no rank in LAYERS"),
                Some(to_rank) if to_rank < from_rank => continue,
                Some(to_rank) if to_rank == from_rank => {
                    if SAME_RANK_ALLOWED.contains(&(from, to)) {
                        continue;
                    }
                    format!("`{from}` and `{to}` are on the same rank ({from_rank})")
                }
                Some(to_rank) => format!(
                    "`{from}` (rank {from_rank}) may not use `{to}` (rank {to_rank}), \
                     a layer above it"
                ),
            };
            out.push(format!(
                "{}:{}: {from} -> {to} via `{}`: {why}",
                file.rel, r.line, r.written
            ));
        }
    }
    out
}

/// The cycles of `edges`: for each edge inside a strongly connected component, the shortest
/// cycle through it, each cycle once (starting at its smallest node).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let none = BTreeSet::new();
    let next = |n: &str| edges.get(n).unwrap_or(&none);
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for scc in components(edges) {
        for u in &scc {
            for v in next(u).iter().filter(|v| scc.contains(*v)) {
                // Shortest path v → u inside the component.
                let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
                let mut queue = VecDeque::from([v.as_str()]);
                let mut seen = BTreeSet::from([v.as_str()]);
                while let Some(n) = queue.pop_front() {
                    if n == u {
                        break;
                    }
                    for m in next(n).iter().filter(|m| scc.contains(*m)) {
                        if seen.insert(m.as_str()) {
                            prev.insert(m.as_str(), n);
                            queue.push_back(m.as_str());
                        }
                    }
                }
                let mut path = vec![u.clone()];
                let mut n = u.as_str();
                while n != v {
                    n = prev[n];
                    path.push(n.to_string());
                }
                path.reverse(); // v … u
                let mut cycle = vec![u.clone()];
                cycle.extend(path.into_iter().filter(|n| n != u));
                let start = cycle
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, n)| *n)
                    .map_or(0, |(k, _)| k);
                cycle.rotate_left(start);
                found.insert(cycle);
            }
        }
    }
    found.into_iter().collect()
}

/// The strongly connected components with a cycle (Tarjan).
fn components(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, n: &'a str) {
        let k = s.index.len();
        s.index.insert(n, k);
        s.low.insert(n, k);
        s.stack.push(n);
        s.on_stack.insert(n);
        let edges = s.edges;
        for m in edges.get(n).into_iter().flatten() {
            if !s.index.contains_key(m.as_str()) {
                visit(s, m);
                let low = s.low[n].min(s.low[m.as_str()]);
                s.low.insert(n, low);
            } else if s.on_stack.contains(m.as_str()) {
                let low = s.low[n].min(s.index[m.as_str()]);
                s.low.insert(n, low);
            }
        }
        if s.low[n] == s.index[n] {
            let mut scc = BTreeSet::new();
            while let Some(m) = s.stack.pop() {
                s.on_stack.remove(m);
                scc.insert(m.to_string());
                if m == n {
                    break;
                }
            }
            let looped = s.edges.get(n).is_some_and(|to| to.contains(n));
            if scc.len() > 1 || looped {
                s.out.push(scc);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for n in edges.keys() {
        if !s.index.contains_key(n.as_str()) {
            visit(&mut s, n);
        }
    }
    s.out
}

/// `a -> b -> a`, then each hop's references.
fn describe_cycle(cycle: &[String], graph: &Graph) -> String {
    let mut s = cycle.join(" -> ");
    write!(s, " -> {}", cycle[0]).unwrap();
    for (k, from) in cycle.iter().enumerate() {
        let to = &cycle[(k + 1) % cycle.len()];
        for why in graph
            .evidence
            .get(&(from.clone(), to.clone()))
            .into_iter()
            .flatten()
        {
            write!(s, "\n    {why}").unwrap();
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// unsafe

/// The lines (1-based) where the `unsafe` keyword appears outside comments and literals.
fn unsafe_lines(src: &str) -> Vec<usize> {
    tokenize(&blank(src, false))
        .into_iter()
        .filter(|t| t.tok == Tok::Ident("unsafe".to_string()))
        .map(|t| t.line)
        .collect()
}

/// Whether one of the 3 lines above `line` (1-based) holds a `// SAFETY:` comment.
fn has_safety_comment(src: &str, line: usize) -> bool {
    let lines: Vec<&str> = src.lines().collect();
    // 0-based indices of lines line-3 ..= line-1.
    (line.saturating_sub(4)..line.saturating_sub(1))
        .filter_map(|k| lines.get(k))
        .any(|l| l.contains("// SAFETY:"))
}

// ---------------------------------------------------------------------------------------------
// The checker, tested.

mod checker {
    use super::*;

    fn mp(s: &str) -> ModPath {
        if s.is_empty() {
            Vec::new()
        } else {
            s.split("::").map(str::to_string).collect()
        }
    }

    fn modules(list: &[&str]) -> BTreeSet<ModPath> {
        list.iter().map(|m| mp(m)).chain([Vec::new()]).collect()
    }

    /// (line, target) of each reference `src`, in module `module`, makes to another module.
    fn edges(src: &str, module: &str, mods: &[&str]) -> Vec<(usize, String)> {
        let module = mp(module);
        extract(src, &module, &modules(mods))
            .refs
            .into_iter()
            .filter(|r| is_edge(&module, &r.target))
            .map(|r| (r.line, r.target.join("::")))
            .collect()
    }

    fn file(rel: &str, module: &str, src: &str) -> (String, ModPath, String) {
        (rel.to_string(), mp(module), src.to_string())
    }

    #[test]
    fn grouped_use_trees_are_flattened() {
        let src = "use crate::{a::b, c};\nuse crate::d::{self, e::{f, g as h}, *};\n";
        let refs = extract(src, &[], &modules(&["a", "a::b", "c", "d", "d::e"])).refs;
        let got: Vec<(usize, String, String)> = refs
            .iter()
            .map(|r| (r.line, r.written.clone(), r.target.join("::")))
            .collect();
        let want = [
            (1, "crate::a::b", "a::b"),
            (1, "crate::c", "c"),
            (2, "crate::d::self", "d"),
            (2, "crate::d::e::f", "d::e"),
            (2, "crate::d::e::g", "d::e"),
            (2, "crate::d::*", "d"),
        ];
        let want: Vec<(usize, String, String)> = want
            .iter()
            .map(|(l, w, t)| (*l, w.to_string(), t.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn paths_in_code_land_in_the_longest_module_prefix() {
        let src = "fn f() -> crate::a::T { let x = crate::a::b::new::<u8>(); $crate::c::m!(); x }\n\
                   pub(crate) fn g() {}\npub(in crate::c) fn h() {}\n";
        assert_eq!(
            edges(src, "z", &["a", "a::b", "c", "z"]),
            [(1, "a".into()), (1, "a::b".into()), (1, "c".into())]
        );
    }

    #[test]
    fn literals_are_not_code() {
        let src = "let s = \"crate::x::y\";\n\
                   let r = r#\"crate::x \"quoted\" \"#; let b = br\"crate::x\";\n\
                   let q = '\"'; let e = '\\''; let brace = '{';\n\
                   fn f<'a>(x: &'a str) -> &'a str { crate::z::f(x) }\n\
                   'outer: loop { break 'outer; }\n\
                   fn r#type() { crate::w::g() }\n";
        assert_eq!(
            edges(src, "m", &["m", "x", "x::y", "z", "w"]),
            [(4, "z".into()), (6, "w".into())]
        );
    }

    #[test]
    fn comments_are_not_code() {
        let src = "// crate::y\n/// crate::y\n//! crate::y\n/* crate::y /* nested */ crate::y */\n\
                   use crate::z; /** crate::y */ fn f() {}\n";
        assert_eq!(edges(src, "m", &["m", "y", "z"]), [(5, "z".into())]);
    }

    #[test]
    fn test_code_is_skipped() {
        let src = "fn a() { crate::x::f(); }\n\
                   #[cfg(test)]\n\
                   mod tests {\n\
                       use crate::y;\n\
                       fn t() { if true { crate::y::g(\"}\"); } let c = '}'; }\n\
                   }\n\
                   #[cfg(test)]\n#[allow(unused)]\nfn helper() { crate::y::h() }\n\
                   #[cfg(test)]\nuse crate::y::G;\n\
                   fn b() { crate::z::h(); }\n\
                   #[cfg(test)]\nmod fixtures;\n";
        let mods = ["m", "x", "y", "z", "m::fixtures"];
        assert_eq!(edges(src, "m", &mods), [(1, "x".into()), (12, "z".into())]);
        assert_eq!(
            extract(src, &mp("m"), &modules(&mods)).test_only,
            [mp("m::fixtures")]
        );
    }

    #[test]
    fn super_self_and_children_resolve_relative_to_the_file() {
        // In a/b.rs: the parent and a sibling are edges, its own child is not.
        let src = "mod inner;\nuse super::c::D;\nuse self::inner::E;\nuse inner::F;\n\
                   fn f() { super::super::z::g(); inner::h(); super::T::new(); }\n";
        let mods = ["a", "a::b", "a::c", "a::b::inner", "z"];
        assert_eq!(
            edges(src, "a::b", &mods),
            [(2, "a::c".into()), (5, "z".into()), (5, "a".into())]
        );
        let all: Vec<String> = extract(src, &mp("a::b"), &modules(&mods))
            .refs
            .iter()
            .map(|r| r.written.clone())
            .collect();
        assert!(all.contains(&"inner::F".to_string()) && all.contains(&"inner::h".to_string()));
    }

    #[test]
    fn module_names_bound_by_use_are_followed() {
        let src = "use crate::host::{dladm, zoneadm as za};\n\
                   use std::fs;\n\
                   use crate::error::Error;\n\
                   fn f() { za::run(); fs::write(); Error::io(); }\n\
                   fn g() -> impl Sized + use<> {}\n";
        let mods = ["host", "host::zoneadm", "host::dladm", "fs", "error", "x"];
        assert_eq!(
            edges(src, "x", &mods),
            [
                (1, "host::dladm".into()),
                (1, "host::zoneadm".into()),
                (3, "error".into()),
                (4, "host::zoneadm".into())
            ]
        );
    }

    #[test]
    fn inline_modules_scope_relative_paths() {
        let src = "pub mod prelude {\n\
                       pub use super::a::A;\n\
                       pub use self::inner::B;\n\
                       mod inner {}\n\
                   }\n\
                   use crate::b::C;\n";
        let refs = extract(src, &[], &modules(&["a", "b"])).refs;
        let got: Vec<(String, Vec<String>)> = refs
            .iter()
            .map(|r| (r.target.join("::"), r.inline.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("a".into(), vec!["prelude".into()]),
                (String::new(), vec!["prelude".into()]),
                ("b".into(), vec![])
            ]
        );
    }

    #[test]
    fn a_cycle_is_found_and_shown_with_its_files() {
        let files = analyse(vec![
            file(
                "src/lib.rs",
                "",
                "pub mod a;\npub mod b;\npub mod c;\npub mod d;\nuse a::X;\n",
            ),
            file("src/a.rs", "a", "use crate::b::Y;\n"),
            file("src/b.rs", "b", "fn f() {\n    crate::c::g();\n}\n"),
            file("src/c.rs", "c", "use crate::{a::X, d};\n"),
            file(
                "src/d.rs",
                "d",
                "use super::a;\n#[cfg(test)]\nmod tests { use crate::c; }\n",
            ),
        ]);
        let graph = file_graph(&files);
        let found = cycles(&graph.edges);
        let names = |c: &[&str]| c.iter().map(|s| format!("src/{s}.rs")).collect::<Vec<_>>();
        assert_eq!(
            found,
            [names(&["a", "b", "c"]), names(&["a", "b", "c", "d"])]
        );
        let shown = describe_cycle(&found[0], &graph);
        assert!(
            shown.starts_with("src/a.rs -> src/b.rs -> src/c.rs -> src/a.rs"),
            "{shown}"
        );
        assert!(shown.contains("src/b.rs:2: crate::c::g"), "{shown}");
        assert!(shown.contains("src/c.rs:1: crate::a::X"), "{shown}");

        let acyclic = analyse(vec![
            file("src/lib.rs", "", "pub mod a;\npub mod b;\n"),
            file(
                "src/a/mod.rs",
                "a",
                "pub mod x;\nuse x::Y;\nuse crate::b::Z;\n",
            ),
            file("src/a/x.rs", "a::x", "use super::W;\nuse crate::b::Z;\n"),
            file("src/b.rs", "b", "pub fn z() {}\n#[cfg(test)]\nmod tests;\n"),
            // Test-only: would close a -> b -> a.
            file("src/b/tests.rs", "b::tests", "use crate::a::x::Y;\n"),
        ]);
        assert!(
            acyclic
                .iter()
                .any(|f| f.test_only && f.rel == "src/b/tests.rs")
        );
        assert!(cycles(&file_graph(&acyclic).edges).is_empty());
    }

    #[test]
    fn layers_are_checked_between_top_level_modules() {
        let files = analyse(vec![
            file(
                "src/lib.rs",
                "",
                "pub mod prelude { pub use crate::ops::Op; }\n",
            ),
            file(
                "src/model/config.rs",
                "model::config",
                "use crate::host::exec::Tool;\nuse crate::kdl::R;\n",
            ),
            file(
                "src/host/exec.rs",
                "host::exec",
                "use crate::model::config::C;\n",
            ),
            file("src/kdl/mod.rs", "kdl", "use crate::fs::write;\n"),
            file(
                "src/fs/mod.rs",
                "fs",
                "use crate::kdl::R;\nuse crate::prelude::Error;\n",
            ),
            file("src/ops/mod.rs", "ops", "use crate::store::S;\n"),
            file("src/store.rs", "store", "use crate::fresh::S;\n"),
            file("src/fresh.rs", "fresh", ""),
        ]);
        let got = layer_violations(&files);
        let lines: Vec<&str> = got.iter().map(|v| v.split(": ").next().unwrap()).collect();
        assert_eq!(
            lines,
            [
                "src/model/config.rs:1",
                "src/fs/mod.rs:1",
                "src/fs/mod.rs:2",
                "src/store.rs:1",
                "src/fresh.rs"
            ],
            "{got:#?}"
        );
        assert!(
            got[0].contains("model -> host via `crate::host::exec::Tool`"),
            "{got:#?}"
        );
        let top = top_level_graph(&files);
        assert_eq!(
            cycles(&top.edges),
            [
                vec!["fs".to_string(), "kdl".to_string()],
                vec!["host".into(), "model".into()]
            ]
        );
    }

    #[test]
    fn unsafe_is_found_in_code_only() {
        let src = "let s = \"unsafe\"; // unsafe\n/* unsafe */ let x = unsafe { f() };\n\
                   // SAFETY: the fd is open.\nlet y = unsafe { g() };\n";
        assert_eq!(unsafe_lines(src), [2, 4]);
        assert!(!has_safety_comment(src, 2));
        assert!(has_safety_comment(src, 4));
    }

    #[test]
    fn dependencies_are_read_from_the_dependency_tables() {
        let toml = "[package]\nname = \"x\"\n\n[dependencies]\nzmgr-core.workspace = true\n\
                    cli = { package = \"clap\", version = \"4\" }\nserde_json = \"1\" # json\n\n\
                    [target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n\n\
                    [dependencies.rhai]\nversion = \"1\"\n\n\
                    [dev-dependencies]\nzmgr-script.workspace = true\n";
        let want = ["cli", "clap", "libc", "rhai", "serde-json", "zmgr-core"];
        assert_eq!(
            dependencies(toml),
            want.iter().map(|s| s.to_string()).collect()
        );
        assert!(mentions("use rhai::Engine;", "rhai::") && !mentions("use xrhai::E;", "rhai::"));
    }

    #[test]
    fn module_paths_follow_the_file_layout() {
        assert_eq!(module_path(Path::new("lib.rs")), mp(""));
        assert_eq!(module_path(Path::new("main.rs")), mp(""));
        assert_eq!(module_path(Path::new("a/mod.rs")), mp("a"));
        assert_eq!(module_path(Path::new("a/b.rs")), mp("a::b"));
        assert_eq!(module_path(Path::new("a/lib.rs")), mp("a::lib"));
    }
}
