//! `svcs` and `svcprop` in the simulated global zone, over the instances of
//! svcadm.rs.
//!
//! Sources: illumos-gate usr/src/cmd/svc/svcs/svcs.c (options, columns and
//! their widths, trailing-blank trimming, messages) and
//! usr/src/cmd/svc/svcprop/svcprop.c (`-p`, `quote_for_shell`, messages).

use crate::ctx::{Ctx, Exit};
use crate::getopt::{Getopt, Opt};
use crate::state::smf::{IPFILTER, Instance};
use crate::svcadm::{ipnat_conf_path, walk};

const UU_EXIT_FATAL: i32 = 1;
const UU_EXIT_USAGE: i32 = 2;

/// MAX_SCF_STATE_STRING_SZ.
const STATE_SZ: usize = 14;

/// The columns the simulator prints: name, width (svcs.c `columns[]`).
const COLUMNS: &[(&str, usize)] = &[
    ("FMRI", 50),
    ("STATE", STATE_SZ),
    ("STIME", 8),
    ("ZONE", 16),
];

/// svcs.c's other columns, which the simulator does not fill in.
const OTHER_COLUMNS: &[&str] = &[
    "CTID", "DESC", "INST", "N", "NSTA", "NSTATE", "S", "SCOPE", "SN", "SVC", "STA",
];

fn usage_text(progname: &str) -> String {
    format!(
        concat!(
            "Usage: {p} [-aHpv] [-o col[,col ... ]] [-R restarter] [-sS col] [-Z | -z zone ]\n",
            "            [<service> ...]\n",
            "       {p} -d | -D [-Hpv] [-o col[,col ... ]] [-sS col] [-Z | -z zone ]\n",
            "            [<service> ...]\n",
            "       {p} [-l | -L] [-Z | -z zone] <service> ...\n",
            "       {p} -x [-v] [-Z | -z zone] [<service> ...]\n",
            "       {p} -?\n",
        ),
        p = progname
    )
}

fn argserr(ctx: &Ctx) -> Exit {
    ctx.err(&usage_text("svcs"));
    Exit(UU_EXIT_USAGE)
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    match svcs(ctx, args) {
        Ok(code) | Err(Exit(code)) => code,
    }
}

/// The sort key for the STATE column (svcs.c `sortkey_states`).
fn state_rank(state: &str) -> u8 {
    match state {
        "disabled" => 1,
        "online" => 2,
        "degraded" => 3,
        "offline" => 4,
        "maintenance" => 5,
        "uninitialized" => 6,
        _ => 7,
    }
}

/// STIME: `%k:%M:%S` for the last 24 hours, `%b_%d` for a year, else the
/// year; `-` when the time is not known. In UTC: the simulator does not
/// read the time zone.
fn stime(t: u64, now: u64) -> String {
    if t == 0 {
        return "-".into();
    }
    let secs = t % 86_400;
    let (hour, min, sec) = (secs / 3600, secs / 60 % 60, secs % 60);
    let (year, month, day) = civil_date(t / 86_400);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let age = now.saturating_sub(t);
    if age < 24 * 60 * 60 {
        format!("{hour:>2}:{min:02}:{sec:02}")
    } else if age < 12 * 30 * 24 * 60 * 60 {
        format!("{}_{day:02}  ", MONTHS[(month - 1) as usize])
    } else {
        format!("{year}    ")
    }
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (the
/// proleptic Gregorian calendar, Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

fn svcs(ctx: &mut Ctx, args: &[String]) -> Result<i32, Exit> {
    let mut show_all = false;
    let mut header = true;
    let mut columns: Option<String> = None;
    let mut sort: Vec<(usize, bool)> = Vec::new();
    let mut g = Getopt::new(args, "aHpvno:R:s:S:dDlL?xZz:", 0);
    for o in g.by_ref() {
        match o {
            Opt::Flag('a', _) => show_all = true,
            Opt::Flag('H', _) => header = false,
            Opt::Flag('o', Some(v)) => columns = Some(v),
            Opt::Flag(c @ ('s' | 'S'), Some(v)) => {
                match COLUMNS.iter().position(|(n, _)| n.eq_ignore_ascii_case(&v)) {
                    Some(i) => sort.push((i, c == 'S')),
                    None if OTHER_COLUMNS.iter().any(|n| n.eq_ignore_ascii_case(&v)) => {
                        ctx.err(&format!("svcs: column {v} is not simulated\n"));
                        return Err(Exit(UU_EXIT_FATAL));
                    }
                    None => {
                        ctx.err(&format!("svcs: Unrecognized sort column \"{v}\".\n"));
                        return Err(Exit(UU_EXIT_FATAL));
                    }
                }
            }
            Opt::Flag('?', _) => {
                ctx.out(&usage_text("svcs"));
                return Ok(0);
            }
            Opt::Flag(c, _) => {
                ctx.err(&format!("svcs: -{c} is not simulated\n"));
                return Err(Exit(UU_EXIT_FATAL));
            }
            Opt::Unknown(c) => {
                ctx.err(&format!(
                    "{}: illegal option -- {c}\n",
                    crate::ctx::argv0("svcs")
                ));
                return Err(argserr(ctx));
            }
            Opt::MissingArg(c) => {
                ctx.err(&format!(
                    "{}: option requires an argument -- {c}\n",
                    crate::ctx::argv0("svcs")
                ));
                return Err(argserr(ctx));
            }
        }
    }
    let operands = &args[g.optind..];
    if show_all && !operands.is_empty() {
        ctx.err("svcs: -a ignored when used with arguments.\n");
    }
    let default_columns = columns.is_none();
    let cols: Vec<usize> = {
        let spec = columns.unwrap_or_else(|| "state,stime,fmri".into());
        let mut v = Vec::new();
        for name in spec.split(',') {
            match COLUMNS
                .iter()
                .position(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                Some(i) => v.push(i),
                None if OTHER_COLUMNS.iter().any(|n| n.eq_ignore_ascii_case(name)) => {
                    ctx.err(&format!("svcs: column {name} is not simulated\n"));
                    return Err(Exit(UU_EXIT_FATAL));
                }
                None => {
                    ctx.err(&format!("svcs: Unknown column \"{name}\".\n"));
                    return Err(Exit(UU_EXIT_FATAL));
                }
            }
        }
        v
    };
    if default_columns && sort.is_empty() {
        sort = vec![(1, false), (2, false), (0, false)];
    }
    if let Some(f) = ctx.fault("svcs", "list", None).failure {
        let msg = f.message.unwrap_or_else(|| {
            "Could not bind to repository server: repository server unavailable.  Exiting.".into()
        });
        ctx.err(&format!("svcs: {msg}\n"));
        return Ok(f.exit);
    }
    let st = ctx.store.read().map_err(|e| {
        ctx.err(&format!("svcs: cannot read state: {e}\n"));
        Exit(UU_EXIT_FATAL)
    })?;
    let insts = &st.smf.instances;
    let mut exit = 0;
    let selected: Vec<&Instance> = if operands.is_empty() {
        insts
            .iter()
            .filter(|i| show_all || i.enabled || i.enabled_ovr == Some(true))
            .collect()
    } else {
        let w = walk(
            insts,
            operands,
            false,
            "Pattern '%s' doesn't match any instances\n",
        );
        for e in &w.errors {
            ctx.err(&format!("svcs: {e}"));
            exit = UU_EXIT_FATAL;
        }
        w.matches.iter().map(|&i| &insts[i]).collect()
    };
    let now = crate::ctx::now();
    let mut rows: Vec<(&Instance, String)> = selected
        .into_iter()
        .map(|inst| {
            let mut line = String::new();
            for &c in &cols {
                match COLUMNS[c].0 {
                    "FMRI" => line.push_str(&format!("{:<50} ", inst.fmri)),
                    // sprint_state and sprint_stime format `%-15s ` and
                    // `%-9s ` into buffers one byte short, so snprintf
                    // drops the separating space: the values line up with
                    // the 14- and 8-wide header columns and their blanks.
                    "STATE" => line.push_str(&format!("{:<w$}", inst.state, w = STATE_SZ + 1)),
                    "STIME" => line.push_str(&format!("{:<9}", stime(inst.stime, now))),
                    _ => line.push_str(&format!("{:<16} ", "global")),
                }
            }
            (inst, line.trim_end_matches(' ').to_string())
        })
        .collect();
    if !sort.is_empty() {
        rows.sort_by(|(a, _), (b, _)| {
            for &(c, rev) in &sort {
                let o = match COLUMNS[c].0 {
                    "STATE" => state_rank(&a.state).cmp(&state_rank(&b.state)),
                    "STIME" => a.stime.cmp(&b.stime),
                    "FMRI" => a.fmri.cmp(&b.fmri),
                    _ => std::cmp::Ordering::Equal,
                };
                let o = if rev { o.reverse() } else { o };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let mut out = String::new();
    if header {
        let mut line = String::new();
        for &c in &cols {
            let (name, width) = COLUMNS[c];
            line.push_str(&format!("{name:<width$} "));
        }
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    for (_, line) in rows {
        out.push_str(&line);
        out.push('\n');
    }
    ctx.out(&out);
    Ok(exit)
}

/// svcprop's `quote_for_shell`.
fn quote_for_shell(s: &str) -> String {
    if s.is_empty() {
        return "\"\"".into();
    }
    let mut out = String::new();
    for c in s.chars() {
        if ";&()|^<>\n \t\\\"'`".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn svcprop_usage(ctx: &Ctx) -> Exit {
    ctx.err(concat!(
        "Usage: svcprop [-fqtv] [-C | -c | -s snapshot] [-z zone] [-p [name/]name]... \n",
        "         {FMRI | pattern}...\n",
        "       svcprop -w [-fqtv] [-z zone] [-p [name/]name] {FMRI | pattern}\n",
    ));
    Exit(UU_EXIT_USAGE)
}

/// The properties the simulator knows: the `config` group of
/// network/ipfilter (ipfilter.xml), with the paths mapped into the state
/// directory.
fn property(ctx: &Ctx, fmri: &str, pg: &str, prop: &str) -> Option<(String, String)> {
    if fmri != IPFILTER || pg != "config" {
        return None;
    }
    let dir = ctx.store.dir();
    let path = match prop {
        "ipnat_config_file" => ipnat_conf_path(dir),
        "ipf6_config_file" => dir.join("etc/ipf/ipf6.conf"),
        "ippool_config_file" => dir.join("etc/ipf/ippool.conf"),
        _ => return None,
    };
    Some(("astring".into(), path.to_string_lossy().into_owned()))
}

pub fn run_svcprop(ctx: &mut Ctx, args: &[String]) -> i32 {
    match svcprop(ctx, args) {
        Ok(code) | Err(Exit(code)) => code,
    }
}

fn svcprop(ctx: &mut Ctx, args: &[String]) -> Result<i32, Exit> {
    let mut props: Vec<(String, Option<String>)> = Vec::new();
    let mut types = false;
    let mut quiet = false;
    let mut g = Getopt::new(args, "Ccfp:qs:tvwz:", 0);
    for o in g.by_ref() {
        match o {
            Opt::Flag('p', Some(p)) => {
                let mut parts = p.splitn(2, '/');
                let a = parts.next().unwrap_or_default().to_string();
                let b = parts.next().map(str::to_string);
                if b.as_deref().is_some_and(|b| b.contains('/')) {
                    ctx.err(&format!(
                        "svcprop: -p argument `{p}' has too many components.\n"
                    ));
                    return Err(svcprop_usage(ctx));
                }
                props.push((a, b));
            }
            Opt::Flag('t', _) => types = true,
            Opt::Flag('q', _) => quiet = true,
            Opt::Flag(c, _) => {
                ctx.err(&format!("svcprop: -{c} is not simulated\n"));
                return Err(Exit(UU_EXIT_FATAL));
            }
            Opt::Unknown(c) => {
                ctx.err(&format!(
                    "{}: illegal option -- {c}\n",
                    crate::ctx::argv0("svcprop")
                ));
                return Err(svcprop_usage(ctx));
            }
            Opt::MissingArg(c) => {
                ctx.err(&format!(
                    "{}: option requires an argument -- {c}\n",
                    crate::ctx::argv0("svcprop")
                ));
                return Err(svcprop_usage(ctx));
            }
        }
    }
    let operands = &args[g.optind..];
    if operands.is_empty() {
        return Err(svcprop_usage(ctx));
    }
    if props.is_empty() || props.iter().any(|(_, b)| b.is_none()) {
        ctx.err("svcprop: only -p pg/prop is simulated\n");
        return Err(Exit(UU_EXIT_FATAL));
    }
    if let Some(f) = ctx.fault("svcprop", "get", None).failure {
        let msg = f.message.unwrap_or_else(|| {
            "Could not connect to configuration repository: repository server unavailable.".into()
        });
        ctx.err(&format!("svcprop: {msg}\n"));
        return Ok(f.exit);
    }
    let st = ctx.store.read().map_err(|e| {
        ctx.err(&format!("svcprop: cannot read state: {e}\n"));
        Exit(UU_EXIT_FATAL)
    })?;
    let w = walk(
        &st.smf.instances,
        operands,
        false,
        "Pattern '%s' doesn't match any entities\n",
    );
    let mut exit = 0;
    for e in &w.errors {
        if !quiet {
            ctx.err(&format!("svcprop: {e}"));
        }
        exit = UU_EXIT_FATAL;
    }
    let mut out = String::new();
    for &i in &w.matches {
        let fmri = &st.smf.instances[i].fmri;
        for (pg, prop) in &props {
            let prop = prop.as_deref().unwrap_or_default();
            match property(ctx, fmri, pg, prop) {
                Some((ty, value)) => {
                    if quiet {
                        continue;
                    }
                    if types {
                        out.push_str(&format!("{pg}/{prop} {ty} "));
                    }
                    out.push_str(&quote_for_shell(&value));
                    out.push('\n');
                }
                None => {
                    if !quiet {
                        if pg == "config" && fmri == IPFILTER {
                            ctx.err(&format!(
                                "svcprop: Couldn't find property `{pg}/{prop}' for instance `{fmri}'.\n"
                            ));
                        } else {
                            ctx.err(&format!(
                                "svcprop: Couldn't find property group `{pg}' for instance `{fmri}'.\n"
                            ));
                        }
                    }
                    exit = UU_EXIT_FATAL;
                }
            }
        }
    }
    ctx.out(&out);
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(
            quote_for_shell("/etc/ipf/ipnat.conf"),
            "/etc/ipf/ipnat.conf"
        );
        assert_eq!(quote_for_shell("a b"), "a\\ b");
        assert_eq!(quote_for_shell(""), "\"\"");
    }

    #[test]
    fn state_sort_order() {
        assert!(state_rank("disabled") < state_rank("online"));
        assert!(state_rank("online") < state_rank("maintenance"));
    }
}
