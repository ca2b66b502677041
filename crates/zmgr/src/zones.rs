//! The verbs over several zones (boot, halt, shutdown, reboot, destroy): each zone's outcome
//! rendered, one line each on standard output, failures as diagnostics on standard error, and
//! the confirmation `destroy` asks at a terminal. zmgr-core decides; this renders.

use std::io::{BufRead, IsTerminal, Write};

use zmgr_core::error::{Error, Result};
use zmgr_core::ops::bulk::{self, Selection};
use zmgr_core::ops::lifecycle::{Action, Changed};
use zmgr_core::ops::session::Session;
use zmgr_core::ops::shutdown;
use zmgr_core::store::registry::Registry;

use crate::output;

/// How a failed zone's diagnostic is printed (the dispatcher's renderer).
pub type Report<'a> = &'a dyn Fn(&Error);

/// Writes to stdout; a closed pipe (`zmgr halt … | head`) is not an error.
fn emit(out: &mut dyn Write, text: &str) -> Result<()> {
    match out.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| Error::io("write", "standard output", e)),
    }
}

/// What a lifecycle verb does to each zone.
#[derive(Debug, Clone, Copy)]
pub enum Verb {
    /// `boot` or `halt`.
    Change(Action),
    Shutdown(shutdown::Options),
    Reboot(shutdown::RebootOptions),
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Change(Action::Boot) => "boot",
            Verb::Change(Action::Halt) => "halt",
            Verb::Change(Action::Reboot) | Verb::Reboot(_) => "reboot",
            Verb::Shutdown(_) => "shutdown",
        }
    }

    /// The verb's options, checked before any zone runs (a usage error, exit 2).
    fn check(self) -> Result<()> {
        match self {
            Verb::Change(_) => Ok(()),
            Verb::Shutdown(o) => o.check(),
            Verb::Reboot(o) => o.check(),
        }
    }
}

/// One zone's outcome of a lifecycle verb.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
enum Done {
    State(Changed),
    Shutdown(shutdown::Report),
}

/// What every verb over several zones does first: checks `--jobs` and the selection (every
/// name, the selectors), and picks the zones; `None` when none matches, which is said, and
/// printed as an empty result.
fn pick(
    registry: &Registry,
    sel: &Selection,
    jobs: usize,
    json: bool,
    out: &mut dyn Write,
) -> Result<Option<(Vec<String>, usize)>> {
    let jobs = bulk::jobs(jobs)?;
    let zones = bulk::select(registry, sel)?;
    if zones.is_empty() {
        eprintln!("zmgr: no zone matches the selection; nothing to do");
        emit(
            out,
            &if json {
                output::json_list("results", &[])
            } else {
                String::new()
            },
        )?;
        return Ok(None);
    }
    Ok(Some((zones, jobs)))
}

/// `boot|halt|shutdown|reboot NAME… [--all-of-template T] [--pool P]`.
#[allow(clippy::too_many_arguments)]
pub fn lifecycle(
    (mut core, registry): (Session, Registry),
    sel: &Selection,
    jobs: usize,
    verb: Verb,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
    report: Report<'_>,
) -> Result<()> {
    verb.check()?;
    let Some((zones, jobs)) = pick(&registry, sel, jobs, json, out)? else {
        return Ok(());
    };
    let outcomes = bulk::run(&mut core, &zones, jobs, |core, zone| -> Result<Done> {
        match verb {
            Verb::Change(action) => Ok(Done::State(zmgr_core::ops::lifecycle::change(
                core, &registry, zone, action, dry_run,
            )?)),
            Verb::Shutdown(opts) => Ok(Done::Shutdown(shutdown::shutdown(
                core, &registry, zone, &opts, dry_run,
            )?)),
            Verb::Reboot(opts) => Ok(Done::Shutdown(shutdown::reboot(
                core, &registry, zone, &opts, dry_run,
            )?)),
        }
    });
    let line = |zone: &str, done: &Done| -> String {
        match done {
            Done::State(s) if dry_run => s
                .commands
                .iter()
                .map(|c| format!("would run: {c}\n"))
                .collect(),
            Done::State(s) => format!("zone {zone} is {}\n", s.state),
            Done::Shutdown(r) if dry_run => r
                .commands
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("would run: {c}\n")
                    } else {
                        format!(
                            "would run, if zone {zone} is not down after {} s: {c}\n",
                            r.timeout
                        )
                    }
                })
                .collect(),
            Done::Shutdown(r) => format!(
                "zone {zone} is {}: {}\n",
                r.state,
                r.describe(matches!(verb, Verb::Reboot(_)))
            ),
        }
    };
    finish(
        verb.name(),
        outcomes,
        sel.single().is_some(),
        dry_run,
        json,
        out,
        report,
        line,
    )
}

/// Prints the outcomes: JSON, or a line per zone that worked and a diagnostic per zone that
/// did not; the verb fails (exit 1) when any zone did. One zone named alone fails with its
/// own error, as the verb always did.
#[allow(clippy::too_many_arguments)]
fn finish<T: serde::Serialize>(
    verb: &str,
    mut outcomes: Vec<(String, Result<T>)>,
    single: bool,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
    report: Report<'_>,
    line: impl Fn(&str, &T) -> String,
) -> Result<()> {
    if json {
        emit(out, &output::json_list("results", &bulk::json(&outcomes)))?;
    } else {
        let mut text = String::new();
        for (zone, r) in &outcomes {
            if let Ok(v) = r {
                text += &line(zone, v);
            }
        }
        if dry_run && outcomes.iter().any(|(_, r)| r.is_ok()) {
            text += "nothing was changed (--dry-run)\n";
        }
        emit(out, &text)?;
    }
    if single {
        return match outcomes.pop() {
            Some((_, Err(e))) => Err(e),
            _ => Ok(()),
        };
    }
    let _ = out.flush();
    for (_, r) in &outcomes {
        if let Err(e) = r {
            report(e);
        }
    }
    bulk::failure(verb, &outcomes).map_or(Ok(()), Err)
}

/// `destroy NAME… [--all-of-template T] [--pool P]`. After a question (`confirmed`), exactly
/// the zones it listed are destroyed: a zone that came to match the selection since is left
/// alone, and a listed zone gone meanwhile is reported.
#[allow(clippy::too_many_arguments)]
pub fn destroy(
    (mut core, registry): (Session, Registry),
    sel: &Selection,
    confirmed: Option<Confirmed>,
    jobs: usize,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
    report: Report<'_>,
) -> Result<()> {
    let (zones, jobs) = match &confirmed {
        Some(c) => (c.zones.clone(), bulk::jobs(jobs)?),
        None => match pick(&registry, sel, jobs, json, out)? {
            Some(picked) => picked,
            None => return Ok(()),
        },
    };
    let outcomes = bulk::run(&mut core, &zones, jobs, |core, zone| {
        if let Some(c) = &confirmed {
            let gone = !registry.zones.contains_key(zone);
            if c.shown.iter().any(|z| z == zone) && gone {
                return Err(Error::NotFound {
                    kind: "zone",
                    name: zone.to_string(),
                    help: Some(
                        "it was in the registry when destroy asked; something removed it since"
                            .to_string(),
                    ),
                });
            }
            if !c.shown.iter().any(|z| z == zone) && !gone {
                // Named, but not in the registry when asked: not listed, so not destroyed.
                return Err(Error::NotFound {
                    kind: "zone",
                    name: zone.to_string(),
                    help: Some(
                        "it was not in the registry when destroy asked, so it was not listed; run destroy again to destroy it"
                            .to_string(),
                    ),
                });
            }
        }
        zmgr_core::ops::lifecycle::destroy(core, &registry, zone, dry_run)
    });
    let root = core.root().to_path_buf();
    let line = |zone: &str, report: &zmgr_core::ops::lifecycle::Destroyed| -> String {
        let mut t = String::new();
        for s in &report.skipped {
            t += &format!("skipped: {s}\n");
        }
        if dry_run {
            for c in &report.commands {
                t += &format!("would run: {c}\n");
            }
            t += &format!(
                "would remove the registry entry {}\n",
                zmgr_core::store::entries::entry_path(&root, zone).display()
            );
        } else {
            t += &format!("destroyed zone {zone}\n");
        }
        t
    };
    finish(
        "destroy",
        outcomes,
        sel.single().is_some(),
        dry_run,
        json,
        out,
        report,
        line,
    )
}

/// The zones a destroy asked about: all it selected (in order), and those the question
/// listed (the ones the registry had).
#[derive(Debug, Clone)]
pub struct Confirmed {
    pub zones: Vec<String>,
    pub shown: Vec<String>,
}

/// Before a destroy that is not a dry run: when standard input is a terminal, asks on
/// standard error whether to destroy the zones `registry` has among `zones`, and reads the
/// answer; `y` or `yes` goes on, with the zones asked about. Never asks when standard input
/// is not a terminal, so scripts keep working (`None`). Asked before zmgr catches Ctrl-C, so
/// Ctrl-C at the question ends zmgr.
pub fn confirm(registry: &Registry, sel: &Selection) -> Result<Option<Confirmed>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    // Unknown names and bad selectors are reported by the destroy itself, without a question.
    let Ok(zones) = bulk::select(registry, sel) else {
        return Ok(None);
    };
    if zones.is_empty() {
        return Ok(None);
    }
    let shown: Vec<String> = zones
        .iter()
        .filter(|z| registry.zones.contains_key(*z))
        .cloned()
        .collect();
    let known: Vec<String> = shown.iter().map(|z| zmgr_core::text::shown(z)).collect();
    if known.is_empty() {
        // Nothing to ask about, and nothing to destroy: the names are reported as unknown.
        return Ok(Some(Confirmed { zones, shown }));
    }
    let what = if known.len() == 1 {
        format!("zone {}", known[0])
    } else {
        format!("{} zones ({})", known.len(), known.join(", "))
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "destroy {what}? This halts, uninstalls and deletes them and frees their addresses. [y/N] "
    );
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::io("read", "standard input", e))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(Some(Confirmed { zones, shown })),
        _ => Err(
            Error::failed(format!("not confirmed: {what} left as it is"))
                .with_help("answer `y` to destroy, or give --yes to skip the question"),
        ),
    }
}
