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
//! - `bounds`: what no script may pass whatever the limits say (memory, stack, nesting)
//! - `sizes`: the size limits held for every variable, not only where Rhai checks them
//! - `memory`: zmgr's heap, counted, for the memory bound
//!
//! Scripts and templates are permission-checked by zmgr-core's `fs::perms` before they run.

pub mod api;
pub mod bounds;
pub mod error;
pub mod hooks;
pub mod lint;
pub mod memory;
pub mod sizes;

pub mod reference;
pub mod report;
pub mod resolver;
pub mod span;

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

/// The time a script has taken: for a site script its own code, excluding the core calls it
/// makes (a create may take minutes; that is not the script running away); for a hook, all of
/// it, the zone commands it runs included (see [`Budget::count_everything`]).
#[derive(Clone)]
pub struct Budget {
    start: Rc<Cell<Option<Instant>>>,
    outside: Rc<Cell<Duration>>,
    everything: Rc<Cell<bool>>,
    /// The script's deadline (`timeout-seconds`); none for an engine that runs nothing.
    limit: Rc<Cell<Option<Duration>>>,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            start: Rc::new(Cell::new(None)),
            outside: Rc::new(Cell::new(Duration::ZERO)),
            everything: Rc::new(Cell::new(false)),
            limit: Rc::new(Cell::new(None)),
        }
    }

    /// Whether the running script is past its deadline (what ends it at its next step).
    pub fn over(&self) -> bool {
        self.limit.get().is_some_and(|limit| self.used() > limit)
    }

    /// Counts the time of everything from now on, [`Budget::outside`] included: the deadline
    /// becomes wall-clock time.
    pub fn count_everything(&self) {
        self.everything.set(true);
    }

    /// Starts the clock (each script run starts it again).
    pub fn start(&self) {
        self.start.set(Some(Instant::now()));
        self.outside.set(Duration::ZERO);
    }

    /// Stops the clock: no script runs.
    pub fn finish(&self) {
        self.start.set(None);
    }

    /// Runs `f` without counting its time against the script (unless everything counts).
    pub fn outside<T>(&self, f: impl FnOnce() -> T) -> T {
        if self.everything.get() {
            return f();
        }
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

/// The token that ends a script which took more memory than [`bounds::MEMORY_BOUND`].
pub const MEMORY: &str = "memory";

/// The token that ends a script nested deeper than [`bounds::STACK_BOUND`] of stack.
pub const STACK: &str = "stack";

/// What a compile stopped by its deadline or an interrupt fails with (Rhai's parser can only
/// fail with a syntax error): this prefix, [`DEADLINE`] or [`INTERRUPTED`], and the deadline
/// in seconds.
pub const COMPILE_STOPPED: &str = "zmgr stopped compiling: ";

/// Functions zmgr registers in place of Rhai's own (the API reference leaves them out).
pub const OVERRIDES: &[&str] = &["pad"];

thread_local! {
    /// Why the compile running on this thread was stopped, and its deadline in seconds.
    static COMPILE_STOP: Cell<Option<(&'static str, f64)>> = const { Cell::new(None) };
}

/// Why a compile must stop now, if it must.
fn compile_stop(budget: &Budget, timeout: Duration) -> Option<&'static str> {
    if zmgr_core::host::interrupt::requested() {
        return Some(INTERRUPTED);
    }
    let late = bounds::compile_elapsed().is_some_and(|t| t > timeout) || budget.used() > timeout;
    late.then_some(DEADLINE)
}

/// Why a running script must stop now, if it must.
fn run_stop(budget: &Budget, timeout: Duration) -> Option<&'static str> {
    if zmgr_core::host::interrupt::requested() {
        Some(INTERRUPTED)
    } else if budget.used() > timeout {
        Some(DEADLINE)
    } else if bounds::memory_used() > bounds::MEMORY_BOUND {
        Some(MEMORY)
    } else if bounds::stack_used() > bounds::STACK_BOUND {
        Some(STACK)
    } else {
        None
    }
}

/// A hardened engine: limits set explicitly (debug builds have lower defaults), `eval`
/// disabled, strict variables, a deadline (compiling included), bounds on memory and stack,
/// the size limits held for every variable, and `import` confined by [`resolver::Confined`].
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
        // Constant folding takes time cubic in an expression's depth (a chain of 1000 `+`
        // took seconds) and runs after parsing, where no deadline reaches it.
        .set_optimization_level(rhai::OptimizationLevel::None)
        .set_module_resolver(resolver);
    engine.disable_symbol("eval");
    error::register_error_type(&mut engine);
    let bounds = sizes::Bounds::of(limits);
    rhai::FuncRegistration::new("pad").register_into_engine(&mut engine, sizes::pad(bounds));
    let budget = Budget::new();
    let timeout = limits.timeout;
    budget.limit.set(Some(timeout));
    // `on_progress` needs a Send + Sync closure only with the `sync` feature, which zmgr
    // does not use; the budget lives on this thread.
    let watch = budget.clone();
    engine.on_progress(move |_| run_stop(&watch, timeout).map(Dynamic::from));
    // The parser calls no progress callback; it asks for every token, though.
    let watch = budget.clone();
    #[allow(deprecated)] // "volatile", not deprecated
    engine.on_parse_token(move |token, _, _| match compile_stop(&watch, timeout) {
        Some(why) => {
            // Noted as well: where the parser expected a name, it reports a plain syntax
            // error instead of this token's message.
            COMPILE_STOP.set(Some((why, timeout.as_secs_f64())));
            rhai::Token::LexError(Box::new(rhai::LexError::Runtime(format!(
                "{COMPILE_STOPPED}{why} {}",
                timeout.as_secs_f64()
            ))))
        }
        None => token,
    });
    let sizes = sizes::Watch::new(limits);
    #[allow(deprecated)] // "volatile", not deprecated
    engine.on_var(move |name, _, ctx| sizes.on_var(name, &ctx).map(|()| None));
    // Scripts talk through zmgr's logging; `print` and `debug` go to standard error so that
    // they never mix with a verb's output.
    engine.on_print(|s| eprintln!("{s}"));
    engine.on_debug(|s, src, pos| match src {
        Some(src) => eprintln!("{src}:{pos}: {s}"),
        None => eprintln!("{pos}: {s}"),
    });
    (engine, budget, files)
}

/// Runs a script's evaluation `f` within the bounds: its memory counted, its stack measured,
/// and a panic inside Rhai turned into an error instead of taking zmgr down.
pub fn guarded<T>(
    f: impl FnOnce() -> Result<T, Box<rhai::EvalAltResult>>,
) -> Result<T, Box<rhai::EvalAltResult>> {
    let _running = bounds::Running::enter();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            Err(Box::new(rhai::EvalAltResult::ErrorSystem(
                "the script engine failed".to_string(),
                what.into(),
            )))
        }
    }
}

/// A compiled script and the text it came from.
pub struct Script {
    pub file: Arc<SourceFile>,
    pub ast: AST,
}

impl Script {
    /// Reads (through [`zmgr_core::fs::trust`]) and compiles a script file. `scope` names the
    /// variables the script gets (`ARGS`, `ZONE`…), which strict variables must know.
    pub fn load(engine: &Engine, path: &Path, scope: &rhai::Scope) -> Result<Script, Problem> {
        // Opened once, checked on that handle and every folder above it, read from it: no
        // file can be swapped in between; no more than the bound is read.
        let bytes = zmgr_core::fs::trust::read_code(path, bounds::MAX_SCRIPT_BYTES as u64)?;
        if bytes.len() > bounds::MAX_SCRIPT_BYTES {
            return Err(too_large(path));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            Problem::error(format!(
                "cannot read script {}: it is not UTF-8 text",
                path.display()
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
        if text.len() > bounds::MAX_SCRIPT_BYTES {
            return Err(too_large(path));
        }
        let file = SourceFile::new(path, text);
        let compiling = bounds::Compiling::start();
        COMPILE_STOP.set(None);
        let ast = engine.compile_with_scope(scope, file.text());
        let stopped = COMPILE_STOP.take();
        drop(compiling);
        let mut ast = ast.map_err(|e| match stopped {
            Some((why, secs)) => report::compile_stopped(&file, e.position(), why, secs),
            None => report::parse_error(&file, &e),
        })?;
        ast.set_source(path.to_string_lossy().as_ref());
        Ok(Script { file, ast })
    }
}

fn too_large(path: &Path) -> Problem {
    Problem::error(format!(
        "script {} is larger than {} MiB",
        path.display(),
        bounds::mib(bounds::MAX_SCRIPT_BYTES)
    ))
    .with_help("split it into modules (`import`)")
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
