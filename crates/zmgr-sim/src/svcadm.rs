//! SMF in the simulated global zone: the service instances zmgr (and
//! routeadm) touch, their persistent and temporary `enabled` properties,
//! their states, FMRI matching as libscf's `scf_walk_fmri()` does it, and
//! `svcadm`.
//!
//! Sources: illumos-gate usr/src/cmd/svc/svcadm/svcadm.c (commands, flags,
//! messages, exit statuses), usr/src/lib/libscf/common/lowlevel.c
//! (`scf_walk_fmri`, `scf_cmp_pattern`), usr/src/lib/libscf/common/error.c
//! (`scf_get_msg` texts), usr/src/cmd/ipf/svc/ipfilter (what the ipfilter
//! methods do).

use std::path::Path;

use crate::ctx::{Ctx, Exit, argv0, now};
use crate::getopt::{Getopt, Opt};
use crate::state::State;
use crate::state::smf::{DISABLED, IPFILTER, Instance, MAINTENANCE, ONLINE};

/// libuutil's exit statuses.
const UU_EXIT_FATAL: i32 = 1;
const UU_EXIT_USAGE: i32 = 2;
/// svcadm.c: `enable -s` / `disable -s` outcomes.
const EXIT_SVC_FAILURE: i32 = 3;

/// The path a program of the simulated global zone sees as
/// `/etc/ipf/ipnat.conf` (ipfilter's `config/ipnat_config_file`).
pub fn ipnat_conf_path(dir: &Path) -> std::path::PathBuf {
    dir.join("etc/ipf/ipnat.conf")
}

/// Creates `STATE/etc/ipf`, the folder that holds ipnat.conf: on illumos the
/// network/ipfilter package delivers `/etc/ipf` (with `ipf.conf`, which the
/// simulator does not read), so a program may write ipnat.conf there
/// without creating the folder.
pub fn make_etc_ipf(dir: &Path) {
    if let Some(etc_ipf) = ipnat_conf_path(dir).parent()
        && !etc_ipf.is_dir()
    {
        let _ = std::fs::create_dir_all(etc_ipf);
    }
}

/// Brings an instance's state in line with its `enabled` settings, running
/// the start or stop method when it changes, as svc.startd would (at once:
/// the simulator has no transitions).
pub fn settle(st: &mut State, dir: &Path, idx: usize) {
    let inst = &st.smf.instances[idx];
    let want = inst.is_enabled();
    let state = inst.state.clone();
    let fmri = inst.fmri.clone();
    if want && state == DISABLED {
        start(st, dir, idx, &fmri);
    } else if !want && state != DISABLED {
        stop(st, &fmri);
        set_state(st, idx, DISABLED);
    }
}

fn set_state(st: &mut State, idx: usize, state: &str) {
    let inst = &mut st.smf.instances[idx];
    if inst.state != state {
        inst.state = state.to_string();
        inst.stime = now();
    }
}

/// The start method. For ipfilter, the method's `configure_firewall`:
/// with no NAT file it exits 0 and loads nothing; otherwise `ipnat -CF`
/// and `ipnat -f FILE`, and a file that does not load sends the service to
/// maintenance (SMF_EXIT_ERR_CONFIG).
fn start(st: &mut State, dir: &Path, idx: usize, fmri: &str) {
    let ok = if fmri == IPFILTER {
        reload_ipnat(st, dir)
    } else {
        true
    };
    set_state(st, idx, if ok { ONLINE } else { MAINTENANCE });
}

/// The stop method. ipfilter's runs `ipf -D`, which takes the NAT rules away.
fn stop(st: &mut State, fmri: &str) {
    if fmri == IPFILTER {
        st.nat.rules.clear();
    }
}

/// ipfilter's `load_ipnat` when the NAT file exists: flush, then load the
/// file. Returns whether it loaded.
fn reload_ipnat(st: &mut State, dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(ipnat_conf_path(dir)) else {
        return true;
    };
    st.nat.rules.clear();
    let parsed = crate::ipnat::parse(&text);
    for r in parsed.rules {
        if !st.nat.rules.contains(&r.printed) {
            st.nat.rules.push(r.printed);
        }
    }
    parsed.error.is_none()
}

/// `svcadm restart`: stop and start an online (or degraded) instance.
fn restart(st: &mut State, dir: &Path, idx: usize) {
    let fmri = st.smf.instances[idx].fmri.clone();
    if st.smf.instances[idx].state == ONLINE {
        stop(st, &fmri);
        start(st, dir, idx, &fmri);
    }
}

/// `svcadm refresh`: the refresh method of an online instance. ipfilter's
/// (`reload`) runs `configure_firewall` again; a file that does not load
/// leaves the rules flushed.
fn refresh(st: &mut State, dir: &Path, idx: usize) {
    if st.smf.instances[idx].state == ONLINE && st.smf.instances[idx].fmri == IPFILTER {
        let _ = reload_ipnat(st, dir);
    }
}

/// `svcadm clear`: a maintenance instance is started again.
fn clear(st: &mut State, dir: &Path, idx: usize) -> bool {
    if st.smf.instances[idx].state != MAINTENANCE {
        return false;
    }
    st.smf.instances[idx].state = DISABLED.to_string();
    settle(st, dir, idx);
    true
}

/// The outcome of `scf_walk_fmri()` over some operands.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// Instances to call back, in order, each once.
    pub matches: Vec<usize>,
    /// Messages for the error function, each ending in a newline.
    pub errors: Vec<String>,
}

/// How an operand was classified (PATTERN_EXACT, _GLOB, _PARTIAL).
enum Kind {
    Exact(Vec<usize>),
    Glob(String),
    Partial,
}

/// `scf_walk_fmri()` for instances. `unipartial` is SCF_WALK_UNIPARTIAL
/// (svcadm); `nomatch` is the message for an operand that matches nothing
/// (`Pattern '%s' doesn't match any instances` or `... entities`).
pub fn walk(insts: &[Instance], args: &[String], unipartial: bool, nomatch: &str) -> Walk {
    let mut per_arg: Vec<(String, Vec<usize>)> = Vec::new();
    let (mut partial, mut wildcard) = (false, false);
    for arg in args {
        let (label, kind) = match exact(insts, arg) {
            Some(m) => (arg.clone(), Kind::Exact(m)),
            None if arg.contains(['*', '?', '[']) => {
                wildcard = true;
                let pat = if arg.starts_with('*') || arg.as_bytes().get(3) == Some(&b':') {
                    arg.clone()
                } else {
                    format!("svc:/{arg}")
                };
                (pat.clone(), Kind::Glob(pat))
            }
            None => {
                partial = true;
                (arg.clone(), Kind::Partial)
            }
        };
        let matched = match kind {
            Kind::Exact(m) => m,
            // A glob matches an instance's FMRI or its service's, which
            // takes in all the service's instances.
            Kind::Glob(pat) => (0..insts.len())
                .filter(|&i| {
                    fnmatch(&pat, &insts[i].fmri) || fnmatch(&pat, service_of(&insts[i].fmri))
                })
                .collect(),
            Kind::Partial => (0..insts.len())
                .filter(|&i| partial_match(arg, &insts[i].fmri))
                .collect(),
        };
        per_arg.push((label, matched));
    }
    let mut out = Walk::default();
    for (label, m) in &per_arg {
        if m.is_empty() {
            out.errors.push(nomatch.replace("%s", label));
        }
    }
    let mut seen: Vec<usize> = Vec::new();
    for (_, m) in &per_arg {
        for &i in m {
            if !seen.contains(&i) {
                seen.push(i);
            }
        }
    }
    if unipartial && seen.len() > 1 && partial && !wildcard {
        out.errors
            .push("Partial FMRI matches multiple instances\n".to_string());
        return out;
    }
    out.matches = seen;
    out
}

/// The service FMRI of an instance FMRI (`svc:/network/ipfilter`).
fn service_of(fmri: &str) -> &str {
    match fmri.rfind(':') {
        Some(i) if i > 4 => &fmri[..i],
        _ => fmri,
    }
}

/// A full service or instance FMRI (`svc:/network/ipfilter[:default]`)
/// that exists: the instances it designates.
fn exact(insts: &[Instance], arg: &str) -> Option<Vec<usize>> {
    let rest = arg.strip_prefix("svc:")?;
    let rest = rest
        .strip_prefix("//localhost")
        .filter(|r| r.starts_with('/'))
        .unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let full = format!("svc:{rest}");
    if let Some(i) = insts.iter().position(|i| i.fmri == full) {
        return Some(vec![i]);
    }
    let prefix = format!("{full}:");
    let m: Vec<usize> = (0..insts.len())
        .filter(|&i| {
            insts[i].fmri.starts_with(&prefix) && !insts[i].fmri[prefix.len()..].contains('/')
        })
        .collect();
    (!m.is_empty()).then_some(m)
}

/// `scf_cmp_pattern()` for PATTERN_PARTIAL: the operand must start on an
/// element boundary and end at the end of a service or instance name.
fn partial_match(pat: &str, fmri: &str) -> bool {
    let Some(pos) = fmri.find(pat) else {
        return false;
    };
    let b = fmri.as_bytes();
    if pos != 0 && b[pos - 1] != b'/' && b[pos - 1] != b':' && b[pos] != b':' {
        return false;
    }
    let end = pos + pat.len();
    if end != fmri.len() && b[end] != b':' && b[end - 1] != b':' {
        return false;
    }
    end > 4
}

/// fnmatch(3C) without flags: `*`, `?` and bracket expressions.
pub fn fnmatch(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    fn go(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|k| go(&p[1..], &t[k..])),
            Some('?') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some('[') => {
                let Some(c) = t.first() else {
                    return false;
                };
                let mut i = 1;
                let negate = matches!(p.get(1), Some('!'));
                if negate {
                    i += 1;
                }
                let mut matched = false;
                let mut first = true;
                while i < p.len() && (p[i] != ']' || first) {
                    first = false;
                    if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
                        if p[i] <= *c && *c <= p[i + 2] {
                            matched = true;
                        }
                        i += 3;
                    } else {
                        if p[i] == *c {
                            matched = true;
                        }
                        i += 1;
                    }
                }
                if i >= p.len() {
                    // No closing bracket: a literal '['.
                    return *c == '[' && go(&p[1..], &t[1..]);
                }
                matched != negate && go(&p[i + 1..], &t[1..])
            }
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(&p, &t)
}

fn usage(ctx: &Ctx) -> Exit {
    ctx.err(&USAGE.replace("%1$s", "svcadm"));
    Exit(UU_EXIT_USAGE)
}

const USAGE: &str = concat!(
    "Usage: %1$s [-S <state>] [-v] [-Z | -z zone] [cmd [args ... ]]\n\n",
    "\t%1$s enable [-rst] [<service> ...]\t- enable and online service(s)\n",
    "\t%1$s disable [-st] [<service> ...]\t- disable and offline service(s)\n",
    "\t%1$s restart [-d] [<service> ...]\t- restart specified service(s)\n",
    "\t%1$s refresh [<service> ...]\t\t- re-read service configuration\n",
    "\t%1$s mark [-It] <state> [<service> ...] - set maintenance state\n",
    "\t%1$s clear [<service> ...]\t\t- clear maintenance state\n",
    "\t%1$s milestone [-d] <milestone>\t- advance to a service milestone\n",
    "\n\t",
    "Services can be specified using an FMRI, abbreviation, or fnmatch(5)\n",
    "\tpattern, as shown in these examples for svc:/network/smtp:sendmail\n",
    "\n",
    "\t%1$s <cmd> svc:/network/smtp:sendmail\n",
    "\t%1$s <cmd> network/smtp:sendmail\n",
    "\t%1$s <cmd> network/*mail\n",
    "\t%1$s <cmd> network/smtp\n",
    "\t%1$s <cmd> smtp:sendmail\n",
    "\t%1$s <cmd> smtp\n",
    "\t%1$s <cmd> sendmail\n",
);

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    match main(ctx, args) {
        Ok(code) => code,
        Err(Exit(code)) => code,
    }
}

/// getopt(3C)'s own message for an option it does not know (opterr set).
fn illegal_option(ctx: &Ctx, c: char) {
    ctx.err(&format!("{}: illegal option -- {c}\n", argv0("svcadm")));
}

/// What a subcommand does to each instance it is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Enable { temp: bool },
    Disable { temp: bool },
    Restart,
    Refresh,
    Clear,
}

fn main(ctx: &mut Ctx, args: &[String]) -> Result<i32, Exit> {
    if args.is_empty() {
        return Err(usage(ctx));
    }
    let mut verbose = false;
    let mut g = Getopt::new(args, "S:vZz:", 0);
    for o in g.by_ref() {
        match o {
            Opt::Flag('v', _) => verbose = true,
            Opt::Flag(c, _) => {
                ctx.err(&format!("svcadm: -{c} is not simulated\n"));
                return Err(Exit(UU_EXIT_FATAL));
            }
            Opt::Unknown(c) => {
                illegal_option(ctx, c);
                return Err(usage(ctx));
            }
            Opt::MissingArg(c) => {
                ctx.err(&format!(
                    "{}: option requires an argument -- {c}\n",
                    argv0("svcadm")
                ));
                return Err(usage(ctx));
            }
        }
    }
    let start = g.optind;
    let Some(sub) = args.get(start) else {
        return Err(usage(ctx));
    };
    let (spec, action_of): (&str, fn(&[char]) -> Action) = match sub.as_str() {
        "enable" => ("rst", |f| Action::Enable {
            temp: f.contains(&'t'),
        }),
        "disable" => ("st", |f| Action::Disable {
            temp: f.contains(&'t'),
        }),
        "restart" => ("d", |_| Action::Restart),
        "refresh" => ("", |_| Action::Refresh),
        "clear" => ("", |_| Action::Clear),
        "mark" | "milestone" => {
            ctx.err(&format!("svcadm: {sub} is not simulated\n"));
            return Err(Exit(UU_EXIT_FATAL));
        }
        _ => return Err(usage(ctx)),
    };
    let mut flags: Vec<char> = Vec::new();
    let operands_at = if spec.is_empty() {
        start + 1
    } else {
        let mut g = Getopt::new(args, spec, start + 1);
        for o in g.by_ref() {
            match o {
                Opt::Flag(c, _) => flags.push(c),
                Opt::Unknown(c) | Opt::MissingArg(c) => {
                    illegal_option(ctx, c);
                    return Err(usage(ctx));
                }
            }
        }
        g.optind
    };
    let operands = &args[operands_at..];
    if operands.is_empty() {
        return Err(usage(ctx));
    }
    let action = action_of(&flags);
    let wait = flags.contains(&'s');

    let st = ctx
        .store
        .read()
        .map_err(|e| die(ctx, &format!("cannot read state: {e}")))?;
    let w = walk(
        &st.smf.instances,
        operands,
        true,
        "Pattern '%s' doesn't match any instances\n",
    );
    for e in &w.errors {
        ctx.err(&format!("svcadm: {e}"));
    }
    let mut exit = if w.errors.is_empty() {
        0
    } else {
        UU_EXIT_FATAL
    };
    let fmris: Vec<String> = w
        .matches
        .iter()
        .map(|&i| st.smf.instances[i].fmri.clone())
        .collect();
    if fmris.is_empty() {
        return Ok(exit);
    }
    if let Some(f) = ctx.fault("svcadm", sub, None).failure {
        let msg = f.message.unwrap_or_else(|| "Permission denied.".into());
        for fmri in &fmris {
            ctx.err(&format!("svcadm: {fmri}: {msg}\n"));
        }
        return Ok(f.exit);
    }
    let dir = ctx.store.dir().to_path_buf();
    let states = ctx
        .store
        .update(|st| {
            let mut out = Vec::new();
            for fmri in &fmris {
                let Some(idx) = st.smf.index(fmri) else {
                    out.push(None);
                    continue;
                };
                let mut cleared = true;
                match action {
                    Action::Enable { temp } | Action::Disable { temp } => {
                        let on = matches!(action, Action::Enable { .. });
                        let inst = &mut st.smf.instances[idx];
                        if temp {
                            inst.enabled_ovr = Some(on);
                        } else {
                            inst.enabled = on;
                            inst.enabled_ovr = None;
                        }
                        settle(st, &dir, idx);
                    }
                    Action::Restart => restart(st, &dir, idx),
                    Action::Refresh => refresh(st, &dir, idx),
                    Action::Clear => cleared = clear(st, &dir, idx),
                }
                out.push(Some((st.smf.instances[idx].state.clone(), cleared)));
            }
            out
        })
        .map_err(|e| die(ctx, &format!("cannot update state: {e}")))?;
    for (fmri, res) in fmris.iter().zip(states) {
        let Some((state, cleared)) = res else {
            continue;
        };
        match action {
            Action::Enable { temp } => {
                if verbose {
                    ctx.out(&if temp {
                        format!("{fmri} temporarily enabled.\n")
                    } else {
                        format!("{fmri} enabled.\n")
                    });
                }
                if wait && state == MAINTENANCE {
                    ctx.err(&format!(
                        "svcadm: Instance \"{fmri}\" is in maintenance state.\n"
                    ));
                    exit = EXIT_SVC_FAILURE;
                }
            }
            Action::Disable { temp } => {
                if verbose {
                    ctx.out(&if temp {
                        format!("{fmri} temporarily disabled.\n")
                    } else {
                        format!("{fmri} disabled.\n")
                    });
                }
            }
            Action::Restart | Action::Refresh => {
                if verbose {
                    let what = if action == Action::Restart {
                        "restart"
                    } else {
                        "refresh"
                    };
                    ctx.out(&format!("Action {what} set for {fmri}.\n"));
                }
            }
            Action::Clear => {
                if !cleared {
                    ctx.err(&format!(
                        "svcadm: Instance \"{fmri}\" is not in a maintenance or degraded state.\n"
                    ));
                    exit = UU_EXIT_FATAL;
                } else if verbose {
                    ctx.out(&format!("Action maint_off set for {fmri}.\n"));
                }
            }
        }
    }
    Ok(exit)
}

fn die(ctx: &Ctx, msg: &str) -> Exit {
    ctx.err(&format!("svcadm: {msg}\n"));
    Exit(UU_EXIT_FATAL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::smf::SmfState;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn partial_patterns_anchor_on_elements() {
        let f = "svc:/network/ipfilter:default";
        assert!(partial_match("ipfilter", f));
        assert!(partial_match("network/ipfilter", f));
        assert!(partial_match("ipfilter:default", f));
        assert!(partial_match("default", f));
        assert!(!partial_match("filter", f));
        assert!(!partial_match("network", f));
        assert!(!partial_match("svc:", f));
    }

    #[test]
    fn walk_like_libscf() {
        let smf = SmfState::default();
        let i = &smf.instances;
        let w = walk(i, &args(&["ipfilter"]), true, "nomatch '%s'\n");
        assert_eq!(w.matches, vec![smf.index(IPFILTER).unwrap()]);
        let w = walk(i, &args(&["svc:/network/ipfilter"]), true, "x");
        assert_eq!(w.matches.len(), 1);
        let w = walk(i, &args(&["nosuch"]), true, "nomatch '%s'\n");
        assert_eq!(w.errors, vec!["nomatch 'nosuch'\n".to_string()]);
        let w = walk(i, &args(&["legacy-routing"]), true, "x");
        assert_eq!(
            w.errors,
            vec!["Partial FMRI matches multiple instances\n".to_string()]
        );
        assert!(w.matches.is_empty());
        // Without UNIPARTIAL (svcs) both instances match.
        let w = walk(i, &args(&["legacy-routing"]), false, "x");
        assert_eq!(w.matches.len(), 2);
        // An exact service FMRI may name several instances.
        let w = walk(
            i,
            &args(&["svc:/network/routing/legacy-routing"]),
            true,
            "x",
        );
        assert_eq!(w.matches.len(), 2);
        // Globs get svc:/ prepended.
        let w = walk(i, &args(&["network/ipv*-forwarding"]), true, "x");
        assert_eq!(w.matches.len(), 2);
        let w = walk(i, &args(&["nomatch*"]), true, "no '%s'\n");
        assert_eq!(w.errors, vec!["no 'svc:/nomatch*'\n".to_string()]);
    }

    #[test]
    fn fnmatch_basics() {
        assert!(fnmatch("svc:/network/*", "svc:/network/ipfilter:default"));
        assert!(fnmatch("a?c", "abc"));
        assert!(fnmatch("a[b-d]c", "acc"));
        assert!(!fnmatch("a[!b]c", "abc"));
        assert!(!fnmatch("a*d", "abc"));
    }
}
