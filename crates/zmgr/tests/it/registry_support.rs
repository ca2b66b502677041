//! Shared helpers for the registry tests: reading miette diagnostics back from stderr, and
//! running zmgr on bad input while proving that nothing was written.

use crate::harness::{Run, TestEnv};

/// One diagnostic as a user reads it on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    /// `×` (true) or `⚠` (false).
    pub error: bool,
    pub message: String,
    /// `path:line:col` from the `╭─[…]` header, with the temp dir as `$DIR`.
    pub position: Option<String>,
    /// The labels under the offending text.
    pub labels: Vec<String>,
    pub help: Option<String>,
    /// The source lines shown, without their gutter.
    pub source: Vec<String>,
    /// Printed as a second place of the previous diagnostic (`Error:` before it).
    pub related: bool,
}

/// Joins a wrapped line back on; the renderer wraps at spaces and after hyphens.
fn join(acc: &mut String, piece: &str) {
    if !acc.ends_with('-') {
        acc.push(' ');
    }
    acc.push_str(piece);
}

/// Every diagnostic in `stderr`, in the order printed, text normalised with `env`.
pub fn diags(env: &TestEnv, stderr: &str) -> Vec<Diag> {
    #[derive(PartialEq)]
    enum In {
        Nothing,
        Message,
        Help,
    }
    let mut out: Vec<Diag> = Vec::new();
    let mut related = false;
    let mut state = In::Nothing;
    for line in stderr.lines() {
        let marker = ["  × ", "  ⚠ ", "  ☞ "]
            .iter()
            .find(|m| line.starts_with(**m));
        if let Some(m) = marker {
            // A related diagnostic (the other file) is marked ☞, right after its own.
            out.push(Diag {
                error: m.contains('×'),
                message: line[m.len()..].trim_end().to_string(),
                position: None,
                labels: Vec::new(),
                help: None,
                source: Vec::new(),
                related: related || m.contains('☞'),
            });
            related = false;
            state = In::Message;
            continue;
        }
        if line.trim_end() == "Error:" || line.trim_end() == "Warning:" {
            related = true;
            state = In::Nothing;
            continue;
        }
        if line.starts_with("zmgr: ") {
            state = In::Nothing;
            continue;
        }
        let Some(d) = out.last_mut() else { continue };
        if state == In::Message
            && let Some(rest) = line.strip_prefix("  │ ")
        {
            join(&mut d.message, rest.trim());
            continue;
        }
        if let Some(rest) = line.strip_prefix("  help: ") {
            d.help = Some(rest.trim().to_string());
            state = In::Help;
            continue;
        }
        if state == In::Help
            && let Some(rest) = line.strip_prefix("        ")
        {
            join(d.help.as_mut().unwrap(), rest.trim());
            continue;
        }
        state = In::Nothing;
        if let Some(i) = line.find("╭─[") {
            let rest = &line[i + "╭─[".len()..];
            let end = rest.rfind(']').unwrap_or(rest.len());
            d.position = Some(rest[..end].to_string());
            continue;
        }
        let t = line.trim_start();
        if t.starts_with('·') {
            if let Some(i) = t.find("╰─") {
                let label = t[i..].trim_start_matches(['╰', '─']).trim();
                if !label.is_empty() {
                    d.labels.push(label.to_string());
                }
            }
            continue;
        }
        if let Some((num, text)) = t.split_once(" │ ")
            && !num.is_empty()
            && num.chars().all(|c| c.is_ascii_digit())
        {
            d.source.push(text.to_string());
        }
    }
    for d in &mut out {
        d.message = env.normalise(&d.message);
        d.position = d.position.as_deref().map(|p| env.normalise(p));
        d.help = d.help.as_deref().map(|h| env.normalise(h));
        for l in &mut d.labels {
            *l = env.normalise(l);
        }
    }
    out
}

/// The messages of the diagnostics, in order.
pub fn messages(ds: &[Diag]) -> Vec<&str> {
    ds.iter().map(|d| d.message.as_str()).collect()
}

/// `$DIR/etc/zmgr/REL`, as positions and paths read once normalised.
pub fn at(rel: &str) -> String {
    format!("$DIR/etc/zmgr/{rel}")
}

/// The closing line `zmgr: N errors in the registry at …`, normalised.
pub fn summary(env: &TestEnv, run: &Run) -> String {
    let err = env.normalise(&run.stderr());
    err.lines()
        .rev()
        .find(|l| l.starts_with("zmgr: "))
        .unwrap_or("")
        .to_string()
}

/// Asserts one diagnostic's message, position, labels and help at once, for one clear diff.
#[track_caller]
pub fn assert_diag(d: &Diag, message: &str, position: &str, label: &str, help: Option<&str>) {
    let got = (
        d.message.as_str(),
        d.position.as_deref(),
        d.labels.iter().map(String::as_str).collect::<Vec<_>>(),
        d.help.as_deref(),
    );
    let want = (message, Some(at(position)), vec![label], help);
    assert_eq!(
        (got.0, got.1.map(str::to_string), got.2, got.3),
        (want.0, want.1, want.2, want.3),
        "{d:#?}"
    );
}

/// Runs zmgr on input it must refuse: exit 2, nothing on stdout, no panic or abort, and no
/// file under the environment changed. Returns the run and its diagnostics.
#[track_caller]
pub fn refused(env: &TestEnv, args: &[&str]) -> (Run, Vec<Diag>) {
    let before = env.snapshot();
    let run = env.zmgr(args);
    run.exit(2)
        .stdout_is("")
        .check(!run.stderr().contains("panicked"), "zmgr panicked")
        .check(
            !run.stderr().contains("overflowed its stack"),
            "zmgr crashed",
        );
    assert!(before == env.snapshot(), "{args:?} changed files");
    let ds = diags(env, &run.stderr());
    (run, ds)
}

/// Problems found while reading files are the same for `check` and for a verb that depends
/// on every file (`reconcile`): runs both, asserts they agree, and returns the diagnostics
/// and the summary line. A read-only verb (`list`) still works, and warns about each broken
/// file by name.
#[track_caller]
pub fn read_errors(env: &TestEnv) -> (Vec<Diag>, String) {
    let (check, from_check) = refused(env, &["check"]);
    let (all, from_all) = refused(env, &["reconcile"]);
    assert_eq!(
        from_check, from_all,
        "check and reconcile report differently"
    );
    let s = summary(env, &check);
    assert_eq!(s, summary(env, &all));
    let before = env.snapshot();
    let list = env.zmgr(&["list"]);
    list.success().check(
        list.stderr().contains("has an error") || list.stderr().contains(" errors"),
        "list does not name the broken file",
    );
    assert!(before == env.snapshot(), "list changed files");
    (from_check, s)
}

/// The summary line for `n` errors in the test registry.
pub fn errors_line(n: usize) -> String {
    format!(
        "zmgr: {n} error{} in the registry at $DIR/etc/zmgr",
        if n == 1 { "" } else { "s" }
    )
}

/// Only the top-level diagnostics (not the second places of one problem).
pub fn top(ds: &[Diag]) -> Vec<&Diag> {
    ds.iter().filter(|d| !d.related).collect()
}

/// A zone entry as a person might write it.
pub fn zone_entry(name: &str, state: &str, net: &str) -> String {
    format!(
        "zone \"{name}\" {{\n    brand \"ipkg\"\n    template \"ipkg\"\n    zonepath \"/zones/{name}\"\n    state \"{state}\"\n    {net}\n}}\n"
    )
}
