//! `zmgr shutdown` and the graceful `zmgr reboot`: `zoneadm shutdown [-r]` first, which has the
//! zone's own services stop in order, and `zoneadm halt` (or `reboot`) when the zone has not
//! gone down by the deadline.
//!
//! zoneadmd runs the brand's shutdown hook inside the zone and waits, once a second for up to
//! 60 s, for the zone to reach `installed`; if it does not, it fails with `unable to shutdown
//! zone` (illumos-gate `usr/src/cmd/zoneadmd/zoneadmd.c`, `zone_graceful_shutdown`,
//! `zone_wait_shutdown`). zmgr waits for zoneadm at most `timeout`: past it, or when the
//! graceful shutdown failed and the zone is still up, it halts the zone, and says so.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::command::{CommandLine, ExecError};
use crate::error::{Error, Result};
use crate::model::zone::ZoneState;
use crate::ops::session::Session;
use crate::store::registry::Registry;

/// How long a graceful shutdown may take before the zone is halted, by default: zoneadmd's
/// own wait (`SHUTDOWN_WAIT`, 60 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest `--timeout` zmgr takes (a day).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How long the graceful shutdown may take.
    pub timeout: Duration,
    /// Boot the zone again afterwards (`zoneadm shutdown -r`, else `zoneadm reboot`).
    pub reboot: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: DEFAULT_TIMEOUT,
            reboot: false,
        }
    }
}

/// Which way the zone went down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// `zoneadm shutdown [-r]` did it.
    Graceful,
    /// `zoneadm halt` (or `reboot`) did it, after the graceful shutdown timed out or failed,
    /// or because the zone was not running (only ready).
    Forced,
    /// Nothing to do: the zone was not up.
    None,
    /// A dry run: nothing was done.
    Planned,
}

/// What `zmgr shutdown` (or the graceful `reboot`) did to one zone.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub zone: String,
    /// The state the system reports afterwards (before, for a dry run).
    pub state: ZoneState,
    pub how: How,
    /// Why the zone was halted rather than shut down (a timeout, the tool's error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The commands run, as typed (with --dry-run: to be run, the fallback last).
    pub commands: Vec<String>,
    /// The seconds the graceful shutdown may take.
    pub timeout: u64,
}

impl Report {
    /// What happened, after `zone NAME is STATE`: for people.
    pub fn describe(&self, reboot: bool) -> String {
        match (self.how, reboot) {
            (How::Graceful, false) => "shut down".to_string(),
            (How::Graceful, true) => "rebooted (shutdown -r)".to_string(),
            (How::Forced, false) => format!("halted ({})", self.reason.as_deref().unwrap_or("")),
            (How::Forced, true) => format!(
                "rebooted with zoneadm reboot ({})",
                self.reason.as_deref().unwrap_or("")
            ),
            (How::None, _) => "it was not running; nothing to do".to_string(),
            (How::Planned, _) => "nothing was changed (--dry-run)".to_string(),
        }
    }
}

/// `zmgr shutdown NAME [--timeout S]`, and `zmgr reboot NAME` without `--force`.
pub fn shutdown(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    opts: &Options,
    dry_run: bool,
) -> Result<Report> {
    crate::ops::lifecycle::entry(registry, name, false)?;
    if opts.timeout > MAX_TIMEOUT {
        return Err(Error::usage(format!(
            "a shutdown timeout of {} s is more than a day",
            opts.timeout.as_secs()
        )));
    }
    let graceful = crate::host::zoneadm::shutdown(name, opts.reboot);
    let forced = if opts.reboot {
        crate::host::zoneadm::reboot(name)
    } else {
        crate::host::zoneadm::halt(name)
    };
    let state = crate::host::zoneadm::find(core.runner(), name)?
        .map(|z| z.state)
        .ok_or_else(|| {
            Error::failed(format!(
                "zone {name} is in the registry but not configured on the system"
            ))
        })?;
    let mut report = Report {
        zone: name.to_string(),
        state,
        how: How::Planned,
        reason: None,
        commands: Vec::new(),
        timeout: opts.timeout.as_secs(),
    };
    let plan = plan(state, opts.reboot, name)?;
    match plan {
        Plan::Nothing => {
            if !dry_run {
                report.state = record(core, name)?;
            }
            report.how = if dry_run { How::Planned } else { How::None };
            return Ok(report);
        }
        Plan::Force(reason) => {
            report.commands.push(core.display(&forced));
            if dry_run {
                return Ok(report);
            }
            report.reason = Some(reason);
            return force(core, name, &forced, opts.reboot, report);
        }
        Plan::Graceful => {}
    }
    report.commands.push(core.display(&graceful));
    if dry_run {
        report.commands.push(core.display(&forced));
        return Ok(report);
    }
    let started = Instant::now();
    let timeout = opts.timeout;
    let step = if opts.reboot {
        format!(
            "rebooting zone {name} (shutdown -r, at most {} s)",
            timeout.as_secs()
        )
    } else {
        format!(
            "shutting down zone {name} (at most {} s)",
            timeout.as_secs()
        )
    };
    let result = core.run_step_until(&step, &graceful, &|| started.elapsed() >= timeout);
    let mut forced = forced;
    let reason = match result {
        Ok(_) => {
            report.how = How::Graceful;
            report.state = record(core, name)?;
            return Ok(report);
        }
        Err(ExecError::Interrupted { .. }) if crate::host::interrupt::requested() => {
            let _shield = crate::host::interrupt::Shield::up();
            let _ = crate::ops::lifecycle::record_state(core, name);
            return Err(Error::Interrupted);
        }
        Err(ExecError::Interrupted { .. }) => {
            format!("graceful shutdown not done after {} s", timeout.as_secs())
        }
        Err(e @ ExecError::Failed { .. }) => {
            // zoneadmd gave up (its own wait) or refused; the zone may be down all the same.
            let now = crate::host::zoneadm::find(core.runner(), name)?.map(|z| z.state);
            let wanted = if opts.reboot {
                ZoneState::Running
            } else {
                ZoneState::Installed
            };
            if now == Some(wanted) && !opts.reboot {
                report.how = How::Graceful;
                report.state = record(core, name)?;
                return Ok(report);
            }
            // Shut down, but not booted again: a boot finishes the reboot.
            if opts.reboot && now == Some(ZoneState::Installed) {
                forced = crate::host::zoneadm::boot(name);
            }
            format!(
                "graceful shutdown failed: {}",
                crate::text::shown(
                    e.stderr()
                        .and_then(|s| s.lines().find(|l| !l.trim().is_empty()))
                        .unwrap_or("no message")
                        .trim()
                )
            )
        }
        Err(e) => {
            let _ = crate::ops::lifecycle::record_state(core, name);
            return Err(e.into());
        }
    };
    report.reason = Some(reason);
    report.commands.push(core.display(&forced));
    force(core, name, &forced, opts.reboot, report)
}

/// What to do with a zone in `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    Graceful,
    /// Straight to halt (or reboot), with the reason.
    Force(String),
    Nothing,
}

fn plan(state: ZoneState, reboot: bool, name: &str) -> Result<Plan> {
    Ok(match state {
        ZoneState::Running => Plan::Graceful,
        // A zone that is only ready runs nothing to shut down; zoneadm shutdown refuses it
        // (`not running`).
        ZoneState::Ready | ZoneState::ShuttingDown | ZoneState::Down | ZoneState::Mounted
            if !reboot =>
        {
            Plan::Force(format!("it was {state}, not running"))
        }
        _ if reboot => {
            return Err(Error::failed(format!(
                "zone {name} is {state}, not running: there is nothing to reboot"
            ))
            .with_help(format!("`zmgr boot {name}` boots it")));
        }
        _ => Plan::Nothing,
    })
}

/// Halts (or reboots) the zone after the graceful way did not do it.
fn force(
    core: &mut Session,
    name: &str,
    forced: &CommandLine,
    reboot: bool,
    mut report: Report,
) -> Result<Report> {
    let doing = if reboot { "rebooting" } else { "halting" };
    let result = core.run_step(&format!("{doing} zone {name}"), forced);
    if let Err(e) = result {
        let _ = crate::ops::lifecycle::record_state(core, name);
        return Err(Error::Failed {
            message: format!(
                "could not {} zone {name}: {}; then {e}",
                if reboot { "reboot" } else { "shut down" },
                report.reason.as_deref().unwrap_or("")
            ),
            help: None,
        });
    }
    report.how = How::Forced;
    report.state = record(core, name)?;
    Ok(report)
}

/// Records the state the system reports; when another zmgr holds the lock, the zone's state
/// is still reported, and the record waits for `reconcile --fix`.
fn record(core: &mut Session, name: &str) -> Result<ZoneState> {
    match crate::ops::lifecycle::record_state(core, name) {
        Err(e @ Error::Locked { .. }) => {
            let now = crate::host::zoneadm::find(core.runner(), name)?
                .map(|z| z.state)
                .ok_or(e)?;
            core.note(&format!(
                "zone {name} is {now}, but the registry could not record it (another zmgr holds its lock); `zmgr reconcile --fix` records it"
            ));
            Ok(now)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_each_state_gets() {
        assert_eq!(
            plan(ZoneState::Running, false, "z").unwrap(),
            Plan::Graceful
        );
        assert_eq!(plan(ZoneState::Running, true, "z").unwrap(), Plan::Graceful);
        assert_eq!(
            plan(ZoneState::Ready, false, "z").unwrap(),
            Plan::Force("it was ready, not running".into())
        );
        assert_eq!(
            plan(ZoneState::Installed, false, "z").unwrap(),
            Plan::Nothing
        );
        let e = plan(ZoneState::Installed, true, "z").unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone z is installed, not running: there is nothing to reboot"
        );
        assert!(plan(ZoneState::Ready, true, "z").is_err());
    }

    #[test]
    fn reports_say_what_happened() {
        let mut r = Report {
            zone: "z".into(),
            state: ZoneState::Installed,
            how: How::Graceful,
            reason: None,
            commands: vec![],
            timeout: 60,
        };
        assert_eq!(r.describe(false), "shut down");
        r.how = How::Forced;
        r.reason = Some("graceful shutdown not done after 60 s".into());
        assert_eq!(
            r.describe(false),
            "halted (graceful shutdown not done after 60 s)"
        );
        assert_eq!(
            serde_json::to_value(&r).unwrap()["how"],
            serde_json::json!("forced")
        );
    }
}
