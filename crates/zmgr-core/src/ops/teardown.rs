//! Taking a zone and its VNICs off the system: the one teardown that `destroy`, create's
//! undo and `reconcile --fix` share. The plan is a pure function of what the system has;
//! running it never deletes a zone's configuration after its halt or uninstall failed, which
//! would orphan the zone's files with nothing left to uninstall them.

use crate::host::exec::CommandLine;
use crate::host::zoneadm::ListedZone;
use crate::host::{dladm, zoneadm, zonecfg};
use crate::ops::session::Session;

/// A part of a zone on the system, in the order a create makes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Vnic(String),
    Configuration,
    Installation,
    Boot,
}

impl Part {
    /// The part as reports name it ("the installation of zone web01").
    pub fn describe(&self, zone: &str) -> String {
        match self {
            Part::Vnic(v) => format!("VNIC {v}"),
            Part::Configuration => format!("the configuration of zone {zone}"),
            Part::Installation => format!("the installation of zone {zone}"),
            Part::Boot => format!("the boot of zone {zone}"),
        }
    }
}

/// One command of a teardown and the part it takes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What the progress display says while it runs ("halting zone web01").
    pub message: String,
    pub part: Part,
    pub command: CommandLine,
}

/// The steps that take `zone` off the system, for what exists of it: `listed` is the zone as
/// zoneadm lists it, `vnics` the zone's VNICs that zmgr made and the system still has.
/// What is already gone goes to `skipped`.
pub fn plan(
    zone: &str,
    listed: Option<&ListedZone>,
    vnics: &[String],
    skipped: &mut Vec<String>,
) -> Vec<Step> {
    let mut steps = Vec::new();
    match listed {
        None => skipped.push(format!("zone {zone} is not configured on the system")),
        Some(z) => {
            if z.state.is_up() {
                steps.push(Step {
                    message: format!("halting zone {zone}"),
                    part: Part::Boot,
                    command: zoneadm::halt(zone),
                });
            }
            if z.state.is_installed() {
                steps.push(Step {
                    message: format!("uninstalling zone {zone}"),
                    part: Part::Installation,
                    command: zoneadm::uninstall(zone),
                });
            } else {
                skipped.push(format!("zone {zone} is not installed"));
            }
            steps.push(Step {
                message: format!("deleting the configuration of zone {zone}"),
                part: Part::Configuration,
                command: zonecfg::delete(zone),
            });
        }
    }
    for v in vnics {
        steps.push(Step {
            message: format!("deleting VNIC {v}"),
            part: Part::Vnic(v.clone()),
            command: dladm::delete_vnic(v),
        });
    }
    steps
}

/// The VNICs of `wanted` (zmgr's, one name once) that the system has; the others go to
/// `skipped`.
pub fn present<'a>(
    wanted: impl IntoIterator<Item = &'a str>,
    system: &[String],
    skipped: &mut Vec<String>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for v in wanted {
        // One VNIC may carry several addresses, so several nets: it is deleted once.
        if !seen.insert(v) {
            continue;
        }
        if system.iter().any(|s| s == v) {
            out.push(v.to_string());
        } else {
            skipped.push(format!("VNIC {v} is already gone"));
        }
    }
    out
}

/// What running a teardown did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The parts taken back.
    pub done: Vec<Part>,
    /// The parts that could not be, each with the error.
    pub failed: Vec<(Part, crate::error::Error)>,
    /// Parts not attempted because an earlier step failed or an interrupt came.
    pub kept: Vec<Part>,
    /// An interrupt stopped the teardown (never under a [`Shield`](crate::host::interrupt::Shield)).
    pub interrupted: bool,
}

impl Outcome {
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty() && self.kept.is_empty()
    }
}

/// Runs `steps` in order. Once a halt or uninstall failed, the rest is kept: the zone is
/// still installed, so its configuration must stay (see the module comment) and so must the
/// VNICs it uses. Other failures (deleting the configuration or a VNIC) do not stop the
/// remaining steps. Running the teardown again, or `reconcile --fix`, finishes the job once
/// the cause is fixed.
pub fn run(session: &mut Session, zone: &str, steps: &[Step]) -> Outcome {
    let mut outcome = Outcome::default();
    for step in steps {
        // Stop between steps, leaving the rest for the next run of the same verb.
        if outcome.interrupted || crate::host::interrupt::requested() {
            outcome.interrupted = true;
            outcome.kept.push(step.part.clone());
            continue;
        }
        let zone_still_installed = outcome
            .failed
            .iter()
            .any(|(p, _)| matches!(p, Part::Boot | Part::Installation));
        if zone_still_installed {
            outcome.kept.push(step.part.clone());
            continue;
        }
        match session.run_step(&step.message, &step.command) {
            Ok(_) => outcome.done.push(step.part.clone()),
            // A step can fail because what it takes back went away meanwhile.
            Err(_) if matches!(still_there(session, zone, &step.part), Ok(false)) => {
                outcome.done.push(step.part.clone());
            }
            Err(e) => {
                outcome.interrupted |= matches!(e, crate::command::ExecError::Interrupted { .. });
                outcome.failed.push((step.part.clone(), e.into()));
            }
        }
    }
    outcome
}

/// Whether `part` of `zone` is still on the system.
pub fn still_there(session: &Session, zone: &str, part: &Part) -> crate::error::Result<bool> {
    if let Part::Vnic(v) = part {
        return Ok(dladm::vnics(session.runner())?.iter().any(|x| &x.link == v));
    }
    let listed = zoneadm::find(session.runner(), zone)?;
    Ok(match (part, listed) {
        (_, None) => false,
        (Part::Configuration, Some(_)) => true,
        (Part::Installation, Some(z)) => z.state.is_installed(),
        (_, Some(z)) => z.state.is_up(),
    })
}
