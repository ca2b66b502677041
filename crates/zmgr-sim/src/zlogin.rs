//! `zlogin ZONE COMMAND…`: runs nothing, but records the command and
//! answers from `STATE/zlogin.rules`.
//!
//! As zlogin.c's `prep_args` does, the words are joined into one string for
//! the zone's shell (quoted only when there are several and a word holds a
//! space or TAB), which zshell.rs splits again into simple commands; each
//! is answered on its own.
//!
//! Rule lines: `[zone=NAME] [exit=N] [stdout=TEXT] [stderr=TEXT] -- PREFIX`.
//! TEXT is a word or a double-quoted string with `\n`, `\t`, `\\` and `\"`
//! escapes. The first rule whose zone matches and whose PREFIX starts the
//! command (its words joined by single spaces) decides; without one the
//! command succeeds silently.

use std::path::Path;

use crate::ctx::{self, Ctx};
use crate::getopt::{Getopt, Opt};
use crate::state::{ZloginRecord, Zone, ZoneState};
use crate::zshell;

pub const RULES_FILE: &str = "zlogin.rules";

const USAGE: &str =
    "usage: zlogin [ -nQCES ] [ -e cmdchar ] [-l user] zonename [command [argument ...] ]\n";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    pub zone: Option<String>,
    pub exit: i32,
    pub stdout: String,
    pub stderr: String,
    pub prefix: String,
}

/// Reads one TEXT value: a quoted string with escapes, or a bare word.
fn value(s: &str) -> Result<(String, &str), String> {
    if let Some(rest) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((out, &rest[i + 1..])),
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, c)) => out.push(c),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err("unterminated quoted string".into())
    } else {
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        Ok((s[..end].to_string(), &s[end..]))
    }
}

pub fn parse_rules(text: &str) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let err = |e: String| format!("{}: {e}", n + 1);
        let mut rule = Rule::default();
        let mut rest = trimmed;
        loop {
            rest = rest.trim_start();
            if let Some(p) = rest.strip_prefix("--") {
                rule.prefix = p.trim().to_string();
                break;
            }
            let Some((key, after)) = rest.split_once('=') else {
                return Err(err("expected KEY=VALUE or '-- COMMAND'".into()));
            };
            let (v, after) = value(after).map_err(err)?;
            rest = after;
            match key {
                "zone" => rule.zone = Some(v),
                "exit" => rule.exit = v.parse().map_err(|_| err(format!("bad exit '{v}'")))?,
                "stdout" => rule.stdout = v,
                "stderr" => rule.stderr = v,
                other => return Err(err(format!("unknown key '{other}'"))),
            }
        }
        rules.push(rule);
    }
    Ok(rules)
}

pub fn find<'a>(rules: &'a [Rule], zone: &str, command: &str) -> Option<&'a Rule> {
    rules
        .iter()
        .find(|r| r.zone.as_deref().is_none_or(|z| z == zone) && command.starts_with(&r.prefix))
}

fn load_rules(dir: &Path) -> Result<Vec<Rule>, String> {
    let path = dir.join(RULES_FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => parse_rules(&t).map_err(|e| format!("{}:{e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// zlogin.c `usage()`, then exit 2.
fn usage(ctx: &Ctx) -> i32 {
    ctx.err(USAGE);
    2
}

/// The errno text of a tcgetattr on something that is not a terminal (ENOTTY).
const ENOTTY: &str = "Inappropriate ioctl for device";

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    // zlogin.c main: getopt "nECR:Se:l:Q" (-d: older releases' debug flag).
    let mut g = Getopt::new(args, "dnCEQSR:e:l:", 0);
    let (mut console, mut quiet, mut nocmdchar) = (false, false, false);
    let (mut lflag, mut nflag, mut failsafe) = (false, false, false);
    let mut cmdchar = '~';
    for o in g.by_ref() {
        match o {
            Opt::Flag('C', _) => console = true,
            Opt::Flag('Q', _) => quiet = true,
            Opt::Flag('E', _) => nocmdchar = true,
            Opt::Flag('l', _) => lflag = true,
            Opt::Flag('n', _) => nflag = true,
            Opt::Flag('S', _) => failsafe = true,
            Opt::Flag('e', Some(c)) => cmdchar = c.chars().next().unwrap_or('~'),
            Opt::Flag(_, _) => {}
            _ => return usage(ctx),
        }
    }
    if console {
        for (set, flag) in [(lflag, 'l'), (nflag, 'n'), (failsafe, 'S')] {
            if set {
                ctx.err(&format!(
                    "zlogin: -{flag} may not be specified for console login\n"
                ));
                return usage(ctx);
            }
        }
    }
    let rest = &args[g.optind..];
    let Some(zone) = rest.first().cloned() else {
        return usage(ctx);
    };
    let command: Vec<String> = rest[1..].to_vec();
    if console && !command.is_empty() {
        ctx.err("zlogin: Commands may not be specified for console login.\n");
        return usage(ctx);
    }
    let st = match ctx.store.read() {
        Ok(s) => s,
        Err(e) => {
            ctx.err(&format!("zlogin: {e}\n"));
            return 1;
        }
    };
    let Some(z) = st.zone(&zone) else {
        ctx.err(&format!("zlogin: zone '{zone}' unknown\n"));
        return 1;
    };
    if z.state < ZoneState::Installed {
        ctx.err(&format!(
            "zlogin: cannot login to a zone which is '{}'\n",
            z.state.as_str()
        ));
        return 1;
    }
    let escape = (!nocmdchar).then_some(cmdchar);
    if console {
        let exit = console_session(ctx, &zone, quiet, escape);
        return record(
            ctx,
            &zone,
            "console",
            Vec::new(),
            String::new(),
            Vec::new(),
            exit,
        );
    }
    if z.state != ZoneState::Running && z.state != ZoneState::Mounted {
        ctx.err(&format!(
            "zlogin: login allowed only to running zones ({zone} is '{}').\n",
            z.state.as_str()
        ));
        return 1;
    }
    let rules = match load_rules(ctx.store.dir()) {
        Ok(r) => r,
        Err(e) => {
            ctx.err(&format!("zlogin: bad rule: {e}\n"));
            return 2;
        }
    };
    let delay = ctx.settings.multi_user_delay;
    if command.is_empty() {
        // Interactive only when standard input is a terminal (zlogin.c main); otherwise the
        // zone's login shell reads its commands from standard input.
        if ctx.stdin_is_tty() {
            let exit = interactive_session(ctx, z, &rules, delay, quiet, escape);
            return record(
                ctx,
                &zone,
                "interactive",
                Vec::new(),
                String::new(),
                Vec::new(),
                exit,
            );
        }
        let script = ctx.read_stdin_all();
        let (exit, commands) = run_line(ctx, z, &rules, &script, delay);
        return record(ctx, &zone, "shell", Vec::new(), script, commands, exit);
    }
    // prep_args: `su root -c LINE`, which the zone's shell parses again.
    let line = zshell::join_args(&command);
    if !ctx.stdin_is_tty() {
        ctx.read_stdin_all();
    }
    let (exit, commands) = run_line(ctx, z, &rules, &line, delay);
    record(ctx, &zone, "command", command, line, commands, exit)
}

/// Runs one shell line (or script) in the zone: fault rules first (on its first word),
/// then each simple command. Returns the status and the parsed commands.
fn run_line(
    ctx: &Ctx,
    z: &Zone,
    rules: &[Rule],
    line: &str,
    delay: f64,
) -> (i32, Vec<Vec<String>>) {
    let parsed = zshell::parse(line);
    let commands: Vec<Vec<String>> = match &parsed {
        Ok(c) => c.iter().map(|c| c.words.clone()).collect(),
        Err(_) => Vec::new(),
    };
    let first = commands
        .first()
        .and_then(|c| c.first())
        .cloned()
        .unwrap_or_default();
    let outcome = ctx.fault("zlogin", &first, Some(&z.name));
    let exit = if let Some(f) = outcome.failure {
        ctx.err(&format!(
            "zlogin: {}\n",
            f.message.as_deref().unwrap_or("command failed")
        ));
        f.exit
    } else {
        match parsed {
            Err(e) => {
                ctx.err(&format!("sh: {e}\n"));
                2
            }
            Ok(cmds) => run_list(ctx, z, rules, &cmds, delay),
        }
    };
    (exit, commands)
}

/// The console (zlogin.c main, "console login"): `[Connected to zone 'Z' console]` on
/// stdout, then the terminal goes to raw mode, which fails when standard input is not a
/// terminal (`set_tty_rawmode`: zperror of tcgetattr, then of the caller). The simulated
/// console echoes each line typed until the escape sequence (`~.` at the start of a line,
/// process_user_input) or the end of input, then prints `[Connection to zone 'Z' console
/// closed]` after an empty line.
fn console_session(ctx: &mut Ctx, zone: &str, quiet: bool, escape: Option<char>) -> i32 {
    if !quiet {
        ctx.out(&format!("[Connected to zone '{zone}' console]\n"));
    }
    if !ctx.stdin_is_tty() {
        ctx.err(&format!(
            "zlogin: failed to get user terminal settings: {ENOTTY}\nzlogin: failed to set stdin pty to raw mode: {ENOTTY}\n"
        ));
        return 1;
    }
    while let Some(l) = ctx.read_stdin_line() {
        if is_escape(&l, escape) {
            break;
        }
        ctx.out(&l);
    }
    if !quiet {
        ctx.out(&format!("\n[Connection to zone '{zone}' console closed]\n"));
    }
    0
}

/// An interactive login (zlogin.c main): `[Connected to zone 'Z' pts/N]` on stdout, then
/// each line typed runs in the zone, until `exit`, the escape sequence or the end of input,
/// and `[Connection to zone 'Z' pts/N closed]` on stderr after an empty line.
fn interactive_session(
    ctx: &mut Ctx,
    z: &Zone,
    rules: &[Rule],
    delay: f64,
    quiet: bool,
    escape: Option<char>,
) -> i32 {
    let pts = format!("pts/{}", z.zlogin.len() + 1);
    if !quiet {
        ctx.out(&format!("[Connected to zone '{}' {pts}]\n", z.name));
    }
    while let Some(l) = ctx.read_stdin_line() {
        if is_escape(&l, escape) || l.trim() == "exit" {
            break;
        }
        run_line(ctx, z, rules, &l, delay);
    }
    if !quiet {
        ctx.err(&format!(
            "\n[Connection to zone '{}' {pts} closed]\n",
            z.name
        ));
    }
    0
}

/// Whether a typed line is the disconnect sequence: the command character, then `.`.
fn is_escape(line: &str, escape: Option<char>) -> bool {
    escape.is_some_and(|c| line.trim_end().strip_prefix(c) == Some("."))
}

/// Keeps the session in the zone's history, with zlogin's process ID.
fn record(
    ctx: &mut Ctx,
    zone: &str,
    mode: &str,
    command: Vec<String>,
    shell_line: String,
    commands: Vec<Vec<String>>,
    exit: i32,
) -> i32 {
    let record = ZloginRecord {
        command,
        stdin: ctx.stdin_read.clone().filter(|s| !s.is_empty()),
        exit,
        time: ctx::now(),
        shell_line,
        commands,
        mode: mode.to_string(),
        pid: std::process::id(),
    };
    if let Err(e) = ctx.store.update(|st| {
        if let Some(z) = st.zone_mut(zone) {
            z.zlogin.push(record);
        }
    }) {
        ctx.err(&format!("zlogin: {e}\n"));
        return 1;
    }
    exit
}

/// Runs a parsed list as the shell would: `&&` and `||` look at the last
/// status, a pipeline's status is its last command's, and the output of a
/// command whose stdout goes to a file or a pipe is not shown.
fn run_list(ctx: &Ctx, z: &Zone, rules: &[Rule], cmds: &[zshell::Command], delay: f64) -> i32 {
    let mut status = 0;
    for c in cmds {
        let run = match c.join {
            zshell::Join::And => status == 0,
            zshell::Join::Or => status != 0,
            _ => true,
        };
        if !run || c.words.is_empty() {
            continue;
        }
        let (out, err, code) = run_simple(z, rules, &c.words, delay);
        if !c.stdout_redirected && !c.piped {
            ctx.out(&out);
        }
        ctx.err(&err);
        status = code;
    }
    status
}

/// One simple command: the first matching rule of zlogin.rules, else a
/// built-in (`svcs` for the milestones, `echo`, `true`, `false`, `:`),
/// else nothing and status 0.
fn run_simple(z: &Zone, rules: &[Rule], words: &[String], delay: f64) -> (String, String, i32) {
    if let Some(r) = find(rules, &z.name, &words.join(" ")) {
        return (r.stdout.clone(), r.stderr.clone(), r.exit);
    }
    let name = words[0].rsplit('/').next().unwrap_or_default();
    match name {
        "echo" => (format!("{}\n", words[1..].join(" ")), String::new(), 0),
        "true" | ":" => (String::new(), String::new(), 0),
        "false" => (String::new(), String::new(), 1),
        "svcs" => svcs(z, &words[1..], delay).unwrap_or_default(),
        _ => (String::new(), String::new(), 0),
    }
}

/// The milestones the simulated zone's SMF knows; they come online
/// `multi-user-delay` seconds after boot.
const MILESTONES: [&str; 2] = [
    "svc:/milestone/multi-user:default",
    "svc:/milestone/multi-user-server:default",
];

/// Whether an svcs operand names the FMRI: the whole FMRI, or its end at a
/// `/` boundary, with or without `svc:/` and the `:default` instance.
fn fmri_matches(pattern: &str, fmri: &str) -> bool {
    let pat = pattern.strip_prefix("svc:/").unwrap_or(pattern);
    let full = fmri.strip_prefix("svc:/").unwrap_or(fmri);
    let bare = full.strip_suffix(":default").unwrap_or(full);
    [full, bare]
        .iter()
        .any(|f| *f == pat || f.ends_with(&format!("/{pat}")))
}

/// `svcs [-H] [-o COLS] FMRI…` for the milestones (svcs(1): columns
/// STATE (14), STIME (8), FMRI). Other uses are not answered here.
fn svcs(z: &Zone, args: &[String], delay: f64) -> Option<(String, String, i32)> {
    let mut g = Getopt::new(args, "Ho:", 0);
    let mut header = true;
    let mut cols: Vec<String> = vec!["state".into(), "stime".into(), "fmri".into()];
    for o in g.by_ref() {
        match o {
            Opt::Flag('H', _) => header = false,
            Opt::Flag('o', Some(c)) => {
                cols = c.split(',').map(|x| x.to_ascii_lowercase()).collect();
            }
            _ => return None,
        }
    }
    if cols
        .iter()
        .any(|c| !["state", "stime", "fmri"].contains(&c.as_str()))
    {
        return None;
    }
    let operands = &args[g.optind..];
    if operands.is_empty() {
        return None;
    }
    let mut fmris = Vec::new();
    for op in operands {
        let m: Vec<&str> = MILESTONES
            .iter()
            .copied()
            .filter(|f| fmri_matches(op, f))
            .collect();
        if m.is_empty() {
            return None;
        }
        fmris.extend(m);
    }
    let booted = z.booted_at_ms.unwrap_or(0);
    let online_at = booted + (delay * 1000.0) as u64;
    let now = now_ms();
    let (state, since) = if now >= online_at {
        ("online", online_at)
    } else {
        ("offline", booted)
    };
    let stime = {
        let s = since / 1000 % 86400;
        format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    };
    let line = |vals: Vec<String>| -> String {
        let n = vals.len();
        let mut l = String::new();
        for (i, (c, v)) in cols.iter().zip(vals).enumerate() {
            if i + 1 == n {
                l.push_str(&v);
            } else {
                let w = if c == "state" { 14 } else { 8 };
                l.push_str(&format!("{v:<w$} "));
            }
        }
        l.push('\n');
        l
    };
    let mut out = String::new();
    if header {
        out.push_str(&line(cols.iter().map(|c| c.to_ascii_uppercase()).collect()));
    }
    for f in fmris {
        out.push_str(&line(
            cols.iter()
                .map(|c| match c.as_str() {
                    "state" => state.to_string(),
                    "stime" => stime.clone(),
                    _ => f.to_string(),
                })
                .collect(),
        ));
    }
    Some((out, String::new(), 0))
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_match_first() {
        let rules = parse_rules(
            "# comment\nzone=web1 exit=3 stderr=\"no\\n\" -- svcs -x\nstdout=\"online\\n\" -- svcs\n-- \n",
        )
        .unwrap();
        assert_eq!(rules.len(), 3);
        let r = find(&rules, "web1", "svcs -x foo").unwrap();
        assert_eq!((r.exit, r.stderr.as_str()), (3, "no\n"));
        let r = find(&rules, "web2", "svcs -x foo").unwrap();
        assert_eq!(r.stdout, "online\n");
        assert_eq!(find(&rules, "web2", "true").unwrap().prefix, "");
        assert!(parse_rules("exit=x -- a\n").is_err());
        assert!(parse_rules("stdout=\"open -- a\n").is_err());
    }
}
