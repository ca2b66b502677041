//! dladm: the commands zmgr builds and the parser of `dladm show-vnic -p`.

use crate::error::{Error, Result};
use crate::host::exec::{CommandLine, Runner, Tool};
use crate::host::zoneadm::split_escaped;

/// One VNIC as `dladm show-vnic -p -o LINK,OVER` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vnic {
    pub link: String,
    pub over: String,
}

/// The fields zmgr asks `show-vnic` for: only these two, since older dladm (before OmniOS
/// r151030, older OpenIndiana) has no ZONE field and an unknown field is fatal with `-p`.
pub const SHOW_VNIC_FIELDS: &str = "LINK,OVER";

/// `dladm show-vnic -p -o LINK,OVER`
pub fn show_vnics() -> CommandLine {
    CommandLine::new(Tool::Dladm, ["show-vnic", "-p", "-o", SHOW_VNIC_FIELDS])
}

/// The VNICs the system has.
pub fn vnics(runner: &dyn Runner) -> Result<Vec<Vnic>> {
    let cmd = show_vnics();
    let out = runner.run(&cmd)?;
    parse_show_vnic(&out.stdout).map_err(|reason| Error::HostOutput {
        command: cmd.display(runner.commands()),
        reason,
    })
}

/// `dladm show-etherstub`: its usage takes no `-p`/`-o`, so the output is a `LINK` header and
/// one name a line.
pub fn show_etherstubs() -> CommandLine {
    CommandLine::new(Tool::Dladm, ["show-etherstub"])
}

/// The names `dladm show-etherstub` lists.
pub fn parse_show_etherstub(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "LINK")
        .map(str::to_string)
        .collect()
}

/// The etherstubs the system has.
pub fn etherstubs(runner: &dyn Runner) -> Result<Vec<String>> {
    Ok(parse_show_etherstub(
        &runner.run(&show_etherstubs())?.stdout,
    ))
}

/// A datalink's class, as `dladm show-link` prints it (libdladm `dladm_class2str`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    /// `phys`, `vlan`, `aggr`, `vnic`, `etherstub`, `iptun`, `simnet`, `bridge`, `part`,
    /// `overlay`.
    pub class: String,
}

/// `dladm show-link -p -o link,class`
pub fn show_links() -> CommandLine {
    CommandLine::new(Tool::Dladm, ["show-link", "-p", "-o", "link,class"])
}

/// Parses `dladm show-link -p -o link,class` (`e1000g0:phys`, `stub0:etherstub`).
pub fn parse_show_link(text: &str) -> std::result::Result<Vec<Link>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f = split_escaped(line);
        let [name, class] = f.as_slice() else {
            return Err(format!(
                "line {} of `dladm show-link -p` has {} fields, expected 2: {line:?}",
                n + 1,
                f.len()
            ));
        };
        out.push(Link {
            name: name.clone(),
            class: class.clone(),
        });
    }
    Ok(out)
}

/// The datalinks of the system.
pub fn links(runner: &dyn Runner) -> Result<Vec<Link>> {
    let cmd = show_links();
    let out = runner.run(&cmd)?;
    parse_show_link(&out.stdout).map_err(|reason| Error::HostOutput {
        command: cmd.display(runner.commands()),
        reason,
    })
}

/// `dladm delete-etherstub NAME`
pub fn delete_etherstub(name: &str) -> CommandLine {
    CommandLine::new(Tool::Dladm, ["delete-etherstub", name])
}

/// `dladm create-etherstub NAME`
pub fn create_etherstub(name: &str) -> CommandLine {
    CommandLine::new(Tool::Dladm, ["create-etherstub", name])
}

/// `dladm create-vnic -l OVER NAME`
pub fn create_vnic(over: &str, name: &str) -> CommandLine {
    CommandLine::new(Tool::Dladm, ["create-vnic", "-l", over, name])
}

/// `dladm delete-vnic NAME`
pub fn delete_vnic(name: &str) -> CommandLine {
    CommandLine::new(Tool::Dladm, ["delete-vnic", name])
}

/// Parses `dladm show-vnic -p -o LINK,OVER`. Etherstubs, which show-vnic also lists with
/// only LINK filled, are skipped.
pub fn parse_show_vnic(text: &str) -> std::result::Result<Vec<Vnic>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f = split_escaped(line);
        let [link, over] = f.as_slice() else {
            return Err(format!(
                "line {} of `dladm show-vnic -p` has {} fields, expected 2: {line:?}",
                n + 1,
                f.len()
            ));
        };
        if over.is_empty() {
            continue;
        }
        out.push(Vnic {
            link: link.clone(),
            over: over.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_show_link() {
        let l = parse_show_link("e1000g0:phys\nstub0:etherstub\nvnic0:vnic\n").unwrap();
        assert_eq!(
            l[1],
            Link {
                name: "stub0".into(),
                class: "etherstub".into()
            }
        );
        assert!(parse_show_link("a\n").is_err());
    }

    #[test]
    fn show_etherstub_lists_names_under_the_header() {
        // dladm show-etherstub on OmniOS: a LINK header, then one stub a line.
        let out = "LINK\nstub0\nzmgr_stub0\n";
        assert_eq!(parse_show_etherstub(out), vec!["stub0", "zmgr_stub0"]);
        assert!(parse_show_etherstub("LINK\n").is_empty());
    }

    #[test]
    fn parses_vnics_and_skips_etherstubs() {
        // `dladm show-vnic -p -o LINK,OVER`: an etherstub shows with an empty OVER.
        let text = "web1_0:stub0\nstub0:\ndb0:e1000g0\n";
        let v = parse_show_vnic(text).unwrap();
        assert_eq!(
            v,
            [
                Vnic {
                    link: "web1_0".into(),
                    over: "stub0".into()
                },
                Vnic {
                    link: "db0".into(),
                    over: "e1000g0".into()
                },
            ]
        );
        assert!(parse_show_vnic("a:b:c\n").is_err());
    }
}
