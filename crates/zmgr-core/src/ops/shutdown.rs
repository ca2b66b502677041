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

impl Options {
    /// Refuses a timeout of 0 (it would mean "halt at once", which is `halt`) or of more
    /// than a day: a usage error, checked before any zone is touched.
    pub fn check(&self) -> Result<()> {
        if self.timeout.is_zero() {
            return Err(
                Error::usage("a shutdown timeout must be at least 1 s").with_help(if self.reboot {
                    "`zmgr reboot --force` reboots at once"
                } else {
                    "`zmgr halt` halts at once"
                }),
            );
        }
        if self.timeout > MAX_TIMEOUT {
            return Err(Error::usage(format!(
                "a shutdown timeout of {} s is more than a day",
                self.timeout.as_secs()
            )));
        }
        Ok(())
    }
}

/// How `zmgr reboot` (and `zmgr::reboot`) reboots a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RebootOptions {
    /// `zoneadm reboot` at once, bypassing the zone's shutdown scripts (`--force`).
    pub force: bool,
    /// How long the graceful shutdown may take ([`DEFAULT_TIMEOUT`] unless given); refused
    /// with `force`, which does not wait.
    pub timeout: Option<Duration>,
}

impl RebootOptions {
    /// Refuses a timeout with `force`, and a timeout [`Options::check`] refuses.
    pub fn check(&self) -> Result<()> {
        if self.force && self.timeout.is_some() {
            return Err(
                Error::usage("a forced reboot does not wait: it takes no timeout").with_help(
                    "give either force (`--force`) or a timeout (`--timeout S`), not both",
                ),
            );
        }
        self.graceful().check()
    }

    fn graceful(&self) -> Options {
        Options {
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            reboot: true,
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
    pub reason: Option<String>,
    /// The commands run, as typed (with --dry-run: to be run, the fallback last).
    pub commands: Vec<String>,
    /// The seconds the graceful shutdown may take.
    pub timeout: u64,
    pub dry_run: bool,
}

impl Report {
    /// What happened, after `zone NAME is STATE`: for people.
    pub fn describe(&self, reboot: bool) -> String {
        match (self.how, reboot) {
            (How::Graceful, false) => "shut down".to_string(),
            (How::Graceful, true) => "rebooted (shutdown -r)".to_string(),
            (How::Forced, false) => format!("halted ({})", self.reason.as_deref().unwrap_or("")),
            (How::Forced, true) => match self.reason.as_deref() {
                Some(reason) => format!("rebooted with zoneadm reboot ({reason})"),
                None => "rebooted with zoneadm reboot".to_string(),
            },
            (How::None, _) => "it was not running; nothing to do".to_string(),
            (How::Planned, _) => "nothing was changed (--dry-run)".to_string(),
        }
    }
}

/// `zmgr reboot NAME [--timeout S | --force]` and `zmgr::reboot`: with `force`, `zoneadm
/// reboot` at once (as `boot` and `halt` change a zone); else the graceful reboot of
/// [`shutdown`]. Either way the report `reboot --json` prints.
pub fn reboot(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    opts: &RebootOptions,
    dry_run: bool,
) -> Result<Report> {
    opts.check()?;
    if !opts.force {
        return shutdown(core, registry, name, &opts.graceful(), dry_run);
    }
    let changed = crate::ops::lifecycle::change(
        core,
        registry,
        name,
        crate::ops::lifecycle::Action::Reboot,
        dry_run,
    )?;
    Ok(Report {
        zone: name.to_string(),
        state: changed.state,
        how: if dry_run { How::Planned } else { How::Forced },
        reason: None,
        commands: vec![core.display(&crate::host::zoneadm::reboot(name))],
        timeout: 0,
        dry_run,
    })
}

/// `zmgr shutdown NAME [--timeout S]`, and `zmgr reboot NAME` without `--force`.
pub fn shutdown(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    opts: &Options,
    dry_run: bool,
) -> Result<Report> {
    let origin = Instant::now();
    shutdown_timed(core, registry, name, opts, dry_run, &|| origin.elapsed())
}

/// [`shutdown`], its clock given: `clock` says how much time has passed since some fixed
/// moment (tests give one that does not depend on the wall clock).
pub(crate) fn shutdown_timed(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    opts: &Options,
    dry_run: bool,
    clock: &dyn Fn() -> Duration,
) -> Result<Report> {
    opts.check()?;
    crate::ops::lifecycle::entry(registry, name, false)?;
    let graceful = crate::host::zoneadm::shutdown(name, opts.reboot);
    let forced = if opts.reboot {
        crate::host::zoneadm::reboot(name)
    } else {
        crate::host::zoneadm::halt(name)
    };
    let state = crate::ops::lifecycle::system_state(core, name)?;
    let mut report = Report {
        zone: name.to_string(),
        state,
        how: How::Planned,
        reason: None,
        commands: Vec::new(),
        timeout: opts.timeout.as_secs(),
        dry_run,
    };
    let plan = plan(state, opts.reboot, name)?;
    match plan {
        Plan::Nothing => {
            if !dry_run {
                report.state = crate::ops::lifecycle::record_state_or_note(core, name)?;
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
    // Which predicate stopped the command decides what happens next: the deadline's (noted
    // here) halts the zone; an interrupt's stops there. The runner asks for an interrupt
    // before the deadline, so an interrupt is never taken for a timeout.
    let started = clock();
    let timed_out = std::cell::Cell::new(false);
    let give_up = || {
        let late = clock().saturating_sub(started) >= timeout;
        if late {
            timed_out.set(true);
        }
        late
    };
    let result = core.run_step_until(&step, &graceful, &give_up);
    let mut forced = forced;
    let reason = match result {
        Ok(_) => {
            report.how = How::Graceful;
            report.state = crate::ops::lifecycle::record_state_or_note(core, name)?;
            return Ok(report);
        }
        Err(ExecError::Interrupted { .. }) if timed_out.get() => {
            format!("graceful shutdown not done after {} s", timeout.as_secs())
        }
        Err(ExecError::Interrupted { .. }) => {
            let _shield = crate::host::interrupt::Shield::up();
            let _ = crate::ops::lifecycle::record_state(core, name);
            return Err(Error::Interrupted);
        }
        Err(e @ ExecError::Failed { .. }) => {
            // zoneadmd gave up (its own wait) or refused; the zone may be down all the same.
            let now = crate::host::zoneadm::find(core.runner(), name)?.map(|z| z.state);
            if !opts.reboot && now == Some(ZoneState::Installed) {
                report.how = How::Graceful;
                report.state = crate::ops::lifecycle::record_state_or_note(core, name)?;
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
    // An interrupt that came as the deadline passed: no further step starts.
    if crate::host::interrupt::requested() {
        let _shield = crate::host::interrupt::Shield::up();
        let _ = crate::ops::lifecycle::record_state(core, name);
        return Err(Error::Interrupted);
    }
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
    report.state = crate::ops::lifecycle::record_state_or_note(core, name)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Tool;
    use crate::host::fake::{FakeHost, Fault};
    use crate::ops::tests::{Reg, fake_zone, host};
    use std::sync::Arc;

    /// A registry and a host with zone `web` running.
    fn running_web() -> (Reg, Arc<FakeHost>) {
        let reg = Reg::new();
        reg.zone("web", "running", "web0", "192.0.2.10");
        let fake = host();
        fake.add_vnic("web0", "stub0");
        fake.add_zone(fake_zone("web", ZoneState::Running, "web0", "192.0.2.10"));
        (reg, fake)
    }

    /// A clock that moves on one second each time it is read: no wall-clock time passes.
    fn ticking() -> impl Fn() -> Duration {
        let t = std::cell::Cell::new(0);
        move || {
            t.set(t.get() + 1);
            Duration::from_secs(t.get())
        }
    }

    fn run(reg: &Reg, fake: &Arc<FakeHost>, opts: &Options) -> Result<Report> {
        let mut core = reg.session(fake);
        shutdown_timed(&mut core, &reg.registry(), "web", opts, false, &ticking())
    }

    const FIVE: Options = Options {
        timeout: Duration::from_secs(5),
        reboot: false,
    };

    #[test]
    fn a_zone_that_goes_down_is_shut_down() {
        let (reg, fake) = running_web();
        let r = run(&reg, &fake, &FIVE).unwrap();
        assert_eq!((r.how, r.state), (How::Graceful, ZoneState::Installed));
        assert_eq!(fake.changes(), ["zoneadm -z web shutdown"]);
        assert_eq!(reg.entry_state("web"), "installed");
    }

    #[test]
    fn a_shutdown_still_running_at_the_deadline_is_stopped_and_the_zone_halted() {
        let (reg, fake) = running_web();
        fake.fault(Fault::on(Tool::Zoneadm, "shutdown").hang());
        let r = run(&reg, &fake, &FIVE).unwrap();
        assert_eq!((r.how, r.state), (How::Forced, ZoneState::Installed));
        assert_eq!(
            r.reason.as_deref(),
            Some("graceful shutdown not done after 5 s")
        );
        assert_eq!(
            fake.changes(),
            ["zoneadm -z web shutdown", "zoneadm -z web halt"]
        );
        assert_eq!(reg.entry_state("web"), "installed");
        // A graceful reboot past its deadline becomes zoneadm reboot.
        let (reg, fake) = running_web();
        fake.fault(Fault::on(Tool::Zoneadm, "shutdown").hang());
        let opts = Options {
            reboot: true,
            ..FIVE
        };
        let r = run(&reg, &fake, &opts).unwrap();
        assert_eq!((r.how, r.state), (How::Forced, ZoneState::Running));
        assert_eq!(
            fake.changes(),
            ["zoneadm -z web shutdown -r", "zoneadm -z web reboot"]
        );
    }

    #[test]
    fn a_shutdown_stopped_by_an_interrupt_is_not_taken_for_a_timeout() {
        // Stopped before the deadline, as an interrupt stops it: nothing is halted.
        let (reg, fake) = running_web();
        fake.fault(Fault::on(Tool::Zoneadm, "shutdown").interrupt());
        let e = run(&reg, &fake, &FIVE).unwrap_err();
        assert!(matches!(e, Error::Interrupted), "{e:?}");
        assert_eq!(fake.changes(), ["zoneadm -z web shutdown"]);
        assert_eq!(reg.entry_state("web"), "running");
    }

    #[test]
    fn options_are_checked_before_anything_runs() {
        let (reg, fake) = running_web();
        for timeout in [0, 86_401] {
            let opts = Options {
                timeout: Duration::from_secs(timeout),
                reboot: false,
            };
            let e = run(&reg, &fake, &opts).unwrap_err();
            assert_eq!(e.kind(), "usage", "{e}");
        }
        let forced = RebootOptions {
            force: true,
            timeout: Some(Duration::from_secs(5)),
        };
        let mut core = reg.session(&fake);
        let e = reboot(&mut core, &reg.registry(), "web", &forced, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a forced reboot does not wait: it takes no timeout"
        );
        assert!(fake.changes().is_empty());
        // Forced, without a timeout: zoneadm reboot, reported as the graceful reboot is.
        let r = reboot(
            &mut core,
            &reg.registry(),
            "web",
            &RebootOptions {
                force: true,
                timeout: None,
            },
            false,
        )
        .unwrap();
        assert_eq!((r.how, r.state), (How::Forced, ZoneState::Running));
        assert_eq!(r.describe(true), "rebooted with zoneadm reboot");
        assert_eq!(fake.changes(), ["zoneadm -z web reboot"]);
    }

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
            dry_run: false,
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
