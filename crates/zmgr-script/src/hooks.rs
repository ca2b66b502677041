//! Template hooks: scripts a template names for points in a zone's life, run with the zone in
//! scope (`ZONE`) and helpers that act on it.
//!
//! | point | when | helpers |
//! |---|---|---|
//! | `pre-install` | after the address is reserved, before anything on the system changes (also in `--dry-run`) | `add_attr`, `add_resource`, `add_package` |
//! | `post-install` | after `zoneadm install` | `write_file`, `pkg_install` |
//! | `post-boot` | after the zone booted | `write_file`, `pkg_install`, `zlogin` |
//! | `pre-destroy` | before `destroy` changes anything | `write_file`, `zlogin` (if running) |
//! | `post-destroy` | after the entry is removed | none of the zone helpers |
//!
//! A hook that throws or calls `abort()` fails the create, which then rolls back.
//!
//! A hook's deadline (`timeout-seconds`) is wall-clock time: the zone commands it runs count,
//! and a command still running when the deadline passes is stopped (see `Watched`).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, NativeCallContext, Position};

use super::{Budget, Limits, Script};
use zmgr_core::host::exec::{CommandLine, Commands, ExecError, Output, Runner, Stream};
use zmgr_core::model::template::HookPoint;
use zmgr_core::model::template::{Attr, Resource, ResourceProperty, ResourceValue};

type Rr<T> = Result<T, Box<EvalAltResult>>;

pub use zmgr_core::ops::hooks::{Additions, HookZone};

/// Why a hook's command was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Deadline,
    Memory,
}

/// The run of a hook, as the commands it starts see it.
#[derive(Debug, Default)]
struct Watch {
    /// When the running hook must end; `None` between runs.
    deadline: Option<Instant>,
    /// The heap zmgr held when the outermost script started.
    memory_base: Option<usize>,
    /// Why the last command was stopped, until a helper takes it.
    stopped: Option<Stop>,
}

/// The runner of a hook's commands (its helpers and the `zmgr` calls it makes): a command
/// still running at the hook's deadline, or while zmgr's heap passes the memory bound (a
/// command printing without end), is stopped as an interrupt stops it: the runner asks
/// [`Runner::run_streaming_until`]'s test as often as it looks for an interrupt.
struct Watched {
    inner: Arc<dyn Runner + Send + Sync>,
    watch: Arc<Mutex<Watch>>,
}

impl Watched {
    fn lock(&self) -> std::sync::MutexGuard<'_, Watch> {
        self.watch.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Runner for Watched {
    fn commands(&self) -> &Commands {
        self.inner.commands()
    }

    fn run_streaming(
        &self,
        cmd: &CommandLine,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> Result<Output, ExecError> {
        let (deadline, memory_base) = {
            let w = self.lock();
            (w.deadline, w.memory_base)
        };
        let Some(deadline) = deadline else {
            return self.inner.run_streaming(cmd, on_line);
        };
        // Past the deadline the command still starts, to be stopped at once, unless it is
        // an undo step (a create the hook asked for, rolling back) under a shield.
        let why = std::cell::Cell::new(None);
        let give_up = || {
            let stop = if Instant::now() >= deadline {
                Some(Stop::Deadline)
            } else if memory_base.is_some_and(|base| {
                crate::memory::live().saturating_sub(base) > crate::bounds::MEMORY_BOUND
            }) {
                Some(Stop::Memory)
            } else {
                None
            };
            if stop.is_some() && why.get().is_none() {
                why.set(stop);
            }
            stop.is_some()
        };
        let out = self.inner.run_streaming_until(cmd, on_line, &give_up);
        // Only a command that was stopped for it fails the hook here; one that ended first
        // leaves the deadline to the hook's own next step.
        if let (Some(stop), Err(ExecError::Interrupted { .. })) = (why.get(), &out) {
            self.lock().stopped = Some(stop);
        }
        out
    }
}

/// What ends a hook whose command was stopped, at the helper's call.
fn stopped(watch: &Mutex<Watch>, ctx: &NativeCallContext) -> Option<Box<EvalAltResult>> {
    let stop = watch
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .stopped
        .take()?;
    let token = match stop {
        Stop::Deadline => super::DEADLINE,
        Stop::Memory => super::MEMORY,
    };
    Some(Box::new(EvalAltResult::ErrorTerminated(
        Dynamic::from(token),
        ctx.call_position(),
    )))
}

struct State {
    /// The point whose scripts run now; `None` between runs (and for the reference).
    point: Option<HookPoint>,
    zone: HookZone,
    additions: Additions,
    runner: Option<Arc<dyn Runner + Send + Sync>>,
}

/// Runs the hooks of one template for one zone.
pub struct Hooks {
    engine: Engine,
    budget: Budget,
    watch: Arc<Mutex<Watch>>,
    files: super::resolver::Files,
    limits: Limits,
    state: Rc<RefCell<State>>,
    /// (point, compiled script)
    scripts: Vec<(HookPoint, Script)>,
}

fn err(msg: impl Into<String>) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        msg.into().into(),
        Position::NONE,
    ))
}

/// Registers a documented global function (the API reference is generated from these).
fn def<A: 'static, const N: usize, const X: bool, R: rhai::Variant + Clone, const F: bool, FUNC>(
    engine: &mut Engine,
    name: &str,
    params: &[&str],
    doc: &str,
    f: FUNC,
) where
    FUNC: rhai::RhaiNativeFunc<A, N, X, R, F> + 'static,
{
    rhai::FuncRegistration::new(name)
        .with_params_info(params)
        .with_comments([format!("/// {doc}")])
        .register_into_engine(engine, f);
}

/// `runner` is `None` for a dry run: helpers that would touch the system are refused.
fn build(
    limits: &Limits,
    templates_dir: PathBuf,
    state: Rc<RefCell<State>>,
    core: zmgr_core::ops::session::Session,
    watch: Arc<Mutex<Watch>>,
) -> (Engine, Budget, super::resolver::Files) {
    let (mut engine, budget, files) = super::engine(limits, vec![templates_dir]);
    // A hook's deadline is wall-clock time: the commands it runs count.
    budget.count_everything();
    // Hooks get the core API too; in a dry run (no runner) only what changes nothing.
    let host = Rc::new(super::api::Host {
        core: RefCell::new(core),
        budget: budget.clone(),
        read_only: state.borrow().runner.is_none(),
        stdout: false,
        hook_problem: RefCell::new(None),
    });
    engine.register_static_module("zmgr", super::api::module(host).into());
    let only = |state: &Rc<RefCell<State>>, points: &[HookPoint], what: &str| -> Rr<()> {
        let p = state.borrow().point;
        if p.is_some_and(|p| points.contains(&p)) {
            Ok(())
        } else {
            let names: Vec<&str> = points.iter().map(|p| p.as_str()).collect();
            Err(err(format!(
                "{what} can only be used in {} hooks, not in {}",
                names.join(" or "),
                p.map_or("none", HookPoint::as_str)
            )))
        }
    };

    let s = state.clone();
    def(
        &mut engine,
        "add_attr",
        &["name: &str", "type: &str", "value: &str", "()"],
        "pre-install: adds an `attr` resource to the zone's configuration.",
        move |name: &str, ty: &str, value: &str| -> Rr<()> {
            only(&s, &[HookPoint::PreInstall], "add_attr()")?;
            if !["string", "int", "uint", "boolean"].contains(&ty) {
                return Err(err(format!(
                    "attr type `{ty}` is not string, int, uint or boolean"
                )));
            }
            for v in [name, value] {
                if let Some(why) = zmgr_core::host::zonecfg::quoted_value_error(v) {
                    return Err(err(why));
                }
            }
            s.borrow_mut().additions.attrs.push(Attr {
                name: name.into(),
                ty: ty.into(),
                value: value.into(),
            });
            Ok(())
        },
    );
    let s = state.clone();
    def(
        &mut engine,
        "add_resource",
        &["type: &str", "properties: Map", "()"],
        "pre-install: adds a zonecfg resource; string values are simple properties, arrays list properties, maps `(k=v,…)` values.",
        move |kind: &str, props: Map| -> Rr<()> {
            only(&s, &[HookPoint::PreInstall], "add_resource()")?;
            let mut properties = Vec::new();
            for (k, v) in props {
                let value = if v.is_array() {
                    let items: Vec<String> = v
                        .cast::<Array>()
                        .into_iter()
                        .map(|i| i.to_string())
                        .collect();
                    ResourceValue::List(items)
                } else if v.is_map() {
                    let pairs = v
                        .cast::<Map>()
                        .into_iter()
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                        .collect();
                    ResourceValue::Complex(pairs)
                } else {
                    ResourceValue::Simple(v.to_string())
                };
                properties.push(ResourceProperty {
                    name: k.to_string(),
                    value,
                });
            }
            let resource = Resource {
                kind: kind.into(),
                properties,
            };
            zmgr_core::model::template::check_resource(&resource).map_err(err)?;
            s.borrow_mut().additions.resources.push(resource);
            Ok(())
        },
    );
    let s = state.clone();
    def(
        &mut engine,
        "add_package",
        &["name: &str", "()"],
        "pre-install: adds a package to the install (`zoneadm install -e`).",
        move |name: &str| -> Rr<()> {
            only(&s, &[HookPoint::PreInstall], "add_package()")?;
            if let Some(why) = zmgr_core::model::template::package_error(name) {
                return Err(err(why));
            }
            s.borrow_mut().additions.packages.push(name.into());
            Ok(())
        },
    );
    let s = state.clone();
    def(
        &mut engine,
        "write_file",
        &["path: &str", "content: &str", "()"],
        "post-install, post-boot, pre-destroy: writes a file inside the zone's root (`..` and symbolic links refused).",
        move |path: &str, content: &str| -> Rr<()> {
            only(
                &s,
                &[
                    HookPoint::PostInstall,
                    HookPoint::PostBoot,
                    HookPoint::PreDestroy,
                ],
                "write_file()",
            )?;
            let st = s.borrow();
            if st.runner.is_none() {
                return Ok(());
            }
            zmgr_core::fs::zone_root::write_in_root(&st.zone.zonepath.join("root"), path, content)
                .map_err(err)
        },
    );
    let s = state.clone();
    def(
        &mut engine,
        "read_file",
        &["path: &str", "?"],
        "post-install, post-boot, pre-destroy: the text of a file inside the zone's root, or `()` when it does not exist (`..` and symbolic links refused; at most 1 MiB).",
        move |path: &str| -> Rr<Dynamic> {
            only(
                &s,
                &[
                    HookPoint::PostInstall,
                    HookPoint::PostBoot,
                    HookPoint::PreDestroy,
                ],
                "read_file()",
            )?;
            let st = s.borrow();
            if st.runner.is_none() {
                return Ok(Dynamic::UNIT);
            }
            zmgr_core::fs::zone_root::read_in_root(&st.zone.zonepath.join("root"), path)
                .map(|t| t.map_or(Dynamic::UNIT, Dynamic::from))
                .map_err(err)
        },
    );
    let s = state.clone();
    let w = watch.clone();
    def(
        &mut engine,
        "pkg_install",
        &["packages: Array", "()"],
        "post-install, post-boot: installs packages into the zone image (`pkg -R ROOT install`).",
        move |ctx: NativeCallContext, packages: Array| -> Rr<()> {
            only(
                &s,
                &[HookPoint::PostInstall, HookPoint::PostBoot],
                "pkg_install()",
            )?;
            let st = s.borrow();
            let root = st.zone.zonepath.join("root").to_string_lossy().into_owned();
            let mut names = Vec::new();
            for p in packages {
                let p = p.to_string();
                if let Some(why) = zmgr_core::model::template::package_error(&p) {
                    return Err(err(why));
                }
                names.push(p);
            }
            let packages = names;
            let Some(runner) = &st.runner else {
                return Ok(());
            };
            // The time counts: a hook's deadline is wall-clock.
            let result = zmgr_core::host::pkg::installed(
                runner.run(&zmgr_core::host::pkg::install_in_image(&root, &packages)),
            );
            if let Some(stop) = stopped(&w, &ctx) {
                return Err(stop);
            }
            result.map(|_| ()).map_err(|e| err(e.to_string()))
        },
    );
    let s = state.clone();
    let w = watch.clone();
    def(
        &mut engine,
        "zlogin",
        &["command: Array", "String"],
        "post-boot, pre-destroy: runs a command in the zone (zlogin) and returns its output; each element is one word, quoted for the zone's shell.",
        move |ctx: NativeCallContext, command: Array| -> Rr<String> {
            only(
                &s,
                &[HookPoint::PostBoot, HookPoint::PreDestroy],
                "zlogin()",
            )?;
            let st = s.borrow();
            let words: Vec<String> = command.into_iter().map(|c| c.to_string()).collect();
            if words.is_empty() {
                return Err(err(
                    "zlogin() needs a command: an interactive login is not possible here",
                ));
            }
            let Some(runner) = &st.runner else {
                return Ok(String::new());
            };
            let result = runner.run(&zmgr_core::host::zlogin::run(&st.zone.name, &words));
            if let Some(stop) = stopped(&w, &ctx) {
                return Err(stop);
            }
            result.map(|o| o.stdout).map_err(|e| err(e.to_string()))
        },
    );
    def(
        &mut engine,
        "info",
        &["message: &str", "()"],
        "Prints a message for the person running zmgr.",
        |msg: &str| eprintln!("{msg}"),
    );
    def(
        &mut engine,
        "warn",
        &["message: &str", "()"],
        "Prints a warning.",
        |msg: &str| eprintln!("warning: {msg}"),
    );
    def(
        &mut engine,
        "abort",
        &["message: &str", "()"],
        "Fails the hook; a create it is part of rolls back. try/catch cannot catch it.",
        super::api::abort,
    );
    (engine, budget, files)
}

/// Compiles a hook's script: a file beside the template, or the template's inline code (whose
/// diagnostics name the template and the hook point, with lines counted in the code).
pub fn load_source(
    engine: &Engine,
    template: &zmgr_core::model::template::Template,
    dir: &Path,
    point: &str,
    source: &zmgr_core::model::template::HookSource,
    scope: &rhai::Scope,
) -> Result<Script, zmgr_core::error::Problem> {
    match source {
        zmgr_core::model::template::HookSource::File(f) => {
            Script::load(engine, &dir.join(&f.value), scope)
        }
        zmgr_core::model::template::HookSource::Code(code) => {
            let name = PathBuf::from(format!("{} ({point} code)", template.file.path().display()));
            Script::compile(engine, &name, code.value.clone(), scope)
        }
    }
}

/// The variables a hook sees: `ZONE` (the zone's fields and `root`, its root folder) and
/// `HOOK` (the point it runs at).
pub fn scope(zone: &HookZone, point: &str) -> rhai::Scope<'static> {
    let mut value = super::api::to_dynamic(&serde_json::to_value(zone).expect("serialisable"));
    if let Some(mut m) = value.write_lock::<Map>() {
        let root = zone.zonepath.join("root");
        m.insert(
            "root".into(),
            Dynamic::from(root.to_string_lossy().into_owned()),
        );
    }
    let mut scope = rhai::Scope::new();
    scope.push_constant("ZONE", value);
    scope.push_constant("HOOK", point.to_string());
    scope
}

/// An engine with the hook helpers, for the API reference and `check`.
pub fn reference_engine() -> Engine {
    let state = Rc::new(RefCell::new(State {
        point: None,
        zone: HookZone::new("", "", &PathBuf::new(), "", Vec::new()),
        additions: Additions::default(),
        runner: None,
    }));
    build(
        &Limits::default(),
        PathBuf::new(),
        state,
        offline_core(Path::new("/nonexistent")),
        Arc::default(),
    )
    .0
}

/// A core that runs nothing: for dry runs and the reference.
fn offline_core(root: &Path) -> zmgr_core::ops::session::Session {
    zmgr_core::ops::session::Session::new(
        root,
        Arc::new(zmgr_core::host::exec::Offline::default()),
        Box::new(zmgr_core::ops::progress::Silent),
    )
}

impl Hooks {
    /// The hooks of a template (file paths relative to the template's folder), loaded and
    /// compiled now so that a broken hook fails before anything changes.
    pub fn load(
        template: &zmgr_core::model::template::Template,
        limits: &Limits,
        zone: HookZone,
        runner: Option<Arc<dyn Runner + Send + Sync>>,
        root: &Path,
        journal: Option<zmgr_core::ops::journal::Journal>,
    ) -> zmgr_core::error::Result<Hooks> {
        let dir = template
            .file
            .path()
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        check_template(template.file.path()).map_err(super::failed)?;
        // Every command the hooks run, by their helpers or through the `zmgr` module, is
        // watched for the deadline.
        let watch: Arc<Mutex<Watch>> = Arc::default();
        let runner = runner.map(|inner| {
            Arc::new(Watched {
                inner,
                watch: watch.clone(),
            }) as Arc<dyn Runner + Send + Sync>
        });
        let core = match &runner {
            // zmgr::info() in a hook must reach the person, as the hook's own info() does.
            Some(r) => zmgr_core::ops::session::Session::new(
                root,
                r.clone(),
                Box::new(zmgr_core::ops::progress::Plain { verbose: false }),
            )
            .with_hooks(Arc::new(ScriptHooks))
            .with_journal(journal),
            None => offline_core(root),
        };
        let state = Rc::new(RefCell::new(State {
            point: None,
            zone,
            additions: Additions::default(),
            runner,
        }));
        let (engine, budget, files) =
            build(limits, dir.clone(), state.clone(), core, watch.clone());
        // Every hook is read and compiled now: a broken one fails before anything changes.
        let mut scripts = Vec::new();
        for (p, source) in &template.hooks {
            let scope = scope(&state.borrow().zone, p.value.as_str());
            let script = load_source(&engine, template, &dir, p.value.as_str(), source, &scope)
                .map_err(super::failed)?;
            files.add(
                script.file.path().to_string_lossy().into_owned(),
                script.file.clone(),
            );
            scripts.push((p.value, script));
        }
        Ok(Hooks {
            engine,
            budget,
            watch,
            files,
            limits: limits.clone(),
            state,
            scripts,
        })
    }

    pub fn has(&self, point: HookPoint) -> bool {
        self.scripts.iter().any(|(p, _)| *p == point)
    }

    /// Runs the hook scripts for `point`, in the order the template lists them.
    pub fn run(&self, point: HookPoint) -> zmgr_core::error::Result<()> {
        for (_, script) in self.scripts.iter().filter(|(p, _)| *p == point) {
            self.run_one(point, script)?;
        }
        Ok(())
    }

    fn run_one(&self, point: HookPoint, script: &Script) -> zmgr_core::error::Result<()> {
        self.state.borrow_mut().point = Some(point);
        let mut scope = scope(&self.state.borrow().zone, point.as_str());
        let watch = || self.watch.lock().unwrap_or_else(|e| e.into_inner());
        let result = super::guarded(|| {
            *watch() = Watch {
                deadline: Some(Instant::now() + self.limits.timeout),
                memory_base: super::bounds::memory_base(),
                stopped: None,
            };
            self.budget.start();
            self.engine.run_ast_with_scope(&mut scope, &script.ast)
        });
        self.budget.finish();
        *watch() = Watch::default();
        result.map_err(|e| {
            super::failed(super::report::runtime_error(
                &script.file,
                &self.files,
                &self.limits,
                &e,
            ))
        })
    }

    /// What pre-install hooks added.
    pub fn additions(&self) -> Additions {
        self.state.borrow().additions.clone()
    }
}

impl zmgr_core::ops::hooks::ZoneHooks for Hooks {
    fn has(&self, point: HookPoint) -> bool {
        Hooks::has(self, point)
    }

    fn run(&self, point: HookPoint) -> zmgr_core::error::Result<()> {
        Hooks::run(self, point)
    }

    fn additions(&self) -> Additions {
        Hooks::additions(self)
    }
}

/// The hook engine operations use: template hooks run as Rhai scripts.
pub struct ScriptHooks;

impl zmgr_core::ops::hooks::HookEngine for ScriptHooks {
    fn load(
        &self,
        template: &zmgr_core::model::template::Template,
        scripting: &Limits,
        zone: HookZone,
        runner: Option<Arc<dyn Runner + Send + Sync>>,
        root: &Path,
        journal: Option<zmgr_core::ops::journal::Journal>,
    ) -> zmgr_core::error::Result<Box<dyn zmgr_core::ops::hooks::ZoneHooks>> {
        Ok(Box::new(Hooks::load(
            template, scripting, zone, runner, root, journal,
        )?))
    }
}

/// The template whose hooks run as root: the file and every folder above it trusted, as
/// when the registry read it (checked again: its hook files are found beside it).
pub(crate) fn check_template(path: &Path) -> Result<(), zmgr_core::error::Problem> {
    zmgr_core::fs::trust::check_path(path).map_err(|e| zmgr_core::fs::trust::code_refused(path, e))
}
