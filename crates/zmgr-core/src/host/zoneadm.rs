//! zoneadm: the commands zmgr builds and the parser of `zoneadm list -p`.

use crate::error::{Error, Result};
use crate::host::exec::{CommandLine, Runner, Tool};
use crate::model::template::IpType;
use crate::model::zone::ZoneState;

/// One line of `zoneadm list -p`:
/// `zoneid:zonename:state:zonepath:uuid:brand:ip-type[:debugid]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedZone {
    /// Kernel zone ID; `None` for zones that are not ready or running (`-`).
    pub id: Option<u64>,
    pub name: String,
    pub state: ZoneState,
    pub zonepath: String,
    pub uuid: Option<String>,
    pub brand: String,
    pub ip_type: IpType,
}

impl ListedZone {
    /// Why zmgr cannot take the zone as the system lists it: a name, zonepath or brand that
    /// zonecfg would never have accepted (output can be forged, or come from a damaged
    /// system). zmgr runs as root, so tool output is checked like user input, with the same
    /// rules, before a value is used as a command argument, a file name or in an entry.
    pub fn problem(&self) -> Option<String> {
        use crate::model::names::{
            brand_name_error, zone_name_error, zonepath_component_error, zonepath_error,
        };
        zone_name_error(&self.name)
            .or_else(|| zonepath_error(&self.zonepath))
            .or_else(|| zonepath_component_error(&self.zonepath))
            .or_else(|| brand_name_error(&self.brand))
    }
}

/// `zoneadm list -cp`: every configured zone, parsable.
pub fn list_all() -> CommandLine {
    CommandLine::new(Tool::Zoneadm, ["list", "-cp"])
}

/// Every zone the system has configured, the global zone left out.
pub fn list(runner: &dyn Runner) -> Result<Vec<ListedZone>> {
    let cmd = list_all();
    let out = runner.run(&cmd)?;
    let zones = parse_list(&out.stdout).map_err(|reason| Error::HostOutput {
        command: cmd.display(runner.commands()),
        reason,
    })?;
    Ok(zones.into_iter().filter(|z| z.name != "global").collect())
}

/// The zone as the system lists it, `None` when it is not configured there.
pub fn find(runner: &dyn Runner, name: &str) -> Result<Option<ListedZone>> {
    Ok(list(runner)?.into_iter().find(|z| z.name == name))
}

/// `zoneadm -z NAME boot`
pub fn boot(zone: &str) -> CommandLine {
    CommandLine::new(Tool::Zoneadm, ["-z", zone, "boot"])
}

/// `zoneadm -z NAME halt`
pub fn halt(zone: &str) -> CommandLine {
    CommandLine::new(Tool::Zoneadm, ["-z", zone, "halt"])
}

/// `zoneadm -z NAME reboot`
pub fn reboot(zone: &str) -> CommandLine {
    CommandLine::new(Tool::Zoneadm, ["-z", zone, "reboot"])
}

/// `zoneadm -z NAME shutdown [-r]`: the graceful way down. zoneadmd runs the brand's
/// shutdown hook inside the zone (ipkg: `/usr/sbin/shutdown -y -g0 -i5`, else `/sbin/init 0`)
/// and waits, once a second for up to 60 s, for the zone to reach `installed`; `-r` boots it
/// again afterwards (illumos-gate `usr/src/cmd/zoneadm/zoneadm.c` `shutdown_func`,
/// `usr/src/cmd/zoneadmd/zoneadmd.c` `zone_graceful_shutdown`, `zone_wait_shutdown`).
pub fn shutdown(zone: &str, reboot: bool) -> CommandLine {
    let mut args = vec!["-z", zone, "shutdown"];
    if reboot {
        args.push("-r");
    }
    CommandLine::new(Tool::Zoneadm, args)
}

/// `zoneadm -z NAME uninstall -F`: no question asked, also for an incomplete install.
pub fn uninstall(zone: &str) -> CommandLine {
    CommandLine::new(Tool::Zoneadm, ["-z", zone, "uninstall", "-F"])
}

/// `zoneadm -z NAME install [-P PUBLISHER=ORIGIN] [-e PACKAGE]…`. The ipkg/nlipkg brands'
/// install (pkg5 `src/brand/pkgcreatezone`) reads its options with getopts: `-P` is kept in
/// one variable, so only the last one counts, and `-e` takes one package, so each package
/// needs its own `-e` (getopts stops at the first word that is not an option and ignores
/// the rest).
pub fn install(zone: &str, publisher: Option<(&str, &str)>, packages: &[String]) -> CommandLine {
    let mut args = vec!["-z".to_string(), zone.to_string(), "install".to_string()];
    if let Some((name, origin)) = publisher {
        args.push("-P".into());
        args.push(format!("{name}={origin}"));
    }
    for p in packages {
        args.push("-e".into());
        args.push(p.clone());
    }
    CommandLine::new(Tool::Zoneadm, args)
}

/// `zoneadm -z NAME clone SOURCE`: the new zone's files from an installed, halted zone of its
/// brand (illumos-gate `usr/src/cmd/zoneadm/zoneadm.c`, `clone_func`; the ipkg brand's clone
/// hook snapshots the source's boot environment and clones it, pkg5 `src/brand/clone`).
pub fn clone(zone: &str, source: &str) -> CommandLine {
    CommandLine::new(Tool::Zoneadm, ["-z", zone, "clone", source])
}

/// Parses `zoneadm list -p` output. Lines have 7 fields (older illumos) or more (newer adds a
/// debug ID); `\:` and `\\` in a field stand for `:` and `\`.
///
/// What no zoneadm prints is refused, the whole output with it: a line without its fields,
/// an ID, state or IP type zoneadm does not have, a zone listed twice. Values zoneadm prints
/// as they are configured (name, zonepath, brand) are kept and checked by
/// [`ListedZone::problem`], so one bad zone does not hide the others.
pub fn parse_list(text: &str) -> Result<Vec<ListedZone>, String> {
    let mut zones: Vec<ListedZone> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f = split_escaped(line);
        if f.len() < 7 {
            return Err(format!(
                "line {} of `zoneadm list -p` has {} fields, expected at least 7: {line:?}",
                n + 1,
                f.len()
            ));
        }
        let id =
            match f[0].as_str() {
                "-" => None,
                s => Some(s.parse().map_err(|_| {
                    format!("line {} of `zoneadm list -p` has zone ID {s:?}", n + 1)
                })?),
            };
        let ip_type = match f[6].as_str() {
            "excl" | "exclusive" => IpType::Exclusive,
            "shared" => IpType::Shared,
            s => {
                return Err(format!(
                    "line {} of `zoneadm list -p` has IP type {s:?}",
                    n + 1
                ));
            }
        };
        let state = f[2]
            .parse::<ZoneState>()
            .ok()
            .filter(|s| *s != ZoneState::Creating);
        let Some(state) = state else {
            return Err(format!(
                "line {} of `zoneadm list -p` has state {:?}",
                n + 1,
                f[2]
            ));
        };
        if !seen.insert(f[1].clone()) {
            return Err(format!(
                "line {} of `zoneadm list -p` lists zone `{}` a second time",
                n + 1,
                crate::model::names::printable(&f[1])
            ));
        }
        zones.push(ListedZone {
            id,
            name: f[1].clone(),
            state,
            zonepath: f[3].clone(),
            uuid: Some(f[4].clone()).filter(|u| !u.is_empty()),
            brand: f[5].clone(),
            ip_type,
        });
    }
    Ok(zones)
}

/// Splits a parsable line at `:` that is not escaped, undoing `\:` and `\\`.
pub fn split_escaped(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => fields.last_mut().expect("never empty").push(next),
                None => fields.last_mut().expect("never empty").push('\\'),
            },
            ':' => fields.push(String::new()),
            c => fields.last_mut().expect("never empty").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_eight_and_seven_field_lines() {
        let text = "0:global:running:/::ipkg:shared:0\n\
                    3:web1:running:/zones/web1:4c1f2d3e-aaaa-bbbb-cccc-0123456789ab:nlipkg:excl:42\n\
                    -:db:installed:/zones/a\\:b:4c1f2d3e-aaaa-bbbb-cccc-0123456789ac:ipkg:excl\n\
                    -:new:configured:/zones/new::ipkg:shared:0\n";
        let z = parse_list(text).unwrap();
        assert_eq!(z.len(), 4);
        assert_eq!(z[0].name, "global");
        assert_eq!(z[0].id, Some(0));
        assert_eq!(z[1].brand, "nlipkg");
        assert_eq!(z[1].ip_type, IpType::Exclusive);
        assert_eq!(z[2].zonepath, "/zones/a:b");
        assert_eq!(z[2].id, None);
        assert_eq!(z[3].uuid, None);
        assert_eq!(z[3].state, ZoneState::Configured);
    }

    #[test]
    fn shutdown_commands() {
        assert_eq!(shutdown("web01", false).args, ["-z", "web01", "shutdown"]);
        assert_eq!(
            shutdown("web01", true).args,
            ["-z", "web01", "shutdown", "-r"]
        );
    }

    #[test]
    fn escapes_and_errors() {
        assert_eq!(split_escaped("a\\\\:b\\:c:"), vec!["a\\", "b:c", ""]);
        assert!(
            parse_list("0:global:running:/::ipkg\n")
                .unwrap_err()
                .contains("6 fields")
        );
        assert!(parse_list("x:a:running:/z::ipkg:excl\n").is_err());
        assert!(parse_list("1:a:running:/z::ipkg:vnic\n").is_err());
    }

    #[test]
    fn a_zone_listed_twice_is_refused() {
        let err = parse_list("-:a:installed:/z/a::ipkg:excl\n-:b:installed:/z/b::ipkg:excl\n-:a:configured:/z/c::ipkg:excl\n")
            .unwrap_err();
        assert_eq!(
            err,
            "line 3 of `zoneadm list -p` lists zone `a` a second time"
        );
    }

    #[test]
    fn values_zonecfg_would_never_take_are_flagged_per_zone() {
        let text = concat!(
            "-:ok:installed:/zones/ok::ipkg:excl\n",
            "-:../../../../tmp/x:installed:/zones/x::ipkg:excl\n",
            "-:nopath:configured:::ipkg:excl\n",
            "-:relative:configured:zones/r::ipkg:excl\n",
            "-:dots:configured:/zones/../etc::ipkg:excl\n",
            "-:evilbrand:configured:/zones/e::ip/../kg:excl\n",
            "-:-f:configured:/zones/f::ipkg:excl\n",
            "-:esc\u{1b}]0;x\u{7}:configured:/zones/q::ipkg:excl\n",
        );
        let zones = parse_list(text).unwrap();
        let flagged: Vec<(String, Option<String>)> = zones
            .iter()
            .map(|z| (crate::model::names::printable(&z.name), z.problem()))
            .collect();
        assert_eq!(flagged[0], ("ok".to_string(), None));
        let says = [
            "zone name `../../../../tmp/x` contains `.` at the start",
            "zonepath `` is not an absolute path below /",
            "zonepath `zones/r` is not an absolute path below /",
            "zonepath `/zones/../etc` has a `.` or `..` component",
            "brand name `ip/../kg` contains `/` at position 3",
            "zone name `-f` contains `-` at the start",
            "zone name `esc\\u{1b}]0;x\\u{7}` contains the control character U+001B at position 4",
        ];
        for ((name, problem), says) in flagged[1..].iter().zip(says) {
            let problem = problem
                .as_deref()
                .unwrap_or_else(|| panic!("{name} passed"));
            assert!(problem.starts_with(says), "{name}: {problem}");
        }
    }
}
