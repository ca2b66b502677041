//! The `zmgr` module: the core API for site scripts, through the same functions the built-in
//! verbs use. Errors from the core become Rhai errors a script can catch, with the core's
//! message.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnNamespace, FuncRegistration, Map, Module, Position,
};

use super::Budget;
use crate::core::Core;
use crate::create::CreateOptions;
use crate::error::Error;
use crate::registry::Registry;

/// Prefix of the termination token `abort()` raises.
pub const ABORT: &str = "abort: ";

type Rr<T> = Result<T, Box<EvalAltResult>>;

/// What the API functions act on.
pub struct Host {
    pub core: RefCell<Core>,
    pub budget: Budget,
}

impl Host {
    fn registry(&self) -> Rr<Registry> {
        self.core.borrow().registry().map_err(core_error)
    }
}

/// A core error as a catchable Rhai error carrying the core's message (and its help).
pub fn core_error(e: Error) -> Box<EvalAltResult> {
    use miette::Diagnostic;
    let mut msg = e.to_string();
    if let Some(h) = e.help() {
        msg += &format!(" ({h})");
    }
    Box::new(EvalAltResult::ErrorRuntime(msg.into(), Position::NONE))
}

/// JSON (what the read-only verbs show) as Rhai values.
pub fn to_dynamic(v: &serde_json::Value) -> Dynamic {
    use serde_json::Value;
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.to_string().into(),
        },
        Value::String(s) => s.clone().into(),
        Value::Array(a) => a.iter().map(to_dynamic).collect::<Array>().into(),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (k.as_str().into(), to_dynamic(v)))
            .collect::<Map>()
            .into(),
    }
}

/// A listing's objects as a Rhai array of maps.
fn array(listing: &crate::view::Listing) -> Array {
    listing.json.iter().map(to_dynamic).collect()
}

/// A zone as scripts see it: the entry's fields, plus `address`, `prefix`, `pool` and `vnic`
/// of its first net for convenience.
fn zone_map(z: &crate::zone::ZoneEntry) -> Dynamic {
    let mut v = crate::view::zone_json(z);
    if let Some(n) = z.nets.first() {
        v["address"] = n.address.map(|a| a.ip.to_string()).into();
        v["prefix"] = n.address.and_then(|a| a.prefix).into();
        v["pool"] = n.pool.clone().into();
        v["vnic"] = n.physical.clone().into();
    }
    to_dynamic(&v)
}

fn reg<A: 'static, const N: usize, const X: bool, R: rhai::Variant + Clone, const F: bool, FUNC>(
    module: &mut Module,
    name: &str,
    params: &[&str],
    doc: &str,
    f: FUNC,
) where
    FUNC: rhai::RhaiNativeFunc<A, N, X, R, F> + 'static,
{
    FuncRegistration::new(name)
        .with_namespace(FnNamespace::Internal)
        .with_params_info(params)
        .with_comments([format!("/// {doc}")])
        .set_into_module(module, f);
}

/// Builds the `zmgr` module over `host`.
pub fn module(host: Rc<Host>) -> Module {
    let mut m = Module::new();
    m.set_doc("zmgr's core API: the registry, address pools and zone commands.");

    let h = host.clone();
    reg(
        &mut m,
        "zones",
        &["Array"],
        "Every zone entry of the registry, as maps.",
        move || -> Rr<Array> { Ok(h.registry()?.zones.values().map(zone_map).collect()) },
    );
    let h = host.clone();
    reg(
        &mut m,
        "zone",
        &["name: &str", "Map"],
        "One zone entry; an error if it is not in the registry.",
        move |name: &str| -> Rr<Dynamic> {
            let reg = h.registry()?;
            reg.zones.get(name).map(zone_map).ok_or_else(|| {
                core_error(Error::NotFound {
                    kind: "zone",
                    name: name.into(),
                    help: None,
                })
            })
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "templates",
        &["Array"],
        "Every template, as maps.",
        move || -> Rr<Array> {
            let reg = h.registry()?;
            Ok(array(&crate::view::templates(reg.templates.values())))
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "pools",
        &["Array"],
        "Every pool with its size, used, free and next free address.",
        move || -> Rr<Array> {
            let reg = h.registry()?;
            Ok(array(&crate::view::pools(&reg, reg.pools.values())))
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "publishers",
        &["Array"],
        "Every IPS publisher, as maps.",
        move || -> Rr<Array> {
            let reg = h.registry()?;
            Ok(array(&crate::view::publishers(reg.publishers.values())))
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "pool_usage",
        &["pool: &str", "Map"],
        "Size, used, free and next free address of one pool.",
        move |pool: &str| -> Rr<Dynamic> {
            let reg = h.registry()?;
            let p = reg.pools.get(pool).ok_or_else(|| {
                core_error(Error::NotFound {
                    kind: "pool",
                    name: pool.into(),
                    help: None,
                })
            })?;
            Ok(to_dynamic(
                &crate::view::pool_row(p, &reg.held_addresses()).1,
            ))
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "allocate",
        &["pool: &str", "String"],
        "Reserves the lowest free address of a pool (a `reserve` line in the pool's file) and returns it.",
        move |pool: &str| -> Rr<String> {
            let core = h.core.borrow();
            crate::pool::reserve_next(&core, pool)
                .map(|ip| ip.to_string())
                .map_err(core_error)
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "release",
        &["pool: &str", "address: &str", "()"],
        "Gives back an address reserved with allocate().",
        move |pool: &str, address: &str| -> Rr<()> {
            let core = h.core.borrow();
            let ip = address.parse().map_err(|_| {
                core_error(Error::usage(format!("`{address}` is not an IP address")))
            })?;
            crate::pool::release(&core, pool, ip).map_err(core_error)
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "create",
        &["name: &str", "Map"],
        "Creates a zone from the default template, as `zmgr create NAME`.",
        move |name: &str| -> Rr<Dynamic> { create(&h, name, Map::new()) },
    );
    let h = host.clone();
    reg(
        &mut m,
        "create",
        &["name: &str", "options: Map", "Map"],
        "Creates a zone; options: template, pool, ip, vnic, no_boot (bool).",
        move |name: &str, options: Map| -> Rr<Dynamic> { create(&h, name, options) },
    );
    let h = host.clone();
    reg(
        &mut m,
        "destroy",
        &["name: &str", "()"],
        "Destroys a zone, as `zmgr destroy NAME`.",
        move |name: &str| -> Rr<()> {
            let reg = h.registry()?;
            let mut core = h.core.borrow_mut();
            h.budget
                .outside(|| crate::lifecycle::destroy(&mut core, &reg, name, false))
                .map(|_| ())
                .map_err(core_error)
        },
    );
    for (verb, action, doc) in [
        (
            "boot",
            crate::lifecycle::Action::Boot,
            "Boots a zone; returns its new state.",
        ),
        (
            "halt",
            crate::lifecycle::Action::Halt,
            "Halts a zone; returns its new state.",
        ),
        (
            "reboot",
            crate::lifecycle::Action::Reboot,
            "Reboots a zone; returns its new state.",
        ),
    ] {
        let h = host.clone();
        reg(
            &mut m,
            verb,
            &["name: &str", "String"],
            doc,
            move |name: &str| -> Rr<String> {
                let reg = h.registry()?;
                let mut core = h.core.borrow_mut();
                h.budget
                    .outside(|| crate::lifecycle::change(&mut core, &reg, name, action))
                    .map(|s| s.to_string())
                    .map_err(core_error)
            },
        );
    }
    let h = host.clone();
    reg(
        &mut m,
        "import",
        &["names: Array", "Array"],
        "Imports system zones (all when the array is empty); returns each zone's outcome.",
        move |names: Array| -> Rr<Array> {
            let reg = h.registry()?;
            let names: Vec<String> = names.into_iter().map(|n| n.to_string()).collect();
            let mut core = h.core.borrow_mut();
            let results = h
                .budget
                .outside(|| crate::import::import(&mut core, &reg, &names, false))
                .map_err(core_error)?;
            let json = serde_json::to_value(&results).expect("serialisable");
            Ok(json
                .as_array()
                .map(|a| a.iter().map(to_dynamic).collect())
                .unwrap_or_default())
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "info",
        &["message: &str", "()"],
        "Prints a message for the person running the script.",
        move |msg: &str| {
            h.core.borrow_mut().note(msg);
        },
    );
    reg(
        &mut m,
        "warn",
        &["message: &str", "()"],
        "Prints a warning.",
        move |msg: &str| {
            eprintln!("warning: {msg}");
        },
    );
    reg(
        &mut m,
        "abort",
        &["message: &str", "()"],
        "Ends the script (or hook) with an error; a create it is part of rolls back. try/catch cannot catch it.",
        abort,
    );
    m
}

/// `abort(message)`: a termination (which try/catch cannot catch) at the call's position.
pub fn abort(ctx: rhai::NativeCallContext, msg: &str) -> Rr<()> {
    Err(Box::new(EvalAltResult::ErrorTerminated(
        format!("{ABORT}{msg}").into(),
        ctx.call_position(),
    )))
}

fn create(host: &Host, name: &str, options: Map) -> Rr<Dynamic> {
    let text = |k: &str| -> Rr<Option<String>> {
        match options.get(k) {
            None => Ok(None),
            Some(v) if v.is_unit() => Ok(None),
            Some(v) => v.clone().into_string().map(Some).map_err(|t| {
                core_error(Error::usage(format!(
                    "option `{k}` must be a string, not {t}"
                )))
            }),
        }
    };
    for k in options.keys() {
        if !["template", "pool", "ip", "vnic", "no_boot"].contains(&k.as_str()) {
            return Err(core_error(Error::usage(format!(
                "unknown create option `{k}`; options are template, pool, ip, vnic, no_boot"
            ))));
        }
    }
    let ip = match text("ip")? {
        Some(s) => Some(
            s.parse()
                .map_err(|_| core_error(Error::usage(format!("`{s}` is not an IP address"))))?,
        ),
        None => None,
    };
    let opts = CreateOptions {
        name: name.to_string(),
        template: text("template")?,
        pool: text("pool")?,
        ip,
        vnic: text("vnic")?,
        no_boot: options
            .get("no_boot")
            .and_then(|v| v.as_bool().ok())
            .unwrap_or(false),
        keep_on_failure: false,
    };
    let reg = host.registry()?;
    let mut core = host.core.borrow_mut();
    let created = host
        .budget
        .outside(|| crate::create::create(&mut core, reg, &opts))
        .map_err(core_error)?;
    Ok(to_dynamic(
        &serde_json::to_value(&created).expect("serialisable"),
    ))
}

/// Everything a site script needs: the engine with the `zmgr` module, ready to run.
pub struct Runtime {
    pub engine: Engine,
    pub budget: Budget,
    pub files: super::resolver::Files,
    pub limits: super::Limits,
}

impl Runtime {
    /// An engine for site scripts over `core`; imports resolve in the script's folder and `scripts_dir`.
    pub fn new(core: Core, limits: super::Limits, scripts_dir: PathBuf) -> Runtime {
        let (mut engine, budget, files) = super::engine(&limits, vec![scripts_dir]);
        let host = Rc::new(Host {
            core: RefCell::new(core),
            budget: budget.clone(),
        });
        engine.register_static_module("zmgr", module(host).into());
        Runtime {
            engine,
            budget,
            files,
            limits,
        }
    }

    /// An engine with the API registered but nothing to act on, for `check` and the reference.
    pub fn offline(limits: super::Limits) -> Engine {
        let (mut engine, _, _) = super::engine(&limits, Vec::new());
        let core = Core::with_runner(
            std::path::Path::new("/nonexistent"),
            std::sync::Arc::new(crate::exec::System::new(crate::exec::Commands::default())),
            Box::new(crate::progress::Silent),
        );
        let host = Rc::new(Host {
            core: RefCell::new(core),
            budget: Budget::new(),
        });
        engine.register_static_module("zmgr", module(host).into());
        engine
    }

    /// Runs a script file with its arguments in `ARGS`.
    pub fn run(&self, path: &std::path::Path, args: &[String]) -> crate::error::Result<()> {
        let mut scope = rhai::Scope::new();
        let args: Array = args.iter().map(|a| Dynamic::from(a.clone())).collect();
        scope.push_constant("ARGS", args);
        let script = super::Script::load(&self.engine, path, &scope).map_err(super::failed)?;
        self.files
            .borrow_mut()
            .insert(path.to_string_lossy().into_owned(), script.file.clone());
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
}
