//! SMF from the global zone: svcs(1) for a service's state, svcadm(8) to change it.

use crate::error::{Error, Result};
use crate::host::exec::{CommandLine, Runner, Tool};

/// IP Filter, which applies the NAT rules of `/etc/ipf/ipnat.conf`.
pub const IPFILTER: &str = "svc:/network/ipfilter:default";

/// `svcs -H -o state FMRI`
pub fn show_state(fmri: &str) -> CommandLine {
    CommandLine::new(Tool::Svcs, ["-H", "-o", "state", fmri])
}

/// The state word `svcs -H -o state` printed, without the `*` of a transition.
pub fn parse_state(text: &str) -> String {
    text.trim().trim_end_matches('*').to_string()
}

/// A service's state (`online`, `disabled`, `maintenance`…).
pub fn state(runner: &dyn Runner, fmri: &str) -> Result<String> {
    let cmd = show_state(fmri);
    let out = runner.run(&cmd)?;
    let s = parse_state(&out.stdout);
    if s.is_empty() {
        return Err(Error::HostOutput {
            command: cmd.display(runner.commands()),
            reason: "it printed no state".into(),
        });
    }
    Ok(s)
}

/// `svcadm enable FMRI`
pub fn enable(fmri: &str) -> CommandLine {
    CommandLine::new(Tool::Svcadm, ["enable", fmri])
}

/// `svcadm disable FMRI`
pub fn disable(fmri: &str) -> CommandLine {
    CommandLine::new(Tool::Svcadm, ["disable", fmri])
}

/// `svcadm refresh FMRI`: the service re-reads its configuration (IP Filter its rule files).
pub fn refresh(fmri: &str) -> CommandLine {
    CommandLine::new(Tool::Svcadm, ["refresh", fmri])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_in_transition_loses_its_star() {
        assert_eq!(parse_state("online\n"), "online");
        assert_eq!(parse_state("offline*\n"), "offline");
    }
}
