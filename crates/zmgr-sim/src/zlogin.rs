//! `zlogin ZONE COMMAND…`: runs nothing, but records the command and
//! answers from `STATE/zlogin.rules`.
//!
//! Rule lines: `[zone=NAME] [exit=N] [stdout=TEXT] [stderr=TEXT] -- PREFIX`.
//! TEXT is a word or a double-quoted string with `\n`, `\t`, `\\` and `\"`
//! escapes. The first rule whose zone matches and whose PREFIX starts the
//! command (its words joined by single spaces) decides; without one the
//! command succeeds silently.

use std::path::Path;

use crate::ctx::{self, Ctx};
use crate::getopt::{Getopt, Opt};
use crate::state::{ZloginRecord, ZoneState};

pub const RULES_FILE: &str = "zlogin.rules";

const USAGE: &str =
    "usage: zlogin [ -dCEQS ] [ -e cmdchar ] [-l user] zonename [command [argument ...] ]\n";

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

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    let mut g = Getopt::new(args, "dCEQSe:l:", 0);
    for o in g.by_ref() {
        match o {
            Opt::Flag('C', _) => {
                ctx.err("zlogin: console login (-C) is not available in the simulator\n");
                return 1;
            }
            Opt::Flag(_, _) => {}
            _ => {
                ctx.err(USAGE);
                return 2;
            }
        }
    }
    let rest = &args[g.optind..];
    let Some(zone) = rest.first().cloned() else {
        ctx.err(USAGE);
        return 2;
    };
    let command: Vec<String> = rest[1..].to_vec();
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
    if z.state != ZoneState::Running {
        ctx.err(&format!(
            "zlogin: login allowed only to running zones ({zone} is '{}').\n",
            z.state.as_str()
        ));
        return 1;
    }
    if command.is_empty() {
        ctx.err("zlogin: interactive login is not available in the simulator; give a command\n");
        return 1;
    }
    let line = command.join(" ");
    if !ctx.stdin_is_tty() {
        ctx.read_stdin_all();
    }
    let first = command[0].clone();
    let outcome = ctx.fault("zlogin", &first, Some(&zone));
    let exit = if let Some(f) = outcome.failure {
        ctx.err(&format!(
            "zlogin: {}\n",
            f.message.as_deref().unwrap_or("command failed")
        ));
        f.exit
    } else {
        let rules = match load_rules(ctx.store.dir()) {
            Ok(r) => r,
            Err(e) => {
                ctx.err(&format!("zlogin: bad rule: {e}\n"));
                return 2;
            }
        };
        match find(&rules, &zone, &line) {
            Some(r) => {
                ctx.out(&r.stdout);
                ctx.err(&r.stderr);
                r.exit
            }
            None => 0,
        }
    };
    let record = ZloginRecord {
        command,
        stdin: ctx.stdin_read.clone().filter(|s| !s.is_empty()),
        exit,
        time: ctx::now(),
    };
    if let Err(e) = ctx.store.update(|st| {
        if let Some(z) = st.zone_mut(&zone) {
            z.zlogin.push(record);
        }
    }) {
        ctx.err(&format!("zlogin: {e}\n"));
        return 1;
    }
    exit
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
