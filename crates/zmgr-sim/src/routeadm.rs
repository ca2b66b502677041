//! `routeadm`: IPv4/IPv6 routing and forwarding options, kept (as on
//! illumos) in SMF: forwarding is svc:/network/ipv4-forwarding:default and
//! svc:/network/ipv6-forwarding:default, routing is the routing daemons
//! (instances with a `routeadm/protocol`).
//!
//! Source: illumos-gate usr/src/cmd/cmd-inet/usr.sbin/routeadm/routeadm.c
//! (options, `ra_report` formats, `ra_get_set_opt_common_cb`, `ra_update`,
//! messages), forwarding.xml, legacy-routing.xml and
//! usr/src/cmd/svc/milestone/network-routing-setup.xml (defaults).

use crate::ctx::{Ctx, Exit, argv0};
use crate::getopt::{Getopt, Opt};
use crate::state::State;
use crate::state::smf::{IPV4_FORWARDING, IPV6_FORWARDING, NDP, ROUTEADM_VARS};
use crate::svcadm::{settle, walk};

const OPTIONS: [&str; 4] = [
    "ipv4-routing",
    "ipv6-routing",
    "ipv4-forwarding",
    "ipv6-forwarding",
];

fn usage_text(name: &str) -> String {
    format!(
        concat!(
            "usage: {n} [-p] [-R <root-dir>]\n",
            "       {n} [-e <option>] [-d <option>] [-r <option>]\n",
            "           [-l <FMRI>] [-m <FMRI> key=value [...]]\n",
            "           [-s <var>=<val>] [-R <root-dir>]\n",
            "       {n} -u\n\n",
            "       <option> is one of:\n",
            "       ipv4-forwarding\n",
            "       ipv4-routing\n",
            "       ipv6-forwarding\n",
            "       ipv6-routing\n\n",
            "       <var> is one of:\n",
            "       ipv4-routing-daemon\n",
            "       ipv4-routing-daemon-args\n",
            "       ipv4-routing-stop-cmd\n",
            "       ipv6-routing-daemon\n",
            "       ipv6-routing-daemon-args\n",
            "       ipv6-routing-stop-cmd\n",
            "       routing-svcs\n",
        ),
        n = name
    )
}

/// `ra_intloptname`.
fn human_name(name: &str) -> &'static str {
    match name {
        "ipv4-forwarding" => "IPv4 forwarding",
        "ipv4-routing" => "IPv4 routing",
        "ipv6-forwarding" => "IPv6 forwarding",
        "ipv6-routing" => "IPv6 routing",
        "ipv4-routing-daemon" => "IPv4 routing daemon",
        "ipv4-routing-daemon-args" => "IPv4 routing daemon args",
        "ipv4-routing-stop-cmd" => "IPv4 routing daemon stop",
        "ipv6-routing-daemon" => "IPv6 routing daemon",
        "ipv6-routing-daemon-args" => "IPv6 routing daemon args",
        "ipv6-routing-stop-cmd" => "IPv6 routing daemon stop",
        _ => "Routing services",
    }
}

fn is_routing(opt: &str) -> bool {
    opt.ends_with("-routing")
}

fn proto(opt: &str) -> &'static str {
    if opt.starts_with("ipv4") {
        "ipv4"
    } else {
        "ipv6"
    }
}

/// The instances an option walks: the forwarding instance, or every
/// routing daemon of the option's protocol.
fn candidates(st: &State, opt: &str) -> Vec<usize> {
    if is_routing(opt) {
        let p = proto(opt);
        (0..st.smf.instances.len())
            .filter(|&i| st.smf.instances[i].protocol.as_deref() == Some(p))
            .collect()
    } else {
        let fmri = if opt == "ipv4-forwarding" {
            IPV4_FORWARDING
        } else {
            IPV6_FORWARDING
        };
        st.smf.index(fmri).into_iter().collect()
    }
}

/// `ra_numv6intfs`: how many IPv6 interfaces are plumbed (every simulated
/// IP interface has IPv6).
fn num_v6_interfaces(st: &State) -> usize {
    st.ip_interfaces.len()
}

/// Whether a routing daemon is a "current routing service": named in
/// routing-svcs, or the legacy instance of a protocol whose daemon is set
/// (`ra_check_legacy_daemons`).
fn is_current(st: &State, idx: usize) -> bool {
    let inst = &st.smf.instances[idx];
    let svcs = st
        .smf
        .routeadm_vars
        .get("routing-svcs")
        .cloned()
        .unwrap_or_default();
    let names: Vec<String> = svcs.split_whitespace().map(str::to_string).collect();
    if !names.is_empty()
        && walk(&st.smf.instances, &names, false, "")
            .matches
            .contains(&idx)
    {
        return true;
    }
    for p in ["ipv4", "ipv6"] {
        if inst.fmri == format!("svc:/network/routing/legacy-routing:{p}")
            && !st
                .smf
                .routeadm_vars
                .get(&format!("{p}-routing-daemon"))
                .map(|v| v.trim())
                .unwrap_or_default()
                .is_empty()
        {
            return true;
        }
    }
    false
}

fn current(st: &State, opt: &str) -> bool {
    candidates(st, opt)
        .into_iter()
        .any(|i| st.smf.instances[i].is_enabled())
}

fn persistent(st: &State, opt: &str) -> bool {
    candidates(st, opt)
        .into_iter()
        .any(|i| st.smf.instances[i].enabled)
}

/// `-e`/`-d`/`-r`: the next-boot value. Each instance keeps its current
/// state as a temporary setting, and general/enabled gets the new value.
fn set_persistent(st: &mut State, dir: &std::path::Path, opt: &str, enable: bool) {
    let v6 = num_v6_interfaces(st);
    for idx in candidates(st, opt) {
        if is_routing(opt) && enable {
            if !is_current(st, idx) {
                continue;
            }
            if opt == "ipv6-routing" && v6 < 1 {
                continue;
            }
        }
        let inst = &mut st.smf.instances[idx];
        inst.enabled_ovr = Some(inst.is_enabled());
        inst.enabled = enable;
        settle(st, dir, idx);
    }
}

/// `-u` (`ra_update`): the persistent values take effect, and in.ndpd is
/// (temporarily) enabled when there are IPv6 interfaces.
fn update(st: &mut State, dir: &std::path::Path, enabled_now: &[(String, bool)]) {
    let v6 = num_v6_interfaces(st);
    for opt in OPTIONS {
        let opt_enabled = enabled_now
            .iter()
            .rev()
            .find(|(o, _)| o == opt)
            .is_some_and(|(_, e)| *e);
        for idx in candidates(st, opt) {
            if opt == "ipv6-routing" && opt_enabled && v6 < 1 {
                continue;
            }
            let curr = if is_routing(opt) && opt_enabled {
                is_current(st, idx)
            } else {
                true
            };
            let inst = &mut st.smf.instances[idx];
            inst.enabled = inst.enabled && curr;
            inst.enabled_ovr = None;
            settle(st, dir, idx);
        }
    }
    if v6 > 0
        && let Some(idx) = st.smf.index(NDP)
    {
        st.smf.instances[idx].enabled_ovr = Some(true);
        settle(st, dir, idx);
    }
}

/// `ra_update_routing_svcs`: a new routing-svcs list. If routing was
/// persistently enabled, the old services are persistently disabled and the
/// new ones enabled, for the next `-u`.
fn set_routing_svcs(st: &mut State, dir: &std::path::Path, value: &str) {
    let v4 = persistent(st, "ipv4-routing");
    let v6 = persistent(st, "ipv6-routing");
    let old = st
        .smf
        .routeadm_vars
        .insert("routing-svcs".into(), value.to_string())
        .unwrap_or_default();
    if !v4 && !v6 {
        return;
    }
    let apply = |st: &mut State, list: &str, enable: bool| {
        let names: Vec<String> = list.split_whitespace().map(str::to_string).collect();
        if names.is_empty() {
            return;
        }
        let m = walk(&st.smf.instances, &names, false, "").matches;
        for idx in m {
            let p = st.smf.instances[idx].protocol.clone();
            let applies = match p.as_deref() {
                Some("ipv4") => v4,
                Some("ipv6") => v6,
                _ => false,
            };
            if applies {
                let inst = &mut st.smf.instances[idx];
                inst.enabled_ovr = Some(inst.is_enabled());
                inst.enabled = enable;
                settle(st, dir, idx);
            }
        }
    };
    apply(st, &old, false);
    apply(st, value, true);
}

fn state_word(b: bool) -> &'static str {
    if b { "enabled" } else { "disabled" }
}

/// `ra_report`.
fn report(st: &State, parseable: bool, param: Option<&str>) -> Result<String, ()> {
    let mut out = String::new();
    let mut found = false;
    if !parseable {
        out.push_str(concat!(
            "              Configuration   Current              Current\n",
            "                     Option   Configuration        System State\n",
            "---------------------------------------------------------------\n",
        ));
    }
    for opt in OPTIONS {
        if let Some(p) = param {
            if p != opt {
                continue;
            }
            found = true;
        }
        let c = state_word(current(st, opt));
        let p = state_word(persistent(st, opt));
        let d = state_word(false);
        if parseable {
            if param.is_none() {
                out.push_str(opt);
                out.push(' ');
            }
            out.push_str(&format!("persistent={p} default={d} current={c}\n"));
        } else {
            out.push_str(&format!("{:>27}   {:<21}{}\n", human_name(opt), p, c));
        }
    }
    if !parseable {
        out.push('\n');
    }
    let unset = |prefix: &str| {
        [
            "-routing-daemon",
            "-routing-daemon-args",
            "-routing-stop-cmd",
        ]
        .iter()
        .all(|s| {
            st.smf
                .routeadm_vars
                .get(&format!("{prefix}{s}"))
                .map(|v| v.trim().is_empty())
                .unwrap_or(true)
        })
    };
    for (var, default) in ROUTEADM_VARS {
        if let Some(p) = param {
            if p != *var {
                continue;
            }
            found = true;
        }
        let value = st.smf.routeadm_vars.get(*var).cloned().unwrap_or_default();
        if parseable {
            if param.is_none() {
                out.push_str(var);
                out.push(' ');
            }
            out.push_str(&format!("persistent=\"{value}\" default=\"{default}\" \n"));
        } else {
            if (var.starts_with("ipv4") && unset("ipv4"))
                || (var.starts_with("ipv6") && unset("ipv6"))
            {
                continue;
            }
            out.push_str(&format!("{:>27}   \"{}\"\n", human_name(var), value));
        }
    }
    if param.is_some() && !found {
        return Err(());
    }
    if parseable {
        return Ok(out);
    }
    out.push_str("\nRouting daemons:\n");
    out.push_str("\n                      STATE   FMRI\n");
    for inst in &st.smf.instances {
        if inst.protocol.is_some() {
            out.push_str(&format!("{:>27}   {:>2}\n", inst.state, inst.fmri));
        }
    }
    Ok(out)
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    match main(ctx, args) {
        Ok(code) | Err(Exit(code)) => code,
    }
}

fn usage(ctx: &Ctx, name: &str) -> Exit {
    ctx.err(&usage_text(name));
    Exit(1)
}

/// One state-changing option, applied in command-line order.
enum Change {
    Opt(String, bool),
    Revert(String),
    RevertVar(String),
    Var(String, String),
}

fn main(ctx: &mut Ctx, args: &[String]) -> Result<i32, Exit> {
    let name = argv0("routeadm");
    let mut changes: Vec<Change> = Vec::new();
    let mut update_opt = false;
    let mut parseable = false;
    let mut param: Option<String> = None;
    // getopt(":bd:e:l:m:p:R:r:s:u"): options and their checks in order.
    let mut g = Getopt::new(args, "bd:e:l:m:p:R:r:s:u", 0);
    let mut checks: Vec<Result<(), Exit>> = Vec::new();
    while let Some(o) = g.next() {
        match o {
            Opt::Flag(c @ ('d' | 'e' | 'r'), Some(arg)) => {
                if OPTIONS.contains(&arg.as_str()) {
                    changes.push(match c {
                        'r' => Change::Revert(arg),
                        _ => Change::Opt(arg, c == 'e'),
                    });
                } else if ROUTEADM_VARS.iter().any(|(v, _)| *v == arg) {
                    if c != 'r' {
                        checks.push(Err(usage(ctx, &name)));
                        break;
                    }
                    changes.push(Change::RevertVar(arg));
                } else {
                    ctx.err(&format!("{name}: invalid option: {arg}\n"));
                    checks.push(Err(usage(ctx, &name)));
                    break;
                }
            }
            Opt::Flag('s', Some(arg)) => {
                let mut bad = None;
                for sub in arg.split(',') {
                    match sub.split_once('=') {
                        None => {
                            bad = Some(usage(ctx, &name));
                            break;
                        }
                        Some((k, v)) if ROUTEADM_VARS.iter().any(|(n, _)| *n == k) => {
                            changes.push(Change::Var(k.into(), v.into()));
                        }
                        Some(_) => {
                            ctx.err(&format!("{name}: invalid variable: {arg}\n"));
                            bad = Some(usage(ctx, &name));
                            break;
                        }
                    }
                }
                if let Some(e) = bad {
                    checks.push(Err(e));
                    break;
                }
            }
            Opt::Flag('p', arg) => {
                parseable = true;
                param = arg;
            }
            Opt::Flag('u', _) => update_opt = true,
            Opt::Flag(c, _) => {
                ctx.err(&format!("{name}: -{c} is not simulated\n"));
                return Err(Exit(1));
            }
            Opt::MissingArg('p') => parseable = true,
            Opt::MissingArg(c) => {
                ctx.err(&format!(
                    "{name}: option requires an argument -{}\n",
                    args.get(g.optind - 1).cloned().unwrap_or(format!("-{c}"))
                ));
                checks.push(Err(usage(ctx, &name)));
                break;
            }
            Opt::Unknown(_) => {
                checks.push(Err(usage(ctx, &name)));
                break;
            }
        }
    }
    let early_exit = checks.pop();
    let modify = !changes.is_empty();
    let sub = if modify || update_opt {
        "modify"
    } else {
        "report"
    };
    if let Some(f) = ctx.fault("routeadm", sub, None).failure {
        let msg = f
            .message
            .unwrap_or_else(|| "cannot connect to SMF repository".into());
        ctx.err(&format!("{name}: {msg}\n"));
        return Ok(f.exit);
    }
    // Changes are applied as getopt meets them, before later checks fail.
    let dir = ctx.store.dir().to_path_buf();
    if modify {
        ctx.store
            .update(|st| {
                for ch in &changes {
                    match ch {
                        Change::Opt(o, e) => set_persistent(st, &dir, o, *e),
                        Change::Revert(o) => set_persistent(st, &dir, o, false),
                        Change::RevertVar(v) => {
                            let d = ROUTEADM_VARS
                                .iter()
                                .find(|(n, _)| n == v)
                                .map(|(_, d)| *d)
                                .unwrap_or_default();
                            if v == "routing-svcs" {
                                set_routing_svcs(st, &dir, d);
                            } else {
                                st.smf.routeadm_vars.insert(v.clone(), d.into());
                            }
                        }
                        Change::Var(k, v) => {
                            if k == "routing-svcs" {
                                set_routing_svcs(st, &dir, v);
                            } else {
                                st.smf.routeadm_vars.insert(k.clone(), v.clone());
                            }
                        }
                    }
                }
            })
            .map_err(|e| die(ctx, &name, &e))?;
    }
    if let Some(Err(e)) = early_exit {
        return Err(e);
    }
    if g.optind < args.len() {
        return Err(usage(ctx, &name));
    }
    if parseable && (update_opt || modify) {
        ctx.err(&format!(
            "{name}: the -p option cannot be used with any of -demrsu\n"
        ));
        return Err(usage(ctx, &name));
    }
    if update_opt {
        let enabled_now: Vec<(String, bool)> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Opt(o, e) => Some((o.clone(), *e)),
                _ => None,
            })
            .collect();
        ctx.store
            .update(|st| update(st, &dir, &enabled_now))
            .map_err(|e| die(ctx, &name, &e))?;
        return Ok(0);
    }
    if modify {
        return Ok(0);
    }
    let st = ctx.store.read().map_err(|e| die(ctx, &name, &e))?;
    match report(&st, parseable, param.as_deref()) {
        Ok(out) => {
            ctx.out(&out);
            Ok(0)
        }
        Err(()) => {
            ctx.err(&format!(
                "{name}: no such option/variable {}\n",
                param.unwrap_or_default()
            ));
            Ok(1)
        }
    }
}

fn die(ctx: &Ctx, name: &str, e: &std::io::Error) -> Exit {
    ctx.err(&format!("{name}: cannot use the state: {e}\n"));
    Exit(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parseable_report_of_a_fresh_host() {
        let st = State::default();
        let out = report(&st, true, None).unwrap();
        assert_eq!(
            out,
            concat!(
                "ipv4-routing persistent=disabled default=disabled current=disabled\n",
                "ipv6-routing persistent=disabled default=disabled current=disabled\n",
                "ipv4-forwarding persistent=disabled default=disabled current=disabled\n",
                "ipv6-forwarding persistent=disabled default=disabled current=disabled\n",
                "ipv4-routing-daemon persistent=\"\" default=\"\" \n",
                "ipv4-routing-daemon-args persistent=\"\" default=\"\" \n",
                "ipv4-routing-stop-cmd persistent=\"\" default=\"\" \n",
                "ipv6-routing-daemon persistent=\"\" default=\"\" \n",
                "ipv6-routing-daemon-args persistent=\"\" default=\"\" \n",
                "ipv6-routing-stop-cmd persistent=\"\" default=\"\" \n",
                "routing-svcs persistent=\"route:default ripng:default\" default=\"route:default ripng:default\" \n",
            )
        );
        assert_eq!(
            report(&st, true, Some("ipv4-forwarding")).unwrap(),
            "persistent=disabled default=disabled current=disabled\n"
        );
        assert!(report(&st, true, Some("bogus")).is_err());
    }
}
