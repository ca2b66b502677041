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

use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, Position};

use super::{Budget, Limits, Script};
use crate::exec::{CommandLine, Runner, Tool};
use crate::template::{Attr, Resource, ResourceProperty, ResourceValue};

type Rr<T> = Result<T, Box<EvalAltResult>>;

/// The zone a hook runs for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HookZone {
    pub name: String,
    pub address: String,
    pub prefix: u8,
    pub gateway: Option<String>,
    pub pool: String,
    pub brand: String,
    pub zonepath: PathBuf,
    pub template: String,
    pub vnic: String,
}

/// What pre-install hooks added to the plan.
#[derive(Debug, Clone, Default)]
pub struct Additions {
    pub attrs: Vec<Attr>,
    pub resources: Vec<Resource>,
    pub packages: Vec<String>,
}

struct State {
    point: String,
    zone: HookZone,
    additions: Additions,
    runner: Option<Arc<dyn Runner + Send + Sync>>,
}

/// Runs the hooks of one template for one zone.
pub struct Hooks {
    engine: Engine,
    budget: Budget,
    files: super::resolver::Files,
    limits: Limits,
    state: Rc<RefCell<State>>,
    /// (point, compiled script)
    scripts: Vec<(String, Script)>,
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
    core: crate::core::Core,
) -> (Engine, Budget, super::resolver::Files) {
    let (mut engine, budget, files) = super::engine(limits, vec![templates_dir]);
    // Hooks get the core API too; in a dry run (no runner) only what changes nothing.
    let host = Rc::new(super::api::Host {
        core: RefCell::new(core),
        budget: budget.clone(),
        read_only: state.borrow().runner.is_none(),
        hook_problem: RefCell::new(None),
    });
    engine.register_static_module("zmgr", super::api::module(host).into());
    let only = |state: &Rc<RefCell<State>>, points: &[&str], what: &str| -> Rr<()> {
        let p = state.borrow().point.clone();
        if points.contains(&p.as_str()) {
            Ok(())
        } else {
            Err(err(format!(
                "{what} can only be used in {} hooks, not in {p}",
                points.join(" or ")
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
            only(&s, &["pre-install"], "add_attr()")?;
            if !["string", "int", "uint", "boolean"].contains(&ty) {
                return Err(err(format!(
                    "attr type `{ty}` is not string, int, uint or boolean"
                )));
            }
            for v in [name, value] {
                if let Some(why) = crate::zonecfg::quoted_value_error(v) {
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
            only(&s, &["pre-install"], "add_resource()")?;
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
            crate::template::check_resource(&resource).map_err(err)?;
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
            only(&s, &["pre-install"], "add_package()")?;
            if let Some(why) = crate::template::package_error(name) {
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
                &["post-install", "post-boot", "pre-destroy"],
                "write_file()",
            )?;
            let st = s.borrow();
            if st.runner.is_none() {
                return Ok(());
            }
            write_in_root(&st.zone.zonepath.join("root"), path, content).map_err(err)
        },
    );
    let s = state.clone();
    let b = budget.clone();
    def(
        &mut engine,
        "pkg_install",
        &["packages: Array", "()"],
        "post-install, post-boot: installs packages into the zone image (`pkg -R ROOT install`).",
        move |packages: Array| -> Rr<()> {
            only(&s, &["post-install", "post-boot"], "pkg_install()")?;
            let st = s.borrow();
            let root = st.zone.zonepath.join("root").to_string_lossy().into_owned();
            let mut args = vec!["-R".to_string(), root, "install".to_string()];
            for p in packages {
                let p = p.to_string();
                if let Some(why) = crate::template::package_error(&p) {
                    return Err(err(why));
                }
                args.push(p);
            }
            let Some(runner) = &st.runner else {
                return Ok(());
            };
            b.outside(|| runner.run(&CommandLine::new(Tool::Pkg, args)))
                .map(|_| ())
                .map_err(|e| err(e.to_string()))
        },
    );
    let s = state.clone();
    let b = budget.clone();
    def(
        &mut engine,
        "zlogin",
        &["command: Array", "String"],
        "post-boot, pre-destroy: runs a command in the zone (zlogin) and returns its output.",
        move |command: Array| -> Rr<String> {
            only(&s, &["post-boot", "pre-destroy"], "zlogin()")?;
            let st = s.borrow();
            let mut args = vec![st.zone.name.clone()];
            args.extend(command.into_iter().map(|c| c.to_string()));
            let Some(runner) = &st.runner else {
                return Ok(String::new());
            };
            b.outside(|| runner.run(&CommandLine::new(Tool::Zlogin, args)))
                .map(|o| o.stdout)
                .map_err(|e| err(e.to_string()))
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
    template: &crate::template::Template,
    dir: &Path,
    point: &str,
    source: &crate::template::HookSource,
    scope: &rhai::Scope,
) -> Result<Script, crate::error::Problem> {
    match source {
        crate::template::HookSource::File(f) => Script::load(engine, &dir.join(&f.value), scope),
        crate::template::HookSource::Code(code) => {
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
        point: String::new(),
        zone: HookZone {
            name: String::new(),
            address: String::new(),
            prefix: 0,
            gateway: None,
            pool: String::new(),
            brand: String::new(),
            zonepath: PathBuf::new(),
            template: String::new(),
            vnic: String::new(),
        },
        additions: Additions::default(),
        runner: None,
    }));
    build(
        &Limits::default(),
        PathBuf::new(),
        state,
        offline_core(Path::new("/nonexistent")),
    )
    .0
}

/// A core that runs nothing: for dry runs and the reference.
fn offline_core(root: &Path) -> crate::core::Core {
    crate::core::Core::with_runner(
        root,
        Arc::new(crate::exec::System::new(crate::exec::Commands::default())),
        Box::new(crate::progress::Silent),
    )
}

impl Hooks {
    /// The hooks of a template (file paths relative to the template's folder), loaded and
    /// compiled now so that a broken hook fails before anything changes.
    pub fn load(
        template: &crate::template::Template,
        limits: &Limits,
        zone: HookZone,
        runner: Option<Arc<dyn Runner + Send + Sync>>,
        root: &Path,
    ) -> crate::error::Result<Hooks> {
        let dir = template
            .file
            .path()
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        super::perms::check(template.file.path()).map_err(super::failed)?;
        let core = match &runner {
            // zmgr::info() in a hook must reach the person, as the hook's own info() does.
            Some(r) => crate::core::Core::with_runner(
                root,
                r.clone(),
                Box::new(crate::progress::Plain { verbose: false }),
            ),
            None => offline_core(root),
        };
        let state = Rc::new(RefCell::new(State {
            point: String::new(),
            zone,
            additions: Additions::default(),
            runner,
        }));
        let (engine, budget, files) = build(limits, dir.clone(), state.clone(), core);
        // Every hook is read and compiled now: a broken one fails before anything changes.
        let mut scripts = Vec::new();
        for (p, source) in &template.hooks {
            let scope = scope(&state.borrow().zone, &p.value);
            let script = load_source(&engine, template, &dir, &p.value, source, &scope)
                .map_err(super::failed)?;
            files.add(
                script.file.path().to_string_lossy().into_owned(),
                script.file.clone(),
            );
            scripts.push((p.value.clone(), script));
        }
        Ok(Hooks {
            engine,
            budget,
            files,
            limits: limits.clone(),
            state,
            scripts,
        })
    }

    pub fn has(&self, point: &str) -> bool {
        self.scripts.iter().any(|(p, _)| p == point)
    }

    /// Runs the hook scripts for `point`, in the order the template lists them.
    pub fn run(&self, point: &str) -> crate::error::Result<()> {
        for (_, script) in self.scripts.iter().filter(|(p, _)| p == point) {
            self.run_one(point, script)?;
        }
        Ok(())
    }

    fn run_one(&self, point: &str, script: &Script) -> crate::error::Result<()> {
        self.state.borrow_mut().point = point.to_string();
        let mut scope = scope(&self.state.borrow().zone, point);
        self.budget.start();
        self.engine
            .run_ast_with_scope(&mut scope, &script.ast)
            .map_err(|e| {
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

/// Writes `content` to `path` inside the zone's root, refusing any way out of it: `..`,
/// or a symbolic link on the way (which the zone's own root user could have planted).
fn write_in_root(root: &Path, path: &str, content: &str) -> Result<(), String> {
    use std::ffi::CString;
    use std::io::Write;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;

    let rel = Path::new(path.trim_start_matches('/'));
    if path.trim_start_matches('/').is_empty()
        || rel.components().any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(format!(
            "write_file: `{path}` must be a path inside the zone, without `..`"
        ));
    }
    let cstr = |p: &std::ffi::OsStr| {
        CString::new(p.as_bytes()).map_err(|_| format!("write_file: `{path}` holds a NUL byte"))
    };
    let os_err = || std::io::Error::last_os_error();
    // Folder by folder through open handles, never following a symbolic link: the zone's
    // root user cannot swap a folder for a link between a check and the write.
    let open_dir = |at: Option<&OwnedFd>, name: &CString| -> std::io::Result<OwnedFd> {
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: valid NUL-terminated name; the returned descriptor is owned below.
        let fd = unsafe {
            match at {
                Some(d) => libc::openat(d.as_raw_fd(), name.as_ptr(), flags),
                None => libc::open(name.as_ptr(), flags),
            }
        };
        if fd < 0 {
            Err(std::io::Error::last_os_error())
        } else {
            // SAFETY: fd was just opened and is owned by nobody else.
            Ok(unsafe { OwnedFd::from_raw_fd(fd) })
        }
    };
    let refused = |what: &str, e: std::io::Error| -> String {
        let is_link = std::fs::symlink_metadata(what).is_ok_and(|m| m.file_type().is_symlink());
        match e.raw_os_error() {
            Some(libc::ELOOP) | Some(libc::ENOTDIR) if is_link => {
                format!("write_file: {what} is a symbolic link; refusing to follow it")
            }
            Some(libc::ENOTDIR) => format!("write_file: {what} is not a folder"),
            _ => format!("write_file: cannot open {what}: {e}"),
        }
    };
    let mut dir = open_dir(None, &cstr(root.as_os_str())?)
        .map_err(|e| refused(&root.display().to_string(), e))?;
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str().to_owned()).collect();
    let mut walked = root.to_path_buf();
    for part in &parts[..parts.len() - 1] {
        walked.push(part);
        let name = cstr(part)?;
        dir = match open_dir(Some(&dir), &name) {
            Ok(d) => d,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                // SAFETY: valid descriptor and name.
                if unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), 0o755) } != 0 {
                    return Err(format!(
                        "write_file: cannot create {}: {}",
                        walked.display(),
                        os_err()
                    ));
                }
                open_dir(Some(&dir), &name)
                    .map_err(|e| refused(&walked.display().to_string(), e))?
            }
            Err(e) => return Err(refused(&walked.display().to_string(), e)),
        };
    }
    let file_name = parts.last().expect("at least one component");
    let target = cstr(file_name)?;
    let shown = root.join(rel);
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor, name and stat buffer.
    let exists = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            target.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    } == 0;
    if exists && (st.st_mode & libc::S_IFMT) == libc::S_IFLNK {
        return Err(format!(
            "write_file: {} is a symbolic link; refusing to follow it",
            shown.display()
        ));
    }
    // A new file beside the target, renamed over it: readers see the old or the new content,
    // and a link planted at the target meanwhile is replaced, not followed.
    let tmp = cstr(std::ffi::OsStr::new(&format!(
        ".{}.zmgr.{}",
        file_name.to_string_lossy(),
        std::process::id()
    )))?;
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: valid descriptor and name; the result is owned below.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), tmp.as_ptr(), flags, 0o644 as libc::c_uint) };
    if fd < 0 {
        return Err(format!(
            "write_file: cannot write {}: {}",
            shown.display(),
            os_err()
        ));
    }
    // SAFETY: fd was just opened and is owned by nobody else.
    let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    let written = file
        .write_all(content.as_bytes())
        .and_then(|()| file.sync_all());
    // SAFETY: valid descriptor and names.
    let renamed = written.is_ok()
        && unsafe {
            libc::renameat(
                dir.as_raw_fd(),
                tmp.as_ptr(),
                dir.as_raw_fd(),
                target.as_ptr(),
            )
        } == 0;
    if !renamed {
        let e = written.err().unwrap_or_else(os_err);
        // SAFETY: valid descriptor and name.
        unsafe { libc::unlinkat(dir.as_raw_fd(), tmp.as_ptr(), 0) };
        return Err(format!("write_file: cannot write {}: {e}", shown.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_in_root_stays_inside() {
        let root = std::env::temp_dir().join(format!("zmgr-hooks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        write_in_root(&root, "/etc/resolv.conf", "nameserver 192.0.2.53\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("etc/resolv.conf")).unwrap(),
            "nameserver 192.0.2.53\n"
        );
        assert!(write_in_root(&root, "../x", "").is_err());
        assert!(write_in_root(&root, "/etc/../../x", "").is_err());
        std::os::unix::fs::symlink("/tmp", root.join("out")).unwrap();
        assert!(
            write_in_root(&root, "/out/x", "")
                .unwrap_err()
                .contains("symbolic link")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
