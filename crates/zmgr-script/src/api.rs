//! The `zmgr` module: the core API for site scripts, through the same functions the built-in
//! verbs use. Errors from the core become Rhai errors a script can catch, with the core's
//! message.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnNamespace, FuncRegistration, Map, Module,
    NativeCallContext, Position,
};

use super::Budget;
use zmgr_core::error::Error;

pub use crate::error::{ABORT, ScriptError, register_error_type};
use zmgr_core::ops::create::CreateOptions;
use zmgr_core::ops::session::Session;
use zmgr_core::store::needs::Needs;
use zmgr_core::store::registry::Registry;

type Rr<T> = Result<T, Box<EvalAltResult>>;

mod snapshots;

/// What the API functions act on.
pub struct Host {
    pub core: RefCell<Session>,
    pub budget: Budget,
    /// For `create --dry-run`'s hooks: nothing may change.
    pub read_only: bool,
    /// A site script's: `zmgr::out` writes to standard output. A hook's output would mix
    /// with its verb's (`create --json`).
    pub stdout: bool,
    /// The problem of a hook that failed a create this script asked for, kept whole (with
    /// its source) for the script's own diagnostic.
    pub hook_problem: RefCell<Option<zmgr_core::error::Problem>>,
}

impl Host {
    fn writable(&self) -> Rr<()> {
        if self.read_only {
            return Err(core_error(Error::usage(
                "this zmgr function changes things and cannot run in --dry-run",
            )));
        }
        Ok(())
    }

    fn registry(&self) -> Rr<Registry> {
        self.core.borrow().registry().map_err(core_error)
    }

    /// The registry for a function that depends on the files `needs` names, as its verb
    /// reads it (without the zone entries when `zones` is false, for calls that read the
    /// ledger under the lock): a broken file elsewhere is a warning, and left out.
    fn registry_for(&self, zones: bool, needs: impl FnMut(&Registry) -> Needs) -> Rr<Registry> {
        let root = self.core.borrow().root().to_path_buf();
        let (registry, warnings) = Registry::load_for(&root, zones, needs).map_err(core_error)?;
        let mut core = self.core.borrow_mut();
        for w in warnings.iter() {
            core.note(&format!("warning: {w}"));
        }
        Ok(registry)
    }

    /// The registry for a function that only reads it, as `list` and `show` read it.
    fn registry_to_show(&self) -> Rr<Registry> {
        self.registry_for(true, |_| Needs::nothing())
    }
}

/// The boolean option `k` of an options map: false when absent, a usage error when not a
/// bool.
fn bool_option(options: &Map, k: &str) -> Rr<bool> {
    match options.get(k) {
        None => Ok(false),
        Some(v) => v.as_bool().map_err(|t| {
            core_error(Error::usage(format!(
                "option `{k}` must be true or false, not {t}"
            )))
        }),
    }
}

/// A core error as a catchable Rhai error carrying the core's message (and its help).
pub fn core_error(e: Error) -> Box<EvalAltResult> {
    core_error_ref(&e)
}

fn core_error_ref(e: &Error) -> Box<EvalAltResult> {
    use miette::Diagnostic;
    let mut msg = e.to_string();
    // A hook's failure inside a create: say where in the hook.
    let script = match e {
        Error::Script(p) => Some(p),
        Error::Create { cause, .. } => match &**cause {
            Error::Script(p) => Some(p),
            _ => None,
        },
        _ => None,
    };
    if let Some(at) = script.and_then(|p| p.position()) {
        msg += &format!(" (at {at})");
    }
    let help = e.help().map(|h| h.to_string());
    if let Some(h) = &help {
        msg += &format!(" ({h})");
    }
    let thrown = ScriptError {
        kind: e.kind(),
        text: msg,
        message: e.to_string(),
        help: help.unwrap_or_default(),
    };
    Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(thrown),
        Position::NONE,
    ))
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

/// A value's JSON (what a verb's `--json` prints) as a Rhai value.
fn json_dynamic(v: &impl serde::Serialize) -> Dynamic {
    to_dynamic(&serde_json::to_value(v).expect("serialisable"))
}

/// Gives an error from the core the position of the call that caused it, so the diagnostic
/// can show the script's line.
fn at<T>(ctx: &NativeCallContext, result: Rr<T>) -> Rr<T> {
    result.map_err(|mut e| {
        if e.position().is_none() {
            e.set_position(ctx.call_position());
        }
        e
    })
}

/// A listing's objects as a Rhai array of maps.
fn array(listing: &zmgr_core::ops::view::Listing) -> Array {
    listing.json.iter().map(to_dynamic).collect()
}

/// A zone as scripts see it: the entry's fields, plus `address`, `prefix`, `pool` and `vnic`
/// of its first net for convenience.
fn zone_map(z: &zmgr_core::model::zone::ZoneEntry) -> Dynamic {
    let mut v = zmgr_core::ops::view::zone_json(z);
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

/// The filters of `zmgr::zones(filters)`, checked as `zmgr list` checks its options.
fn zone_filter(filters: Map) -> Rr<zmgr_core::ops::view::ZoneFilter> {
    let mut states = Vec::new();
    let (mut template, mut pool, mut brand, mut name) = (None, None, None, None);
    for (k, v) in filters {
        let text = |v: &Dynamic| -> Rr<String> {
            v.clone().into_string().map_err(|_| {
                core_error(Error::usage(format!(
                    "the filter `{k}` takes a string, not {}",
                    v.type_name()
                )))
            })
        };
        match k.as_str() {
            "state" if v.is_array() => {
                for s in v.clone().into_array().unwrap_or_default() {
                    states.push(text(&s)?);
                }
            }
            "state" => states.push(text(&v)?),
            "template" => template = Some(text(&v)?),
            "pool" => pool = Some(text(&v)?),
            "brand" => brand = Some(text(&v)?),
            "name" => name = Some(text(&v)?),
            other => {
                return Err(core_error(
                    Error::usage(format!("unknown zone filter `{other}`"))
                        .with_help("the filters are state, template, pool, brand and name"),
                ));
            }
        }
    }
    zmgr_core::ops::view::ZoneFilter::parse(&states, template, pool, brand, name)
        .map_err(core_error)
}

/// The seconds of an options map's `timeout`, as the verbs' `--timeout`.
fn timeout_option(options: &Map) -> Rr<std::time::Duration> {
    match options.get("timeout") {
        None => Ok(zmgr_core::ops::shutdown::DEFAULT_TIMEOUT),
        Some(v) => timeout_value(v),
    }
}

/// A `timeout` option's value: a whole number of seconds (the core refuses 0 and more than
/// a day, as for `--timeout`).
fn timeout_value(v: &Dynamic) -> Rr<std::time::Duration> {
    match v.as_int() {
        Ok(n) if n >= 0 => Ok(std::time::Duration::from_secs(n as u64)),
        _ => Err(core_error(Error::usage(format!(
            "`timeout` takes a whole number of seconds, not {v}"
        )))),
    }
}

fn shutdown(h: &Host, name: &str, options: Map, reboot: bool) -> Rr<Dynamic> {
    h.writable()?;
    for k in options.keys() {
        if k.as_str() != "timeout" {
            return Err(core_error(
                Error::usage(format!("unknown shutdown option `{k}`"))
                    .with_help("the option is timeout"),
            ));
        }
    }
    let opts = zmgr_core::ops::shutdown::Options {
        timeout: timeout_option(&options)?,
        reboot,
    };
    let reg = h.registry_for(true, zmgr_core::ops::lifecycle::needs(name))?;
    let mut core = h.core.borrow_mut();
    let report = h
        .budget
        .outside(|| zmgr_core::ops::shutdown::shutdown(&mut core, &reg, name, &opts, false))
        .map_err(core_error)?;
    Ok(json_dynamic(&report))
}

fn reboot(h: &Host, name: &str, options: Map) -> Rr<Dynamic> {
    h.writable()?;
    let mut opts = zmgr_core::ops::shutdown::RebootOptions::default();
    for (k, v) in &options {
        match k.as_str() {
            "force" => {
                opts.force = v.as_bool().map_err(|_| {
                    core_error(Error::usage(format!(
                        "`force` takes true or false, not {v}"
                    )))
                })?
            }
            "timeout" => opts.timeout = Some(timeout_value(v)?),
            other => {
                return Err(core_error(
                    Error::usage(format!("unknown reboot option `{other}`"))
                        .with_help("the options are force and timeout"),
                ));
            }
        }
    }
    // `reboot --force`'s and the graceful reboot's choice is the core's, as for the verb.
    let reg = h.registry_for(true, zmgr_core::ops::lifecycle::needs(name))?;
    let mut core = h.core.borrow_mut();
    let report = h
        .budget
        .outside(|| zmgr_core::ops::shutdown::reboot(&mut core, &reg, name, &opts, false))
        .map_err(core_error)?;
    Ok(json_dynamic(&report))
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
        move |ctx: NativeCallContext| -> Rr<Array> {
            at(
                &ctx,
                (|| -> Rr<Array> {
                    Ok(h.registry_to_show()?.zones.values().map(zone_map).collect())
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "zones",
        &["filters: Map", "Array"],
        "The zone entries that pass every filter, as `zmgr list` filters them: state (a state, or an array of them), template, pool, brand, name (a glob such as \"web*\").",
        move |ctx: NativeCallContext, filters: Map| -> Rr<Array> {
            at(
                &ctx,
                (|| -> Rr<Array> {
                    let filter = zone_filter(filters)?;
                    let reg = h.registry_to_show()?;
                    Ok(
                        zmgr_core::ops::view::filter_zones(reg.zones.values(), &filter)
                            .into_iter()
                            .map(zone_map)
                            .collect(),
                    )
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "shutdown",
        &["name: &str", "Map"],
        "Shuts a zone down gracefully, halting it if it is not down after 60 s, as `zmgr shutdown NAME`; returns what `shutdown --json` prints for it (state, how, reason, commands).",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> {
            at(&ctx, shutdown(&h, name, Map::new(), false))
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "shutdown",
        &["name: &str", "options: Map", "Map"],
        "As `zmgr::shutdown(name)`; options: timeout (seconds the graceful shutdown may take).",
        move |ctx: NativeCallContext, name: &str, options: Map| -> Rr<Dynamic> {
            at(&ctx, shutdown(&h, name, options, false))
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "reboot",
        &["name: &str", "Map"],
        "Reboots a zone gracefully (zoneadm shutdown -r, then zoneadm reboot after 60 s), as `zmgr reboot NAME`; returns what `reboot --json` prints for it (state, how, reason, commands, timeout).",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> {
            at(&ctx, reboot(&h, name, Map::new()))
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "reboot",
        &["name: &str", "options: Map", "Map"],
        "As `zmgr::reboot(name)`; options: force (bool: zoneadm reboot at once, as `--force`; how is then \"forced\"), timeout (seconds, 1 to 86400; not with force).",
        move |ctx: NativeCallContext, name: &str, options: Map| -> Rr<Dynamic> {
            at(&ctx, reboot(&h, name, options))
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "login",
        &["name: &str", "command: Array", "Map"],
        "Runs one command in a running zone through zlogin, as `zmgr login NAME -- CMD…` does (each word, a string, arrives as given); returns #{zone, status, stdout, stderr}, a failing command being a status. Its time counts against the script's deadline, which stops the command. Scripts cannot log in interactively or open the console (`zmgr console` is for a terminal).",
        move |ctx: NativeCallContext, name: &str, command: Array| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    h.writable()?;
                    let words = command
                        .into_iter()
                        .map(|w| {
                            let shown = format!("{w:?} ({})", w.type_name());
                            w.into_string().map_err(|_| {
                                core_error(Error::usage(format!(
                                    "zmgr::login takes the command's words as strings, not {shown}"
                                ))
                                .with_help("quote each word: [\"echo\", \"1\"]"))
                            })
                        })
                        .collect::<Rr<Vec<String>>>()?;
                    let reg = h.registry_for(true, zmgr_core::ops::login::needs(name))?;
                    let core = h.core.borrow();
                    // Not outside the budget: the command runs on the script's time, and
                    // is stopped at its deadline as a hook's zlogin is.
                    let give_up = || h.budget.over();
                    let ran = zmgr_core::ops::login::run(&core, &reg, name, &words, &give_up);
                    if h.budget.over() {
                        return Err(Box::new(EvalAltResult::ErrorTerminated(
                            Dynamic::from(super::DEADLINE),
                            ctx.call_position(),
                        )));
                    }
                    Ok(json_dynamic(&ran.map_err(core_error)?))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "zone",
        &["name: &str", "Map"],
        "One zone entry; an error if it is not in the registry.",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    let reg = h.registry_to_show()?;
                    reg.zone(name).map(zone_map).map_err(core_error)
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "templates",
        &["Array"],
        "Every template, as maps.",
        move |ctx: NativeCallContext| -> Rr<Array> {
            at(
                &ctx,
                (|| -> Rr<Array> {
                    let reg = h.registry_to_show()?;
                    Ok(array(&zmgr_core::ops::view::templates(
                        reg.templates.values(),
                    )))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "pools",
        &["Array"],
        "Every pool with its size, used, free and next free address.",
        move |ctx: NativeCallContext| -> Rr<Array> {
            at(
                &ctx,
                (|| -> Rr<Array> {
                    let reg = h.registry_to_show()?;
                    Ok(array(
                        &zmgr_core::ops::view::pools(&reg, reg.pools.values())
                            .map_err(core_error)?,
                    ))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "publishers",
        &["Array"],
        "Every IPS publisher, as maps.",
        move |ctx: NativeCallContext| -> Rr<Array> {
            at(
                &ctx,
                (|| -> Rr<Array> {
                    let reg = h.registry_to_show()?;
                    Ok(array(&zmgr_core::ops::view::publishers(
                        reg.publishers.values(),
                    )))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "pool_usage",
        &["pool: &str", "Map"],
        "Size, used, free and next free address of one pool.",
        move |ctx: NativeCallContext, pool: &str| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    let reg = h.registry_to_show()?;
                    let p = reg.pool(pool).map_err(core_error)?;
                    let local = reg.held_addresses();
                    let held =
                        zmgr_core::ops::view::pool_held(&reg, p, &local).map_err(core_error)?;
                    Ok(to_dynamic(&zmgr_core::ops::view::pool_row(p, &held).1))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "allocate",
        &["pool: &str", "String"],
        "Reserves the lowest free address of a pool (a `reserve` line in the pool's file; in a shared pool, a key in etcd with no zone) and returns it.",
        move |ctx: NativeCallContext, pool: &str| -> Rr<String> {
            at(
                &ctx,
                (|| -> Rr<String> {
                    h.writable()?;
                    let core = h.core.borrow();
                    zmgr_core::ops::pools::reserve_next(&core, pool)
                        .map(|ip| ip.to_string())
                        .map_err(core_error)
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "release",
        &["pool: &str", "address: &str", "()"],
        "Gives back an address reserved with allocate().",
        move |ctx: NativeCallContext, pool: &str, address: &str| -> Rr<()> {
            at(
                &ctx,
                (|| -> Rr<()> {
                    h.writable()?;
                    let core = h.core.borrow();
                    let ip = address.parse().map_err(|_| {
                        core_error(Error::usage(format!("`{address}` is not an IP address")))
                    })?;
                    zmgr_core::ops::pools::release(&core, pool, ip).map_err(core_error)
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "create",
        &["name: &str", "Map"],
        "Creates a zone from the default template, as `zmgr create NAME`.",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    h.writable()?;
                    create(&h, name, Map::new())
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "create",
        &["name: &str", "options: Map", "Map"],
        "Creates a zone; options: template, pool, ip, nets (array of \"POOL\" or \"POOL=ADDRESS\", as `--net`), force_range (bool), vnic, no_boot (bool), clone (an installed, halted zone to clone instead of installing, as `--clone`).",
        move |ctx: NativeCallContext, name: &str, options: Map| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    h.writable()?;
                    create(&h, name, options)
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "destroy",
        &["name: &str", "Map"],
        "Destroys a zone, as `zmgr destroy NAME`; returns what `destroy --json` prints.",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    h.writable()?;
                    let reg =
                        h.registry_for(true, zmgr_core::ops::lifecycle::destroy_needs(name))?;
                    let mut core = h.core.borrow_mut();
                    let report = h
                        .budget
                        .outside(|| {
                            zmgr_core::ops::lifecycle::destroy(&mut core, &reg, name, false)
                        })
                        .map_err(core_error)?;
                    Ok(json_dynamic(&report))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "template",
        &["name: &str", "Map"],
        "One template, as `zmgr template show NAME --json` prints it.",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    let reg = h.registry_to_show()?;
                    let t = reg.template(name).map_err(core_error)?;
                    Ok(to_dynamic(&zmgr_core::ops::view::templates([t]).json[0]))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "pool",
        &["name: &str", "Map"],
        "One pool with the zones holding its addresses, as `zmgr pool show NAME --json` prints it.",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    let reg = h.registry_to_show()?;
                    let p = reg.pool(name).map_err(core_error)?;
                    let (listing, _) =
                        zmgr_core::ops::view::pool_show(&reg, p).map_err(core_error)?;
                    Ok(to_dynamic(&listing.json[0]))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "check",
        &["Map"],
        "Checks every registry file, reference, site script and hook, as `zmgr check --json`: `valid`, `errors`, `warnings`, `problems` (each with `severity`, `message`, `at`).",
        move |ctx: NativeCallContext| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    let root = h.core.borrow().root().to_path_buf();
                    let (reg, problems) = crate::check(&root).map_err(core_error)?;
                    Ok(to_dynamic(&zmgr_core::ops::view::check_report(
                        &reg, &problems,
                    )))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "reconcile",
        &["fix: bool", "Array"],
        "Compares the registry with the system, as `zmgr reconcile [--fix] --json`; with `fix`, repairs what is safe. Returns the differences.",
        move |ctx: NativeCallContext, fix: bool| -> Rr<Array> {
            at(
                &ctx,
                (|| -> Rr<Array> {
                    if fix {
                        h.writable()?;
                    }
                    let reg = h.registry()?;
                    let mut core = h.core.borrow_mut();
                    let report = h
                        .budget
                        .outside(|| zmgr_core::ops::reconcile::reconcile(&mut core, &reg, fix))
                        .map_err(core_error)?;
                    Ok(json_dynamic(&report).into_array().unwrap_or_default())
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "host_check",
        &["Map"],
        "Checks the host's prerequisites, read-only, as `zmgr host check --json`: `prerequisites`, each with `subject`, `status` (ok, missing, wrong), `detail` and `fix`.",
        move |ctx: NativeCallContext| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    let reg = h.registry_for(false, zmgr_core::ops::host::needs(None))?;
                    let core = h.core.borrow();
                    let report = h
                        .budget
                        .outside(|| zmgr_core::ops::host::check(&core, &reg, None))
                        .map_err(core_error)?;
                    Ok(json_dynamic(&report))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "host_setup",
        &["dry_run: bool", "Map"],
        "Makes what `host_check()` finds missing, as `zmgr host setup [--dry-run] --json`: `changes` (each command), `wrong` (what needs a person).",
        move |ctx: NativeCallContext, dry_run: bool| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    if !dry_run {
                        h.writable()?;
                    }
                    let reg = h.registry_for(false, zmgr_core::ops::host::needs(None))?;
                    let mut core = h.core.borrow_mut();
                    let report = h
                        .budget
                        .outside(|| zmgr_core::ops::host::setup(&mut core, &reg, None, dry_run))
                        .map_err(core_error)?;
                    Ok(json_dynamic(&report))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "publisher_add",
        &["name: &str", "origins: Array", "Map"],
        "Adds a publisher, or the origins it lacks, as `zmgr publisher add`; returns `outcome` (`created`, `extended` or `unchanged`) and, when extended, the `added` origins.",
        move |ctx: NativeCallContext, name: &str, origins: Array| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    h.writable()?;
                    let reg = h.registry_for(false, zmgr_core::ops::publishers::needs(name))?;
                    let uris: Vec<String> = origins.into_iter().map(|o| o.to_string()).collect();
                    let core = h.core.borrow();
                    let outcome =
                        zmgr_core::ops::publishers::add(&reg, core.journal(), name, &uris)
                            .map_err(core_error)?;
                    Ok(json_dynamic(&outcome))
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "publisher_remove",
        &["name: &str", "origins: Array", "()"],
        "Removes the given origins of a publisher, or the whole publisher when the array is empty, as `zmgr publisher remove`.",
        move |ctx: NativeCallContext, name: &str, origins: Array| -> Rr<()> {
            at(
                &ctx,
                (|| -> Rr<()> {
                    h.writable()?;
                    let reg = h.registry_for(false, zmgr_core::ops::publishers::needs(name))?;
                    let uris: Vec<String> = origins.into_iter().map(|o| o.to_string()).collect();
                    let core = h.core.borrow();
                    zmgr_core::ops::publishers::remove(&reg, core.journal(), name, &uris)
                        .map_err(core_error)
                })(),
            )
        },
    );
    // `zmgr set/add/remove/config`: the map's keys and values are the verb's KEY=VALUE.
    let h = host.clone();
    reg(
        &mut m,
        "set",
        &["name: &str", "settings: Map", "Map"],
        "Changes a zone's settings, as `zmgr set NAME KEY=VALUE…` (keys autoboot, bootargs, limitpriv, cpu-shares, max-lwps, capped-cpu, capped-memory.physical, capped-memory.swap, capped-memory.locked; \"\" clears); returns what `set --json` prints.",
        move |ctx: NativeCallContext, name: &str, settings: Map| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    h.writable()?;
                    let mut parsed = Vec::new();
                    for (k, v) in settings {
                        parsed.push(
                            format!("{k}={v}")
                                .parse::<zmgr_core::ops::modify::Setting>()
                                .map_err(|why| core_error(Error::usage(why)))?,
                        );
                    }
                    let reg =
                        h.registry_for(true, |_| zmgr_core::ops::modify::needs(name, None))?;
                    let mut core = h.core.borrow_mut();
                    let m = h
                        .budget
                        .outside(|| {
                            zmgr_core::ops::modify::set(&mut core, &reg, name, &parsed, false)
                        })
                        .map_err(core_error)?;
                    Ok(json_dynamic(&m))
                })(),
            )
        },
    );
    for (verb, doc) in [
        (
            "add",
            "Adds a file system, dataset or interface to a zone, as `zmgr add NAME KIND KEY=VALUE…` (kind \"fs\", \"dataset\" or \"net\"; the map holds the properties); returns what `add --json` prints.",
        ),
        (
            "remove",
            "Removes a file system, dataset or interface from a zone, as `zmgr remove NAME KIND KEY=VALUE`; returns what `remove --json` prints.",
        ),
    ] {
        let h = host.clone();
        reg(
            &mut m,
            verb,
            &["name: &str", "kind: &str", "properties: Map", "Map"],
            doc,
            move |ctx: NativeCallContext, name: &str, kind: &str, props: Map| -> Rr<Dynamic> {
                at(
                    &ctx,
                    (|| -> Rr<Dynamic> {
                        h.writable()?;
                        let kind: zmgr_core::ops::modify::Kind =
                            kind.parse().map_err(|why| core_error(Error::usage(why)))?;
                        let props: Vec<(String, String)> = props
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect();
                        let pool = props
                            .iter()
                            .find(|(k, _)| k == "pool")
                            .map(|(_, v)| v.clone())
                            .filter(|_| verb == "add");
                        let reg = h.registry_for(true, |_| {
                            zmgr_core::ops::modify::needs(name, pool.as_deref())
                        })?;
                        let mut core = h.core.borrow_mut();
                        let m = h
                            .budget
                            .outside(|| {
                                if verb == "add" {
                                    zmgr_core::ops::modify::add(
                                        &mut core, &reg, name, kind, &props, false,
                                    )
                                } else {
                                    zmgr_core::ops::modify::remove(
                                        &mut core, &reg, name, kind, &props, false,
                                    )
                                }
                            })
                            .map_err(core_error)?;
                        Ok(json_dynamic(&m))
                    })(),
                )
            },
        );
    }
    let h = host.clone();
    reg(
        &mut m,
        "config",
        &["name: &str", "Map"],
        "A zone's configuration as zonecfg holds it, as `zmgr config NAME --json`: `export` (the commands that make it; `export` is a Rhai keyword, so read it as `c[\"export\"]`) and `info` (`globals` and `resources`).",
        move |ctx: NativeCallContext, name: &str| -> Rr<Dynamic> {
            at(
                &ctx,
                (|| -> Rr<Dynamic> {
                    let reg =
                        h.registry_for(true, |_| zmgr_core::ops::modify::needs(name, None))?;
                    let core = h.core.borrow();
                    let c = h
                        .budget
                        .outside(|| zmgr_core::ops::modify::config(&core, &reg, name))
                        .map_err(core_error)?;
                    Ok(json_dynamic(&c))
                })(),
            )
        },
    );
    for (verb, action, doc) in [
        (
            "boot",
            zmgr_core::ops::lifecycle::Action::Boot,
            "Boots a zone; returns its new state.",
        ),
        (
            "halt",
            zmgr_core::ops::lifecycle::Action::Halt,
            "Halts a zone; returns its new state.",
        ),
    ] {
        let h = host.clone();
        reg(
            &mut m,
            verb,
            &["name: &str", "String"],
            doc,
            move |ctx: NativeCallContext, name: &str| -> Rr<String> {
                at(
                    &ctx,
                    (|| -> Rr<String> {
                        h.writable()?;
                        let reg = h.registry_for(true, zmgr_core::ops::lifecycle::needs(name))?;
                        let mut core = h.core.borrow_mut();
                        h.budget
                            .outside(|| {
                                zmgr_core::ops::lifecycle::change(
                                    &mut core, &reg, name, action, false,
                                )
                            })
                            .map(|c| c.state.to_string())
                            .map_err(core_error)
                    })(),
                )
            },
        );
    }
    let h = host.clone();
    reg(
        &mut m,
        // `import` is a Rhai keyword, so the function cannot carry the verb's name.
        "import_zones",
        &["names: Array", "Array"],
        "Imports system zones (all when the array is empty); returns each zone's outcome.",
        move |ctx: NativeCallContext, names: Array| -> Rr<Array> {
            at(
                &ctx,
                (|| -> Rr<Array> {
                    h.writable()?;
                    let reg = h.registry_for(true, zmgr_core::ops::import::needs)?;
                    let names: Vec<String> = names.into_iter().map(|n| n.to_string()).collect();
                    let mut core = h.core.borrow_mut();
                    let results = h
                        .budget
                        .outside(|| zmgr_core::ops::import::import(&mut core, &reg, &names, false))
                        .map_err(core_error)?;
                    let json = serde_json::to_value(&results).expect("serialisable");
                    Ok(json
                        .as_array()
                        .map(|a| a.iter().map(to_dynamic).collect())
                        .unwrap_or_default())
                })(),
            )
        },
    );
    let h = host.clone();
    reg(
        &mut m,
        "out",
        &["text: &str", "()"],
        "Site scripts: writes `text` and a newline to standard output, the script's result (`zmgr my-script > file`); `print` and `info` write to standard error. Hooks cannot: their output would mix with their verb's.",
        move |text: &str| -> Rr<()> {
            use std::io::Write;
            if !h.stdout {
                return Err(core_error(Error::usage(
                    "zmgr::out writes a site script's output; a hook reports with info()",
                )));
            }
            match writeln!(std::io::stdout().lock(), "{text}") {
                // The reader went away (`| head`): nothing more to say to it.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(core_error(Error::failed(format!(
                    "cannot write to standard output: {e}"
                )))),
                Ok(()) => Ok(()),
            }
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
    snapshots::register(&mut m, &host);
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
    const OPTIONS: &[&str] = &[
        "template",
        "pool",
        "ip",
        "nets",
        "force_range",
        "vnic",
        "no_boot",
        "clone",
    ];
    for k in options.keys() {
        if !OPTIONS.contains(&k.as_str()) {
            return Err(core_error(Error::usage(format!(
                "unknown create option `{k}`; options are {}",
                OPTIONS.join(", ")
            ))));
        }
    }
    let flag = |k: &str| bool_option(&options, k);
    // `nets: ["lan", "backend=10.1.0.20"]`, as `--net` takes them.
    let nets = match options.get("nets") {
        None => Vec::new(),
        Some(v) => {
            let items = v.clone().into_array().map_err(|t| {
                core_error(Error::usage(format!(
                    "option `nets` must be an array of \"POOL\" or \"POOL=ADDRESS\", not {t}"
                )))
            })?;
            let mut nets = Vec::new();
            for item in items {
                let text = item.into_string().map_err(|t| {
                    core_error(Error::usage(format!(
                        "each of `nets` is a string \"POOL\" or \"POOL=ADDRESS\", not {t}"
                    )))
                })?;
                nets.push(
                    text.parse::<zmgr_core::ops::create::NetRequest>()
                        .map_err(|why| core_error(Error::usage(why)))?,
                );
            }
            nets
        }
    };
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
        nets,
        force_range: flag("force_range")?,
        vnic: text("vnic")?,
        no_boot: flag("no_boot")?,
        keep_on_failure: false,
        clone: text("clone")?,
    };
    let reg = host.registry_for(false, zmgr_core::ops::create::needs(&opts))?;
    let mut core = host.core.borrow_mut();
    let created = host
        .budget
        .outside(|| zmgr_core::ops::create::create(&mut core, reg, &opts))
        .map_err(|e| {
            let err = core_error_ref(&e);
            if let Error::Create { cause, .. } = e
                && let Error::Script(p) = *cause
            {
                *host.hook_problem.borrow_mut() = Some(*p);
            }
            err
        })?;
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
    host: Rc<Host>,
}

impl Runtime {
    /// An engine for site scripts over `core`; imports resolve in the script's folder and `scripts_dir`.
    /// The runtime for site scripts and `zmgr run` over a session of the registry: the
    /// engine's limits from its config, `import` confined to its scripts folder.
    pub fn for_registry(core: Session, registry: &zmgr_core::store::registry::Registry) -> Runtime {
        // A script may read the registry once per call: unchanged zone entries are kept.
        zmgr_core::store::cache::enable();
        Runtime::new(
            core,
            registry.config.scripting.clone(),
            registry.root.join("scripts"),
        )
    }

    pub fn new(core: Session, limits: super::Limits, scripts_dir: PathBuf) -> Runtime {
        let (mut engine, budget, files) = super::engine(&limits, vec![scripts_dir]);
        let host = Rc::new(Host {
            core: RefCell::new(core),
            budget: budget.clone(),
            read_only: false,
            stdout: true,
            hook_problem: RefCell::new(None),
        });
        engine.register_static_module("zmgr", module(host.clone()).into());
        Runtime {
            engine,
            budget,
            files,
            limits,
            host,
        }
    }

    /// An engine with the API registered but nothing to act on, for `check` and the reference.
    pub fn offline(limits: super::Limits) -> Engine {
        let (mut engine, _, _) = super::engine(&limits, Vec::new());
        let core = Session::new(
            std::path::Path::new("/nonexistent"),
            std::sync::Arc::new(zmgr_core::host::exec::Offline::default()),
            Box::new(zmgr_core::ops::progress::Silent),
        );
        let host = Rc::new(Host {
            core: RefCell::new(core),
            budget: Budget::new(),
            read_only: true,
            stdout: false,
            hook_problem: RefCell::new(None),
        });
        engine.register_static_module("zmgr", module(host).into());
        engine
    }

    /// Runs a script file with its arguments in `ARGS`.
    pub fn run(&self, path: &std::path::Path, args: &[String]) -> zmgr_core::error::Result<()> {
        let mut scope = rhai::Scope::new();
        let args: Array = args.iter().map(|a| Dynamic::from(a.clone())).collect();
        scope.push_constant("ARGS", args);
        let script = super::Script::load(&self.engine, path, &scope).map_err(super::failed)?;
        self.files
            .add(path.to_string_lossy().into_owned(), script.file.clone());
        self.budget.start();
        let result = super::guarded(|| self.engine.run_ast_with_scope(&mut scope, &script.ast));
        self.budget.finish();
        result.map_err(|e| {
            let mut p = super::report::runtime_error(&script.file, &self.files, &self.limits, &e);
            if let Some(hook) = self.host.hook_problem.borrow_mut().take() {
                p = p.with_related(hook);
            }
            super::failed(p)
        })
    }
}
