//! Rhai scripting: one hardened engine, scripts compiled with their file kept for errors,
//! and the checks a script must pass before it runs.
//!
//! - `api`: the `zmgr` module, the core API for site scripts
//! - `hooks`: template hooks and the helpers they get
//! - `resolver`: `import` confined to the script's folder and the site scripts folder
//! - `report`: Rhai errors as diagnostics with file, line and code
//! - `error`: core errors as values a script catches (`e.kind`), and `abort()`'s token
//! - `lint`: calls to functions that do not exist, found before anything runs
//! - `reference`: the API reference, generated from the engine
//!
//! Scripts and templates are permission-checked by zmgr-core's `fs::perms` before they run.

pub mod api;
pub mod error;
pub mod hooks;
pub mod lint;

pub mod reference;
pub mod report;
pub mod resolver;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::{AST, Dynamic, Engine};

use zmgr_core::error::{Error, Problem, Result, SourceFile};

/// `zmgr check`: every file of the registry and the references between them, then every
/// site script and template hook compiled, so that a mistake shows before any zone is
/// touched. The verb and the script function both call this.
pub fn check(
    root: &Path,
) -> Result<(
    zmgr_core::store::registry::Registry,
    zmgr_core::error::Problems,
)> {
    let (registry, mut problems) = zmgr_core::store::registry::Registry::check(root)?;
    problems.extend(lint::check_registry(&registry));
    Ok((registry, problems))
}

/// The engine's limits: the `scripting` settings of config.kdl.
pub use zmgr_core::model::config::{MAX_CALL_LEVELS, Scripting as Limits};

/// Time spent in the script's own code, excluding the core calls it makes (a create may take
/// minutes; that is not the script running away).
#[derive(Clone)]
pub struct Budget {
    start: Rc<Cell<Option<Instant>>>,
    outside: Rc<Cell<Duration>>,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            start: Rc::new(Cell::new(None)),
            outside: Rc::new(Cell::new(Duration::ZERO)),
        }
    }

    /// Starts the clock (each script run starts it again).
    pub fn start(&self) {
        self.start.set(Some(Instant::now()));
        self.outside.set(Duration::ZERO);
    }

    /// Runs `f` without counting its time against the script.
    pub fn outside<T>(&self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.outside.set(self.outside.get() + t.elapsed());
        r
    }

    fn used(&self) -> Duration {
        match self.start.get() {
            Some(s) => s.elapsed().saturating_sub(self.outside.get()),
            None => Duration::ZERO,
        }
    }
}

/// The token that ends a script which ran past its deadline.
pub const DEADLINE: &str = "deadline";

/// The token that ends a script on Ctrl-C or SIGTERM.
pub const INTERRUPTED: &str = "interrupted";

/// A hardened engine: limits set explicitly (debug builds have lower defaults), `eval`
/// disabled, strict variables, a deadline, and `import` confined by [`resolver::Confined`].
pub fn engine(limits: &Limits, import_dirs: Vec<PathBuf>) -> (Engine, Budget, resolver::Files) {
    let resolver = resolver::Confined::new(import_dirs);
    let files = resolver.files();
    let mut engine = Engine::new();
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth)
        .set_max_modules(64)
        .set_strict_variables(true)
        .set_module_resolver(resolver);
    engine.disable_symbol("eval");
    error::register_error_type(&mut engine);
    let budget = Budget::new();
    let watch = budget.clone();
    let timeout = limits.timeout;
    // `on_progress` needs a Send + Sync closure only with the `sync` feature, which zmgr
    // does not use; the budget lives on this thread.
    engine.on_progress(move |_| {
        if zmgr_core::host::interrupt::requested() {
            Some(Dynamic::from(INTERRUPTED))
        } else {
            (watch.used() > timeout).then(|| Dynamic::from(DEADLINE))
        }
    });
    // Scripts talk through zmgr's logging; `print` and `debug` go to standard error so that
    // they never mix with a verb's output.
    engine.on_print(|s| eprintln!("{s}"));
    engine.on_debug(|s, src, pos| match src {
        Some(src) => eprintln!("{src}:{pos}: {s}"),
        None => eprintln!("{pos}: {s}"),
    });
    (engine, budget, files)
}

/// A compiled script and the text it came from.
pub struct Script {
    pub file: Arc<SourceFile>,
    pub ast: AST,
}

impl Script {
    /// Reads (after the permission check) and compiles a script file. `scope` names the
    /// variables the script gets (`ARGS`, `ZONE`…), which strict variables must know.
    pub fn load(engine: &Engine, path: &Path, scope: &rhai::Scope) -> Result<Script, Problem> {
        zmgr_core::fs::perms::check(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| {
            Problem::error(format!(
                "cannot read script {}: {}",
                path.display(),
                zmgr_core::error::io_reason(&e)
            ))
        })?;
        Script::compile(engine, path, text, scope)
    }

    /// Compiles script text that came from `path` (a file, or a template holding inline code).
    pub fn compile(
        engine: &Engine,
        path: &Path,
        text: String,
        scope: &rhai::Scope,
    ) -> Result<Script, Problem> {
        let file = SourceFile::new(path, text);
        let mut ast = engine
            .compile_with_scope(scope, file.text())
            .map_err(|e| report::parse_error(&file, &e))?;
        ast.set_source(path.to_string_lossy().as_ref());
        Ok(Script { file, ast })
    }
}

/// The site scripts: `ROOT/scripts/NAME.rhai`, by name.
pub fn site_scripts(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(root.join("scripts"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let name = path
                .file_name()?
                .to_str()?
                .strip_suffix(".rhai")?
                .to_string();
            (!name.starts_with('.') && path.is_file()).then_some((name, path))
        })
        .collect();
    out.sort();
    out
}

/// The site script that runs as the verb `name`: `ROOT/scripts/NAME.rhai`. A verb is a name,
/// never a path, and only a script that exists is one.
pub fn site_script(root: &Path, name: &str) -> Result<PathBuf> {
    if zmgr_core::model::names::object_name_error("verb", name).is_some() {
        return Err(Error::usage(format!("unknown verb `{name}`"))
            .with_help("`zmgr --help` lists the verbs and `zmgr scripts` the site scripts"));
    }
    let path = root.join("scripts").join(format!("{name}.rhai"));
    if !path.is_file() {
        return Err(
            Error::usage(format!("unknown verb `{name}`")).with_help(format!(
                "`zmgr --help` lists the verbs; a site script would be {}",
                path.display()
            )),
        );
    }
    Ok(path)
}

/// Turns a script's failure into zmgr's error.
pub fn failed(err: Problem) -> Error {
    Error::Script(Box::new(err))
}
