//! Using a zone: a login shell, a command, or the console, through zlogin. The command line
//! replaces itself with zlogin (exec), so the terminal behaves exactly as with zlogin run by
//! hand and zlogin's exit status is zmgr's; scripts cannot exec and get a command's output.

use serde::Serialize;

use crate::command::CommandLine;
use crate::error::{Error, Result};
use crate::model::zone::ZoneState;
use crate::ops::session::Session;
use crate::store::registry::Registry;

/// What to open in the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// `zlogin ZONE`: a login shell (interactive on a terminal).
    Shell,
    /// `zlogin ZONE 'WORD…'`: one command, its words as given.
    Command(Vec<String>),
    /// `zlogin -C ZONE`: the zone's console.
    Console,
}

/// The zlogin command for `login` into `name`, once the zone is known to the registry and
/// in a state zlogin accepts: running for a shell or a command; installed, ready or running
/// for the console (zoneadmd offers it whenever the zone is installed, so one can watch a
/// boot from its first line; illumos-gate `usr/src/cmd/zlogin/zlogin.c` `main`).
pub fn plan(core: &Session, registry: &Registry, name: &str, login: &Login) -> Result<CommandLine> {
    crate::ops::lifecycle::entry(registry, name, false)?;
    let state = crate::host::zoneadm::find(core.runner(), name)?
        .map(|z| z.state)
        .ok_or_else(|| {
            Error::failed(format!(
                "zone {name} is in the registry but not configured on the system"
            ))
            .with_help("`zmgr reconcile` compares the registry with the system")
        })?;
    let console = *login == Login::Console;
    let ok = match state {
        ZoneState::Running => true,
        ZoneState::Installed | ZoneState::Ready => console,
        _ => false,
    };
    if !ok {
        let wants = if console { "installed" } else { "running" };
        return Err(
            Error::failed(format!("zone {name} is {state}; zlogin needs it {wants}")).with_help(
                if state == ZoneState::Installed || state == ZoneState::Ready {
                    format!(
                        "`zmgr boot {name}` boots it; `zmgr console {name}` shows its console now"
                    )
                } else {
                    format!("`zmgr show {name}` shows what zmgr knows of it")
                },
            ),
        );
    }
    Ok(match login {
        Login::Shell => crate::host::zlogin::login(name, &[]),
        Login::Command(words) => crate::host::zlogin::login(name, words),
        Login::Console => crate::host::zlogin::console(name),
    })
}

/// `zmgr login NAME [-- CMD…]` and `zmgr console NAME`: replaces this process with zlogin.
/// Returns only when that could not be done.
/// An interrupt (Ctrl-C) during the checks is not lost: zlogin does not start.
pub fn exec(core: &Session, registry: &Registry, name: &str, login: &Login) -> Error {
    match plan(core, registry, name, login) {
        // The handlers zmgr installed only note a signal; once exec'd, zlogin gets them.
        Ok(_) if crate::host::interrupt::requested() => Error::Interrupted,
        Ok(cmd) => core.runner().replace(&cmd).into(),
        Err(e) => e,
    }
}

/// What a command run in a zone printed, and its exit status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ran {
    pub zone: String,
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `zmgr::login(name, [cmd…])`: runs one command in the zone and returns its output and exit
/// status (a command that fails is a status, not an error; zlogin failing to run is one).
/// The command is stopped, as an interrupt stops it, once `give_up` says so (the calling
/// script's deadline).
pub fn run(
    core: &Session,
    registry: &Registry,
    name: &str,
    words: &[String],
    give_up: &dyn Fn() -> bool,
) -> Result<Ran> {
    if words.is_empty() {
        return Err(Error::usage(
            "a script can only run a command in a zone: give the command's words",
        )
        .with_help("an interactive login or the console is `zmgr login NAME` or `zmgr console NAME` at a terminal"));
    }
    let cmd = plan(core, registry, name, &Login::Command(words.to_vec()))?;
    match core
        .runner()
        .run_streaming_until(&cmd, &mut |_, _| {}, give_up)
    {
        Ok(out) => Ok(Ran {
            zone: name.to_string(),
            status: 0,
            stdout: out.stdout,
            stderr: out.stderr,
        }),
        Err(crate::command::ExecError::Failed {
            code: Some(code),
            stdout,
            stderr,
            ..
        }) => Ok(Ran {
            zone: name.to_string(),
            status: code,
            stdout,
            stderr,
        }),
        Err(e) => Err(e.into()),
    }
}

/// What `login` and `console` of `name` read: the zone's entry.
pub fn needs(name: &str) -> impl Fn(&Registry) -> crate::store::needs::Needs + '_ {
    crate::ops::lifecycle::needs(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Tool;
    use crate::host::fake::Fault;
    use crate::ops::tests::{Reg, fake_zone, host};

    #[test]
    fn a_command_is_stopped_when_the_caller_gives_up() {
        let reg = Reg::new();
        reg.zone("web", "running", "web0", "192.0.2.10");
        let fake = host();
        fake.add_zone(fake_zone("web", ZoneState::Running, "web0", "192.0.2.10"));
        let core = reg.session(&fake);
        let words = vec!["sleep".to_string(), "600".to_string()];
        let ran = run(&core, &reg.registry(), "web", &words, &|| false).unwrap();
        assert_eq!(ran.status, 0);
        // A command that does not end is stopped once the deadline says so.
        fake.fault(Fault::on(Tool::Zlogin, "web").hang());
        let asked = std::cell::Cell::new(0);
        let give_up = || {
            asked.set(asked.get() + 1);
            asked.get() > 3
        };
        let e = run(&core, &reg.registry(), "web", &words, &give_up).unwrap_err();
        assert_eq!(e.kind(), "interrupted", "{e}");
        assert_eq!(asked.get(), 4);
    }
}
