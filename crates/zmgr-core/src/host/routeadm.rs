//! routeadm(8): IP forwarding, which a NAT pool's gateway needs.

use crate::error::{Error, Result};
use crate::host::exec::{CommandLine, Runner, Tool};

/// `routeadm -p ipv4-forwarding`: `persistent=… default=… current=…` for that option alone
/// (illumos-gate `usr/src/cmd/cmd-inet/usr.sbin/routeadm/routeadm.c`, `ra_report`).
pub fn show_ipv4_forwarding() -> CommandLine {
    CommandLine::new(Tool::Routeadm, ["-p", "ipv4-forwarding"])
}

/// Whether the forwarding line says it is on now and after a reboot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forwarding {
    pub persistent: bool,
    pub current: bool,
}

/// Parses a `routeadm -p` option line, with or without the option's name in front:
/// `[NAME ]persistent=enabled default=disabled current=enabled`.
pub fn parse_option(text: &str) -> std::result::Result<Forwarding, String> {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let value = |key: &str| -> std::result::Result<bool, String> {
        let word = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
            .ok_or_else(|| format!("`routeadm -p` printed no {key}: {line:?}"))?;
        match word {
            "enabled" => Ok(true),
            "disabled" => Ok(false),
            other => Err(format!("`routeadm -p` printed {key}={other}")),
        }
    };
    Ok(Forwarding {
        persistent: value("persistent")?,
        current: value("current")?,
    })
}

/// IPv4 forwarding on this host.
pub fn ipv4_forwarding(runner: &dyn Runner) -> Result<Forwarding> {
    let cmd = show_ipv4_forwarding();
    let out = runner.run(&cmd)?;
    parse_option(&out.stdout).map_err(|reason| Error::HostOutput {
        command: cmd.display(runner.commands()),
        reason,
    })
}

/// `routeadm -u -e ipv4-forwarding`: on after reboots, and now.
pub fn enable_ipv4_forwarding() -> CommandLine {
    CommandLine::new(Tool::Routeadm, ["-u", "-e", "ipv4-forwarding"])
}

/// `routeadm -u -d ipv4-forwarding`
pub fn disable_ipv4_forwarding() -> CommandLine {
    CommandLine::new(Tool::Routeadm, ["-u", "-d", "ipv4-forwarding"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_option_line_with_or_without_its_name() {
        let on = "ipv4-forwarding persistent=enabled default=disabled current=enabled\n";
        assert_eq!(
            parse_option(on).unwrap(),
            Forwarding {
                persistent: true,
                current: true
            }
        );
        let off = "persistent=disabled default=disabled current=disabled\n";
        assert!(!parse_option(off).unwrap().current);
        assert!(parse_option("nonsense\n").is_err());
    }
}
