//! dladm: the commands zmgr builds and the parser of `dladm show-vnic -p`.

use crate::error::{Error, Result};
use crate::host::exec::{CommandLine, Runner, Tool};
use crate::host::zoneadm::split_escaped;

/// One VNIC as `dladm show-vnic -p -o LINK,OVER,MACADDRESS,VID,ZONE` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vnic {
    pub link: String,
    pub over: String,
    pub mac: String,
    pub vid: u16,
    /// The zone the VNIC is assigned to while that zone runs.
    pub zone: Option<String>,
}

pub const SHOW_VNIC_FIELDS: &str = "LINK,OVER,MACADDRESS,VID,ZONE";

/// `dladm show-vnic -p -o LINK,OVER,MACADDRESS,VID,ZONE`
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
    Ok(parse_show_etherstub(&runner.run(&show_etherstubs())?.stdout))
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

/// Parses `dladm show-vnic -p -o LINK,OVER,MACADDRESS,VID,ZONE`. Etherstubs, which show-vnic
/// also lists with only LINK filled, are skipped.
pub fn parse_show_vnic(text: &str) -> std::result::Result<Vec<Vnic>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let f = split_escaped(line);
        let [link, over, mac, vid, zone] = f.as_slice() else {
            return Err(format!(
                "line {} of `dladm show-vnic -p` has {} fields, expected 5: {line:?}",
                n + 1,
                f.len()
            ));
        };
        if over.is_empty() {
            continue;
        }
        let vid = if vid.is_empty() {
            0
        } else {
            vid.parse()
                .map_err(|_| format!("line {} of `dladm show-vnic -p` has VID {vid:?}", n + 1))?
        };
        out.push(Vnic {
            link: link.clone(),
            over: over.clone(),
            mac: mac.clone(),
            vid,
            zone: Some(zone.clone()).filter(|z| !z.is_empty() && z != "--"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_etherstub_lists_names_under_the_header() {
        // dladm show-etherstub on OmniOS: a LINK header, then one stub a line.
        let out = "LINK\nstub0\nzmgr_stub0\n";
        assert_eq!(parse_show_etherstub(out), vec!["stub0", "zmgr_stub0"]);
        assert!(parse_show_etherstub("LINK\n").is_empty());
    }

    #[test]
    fn parses_vnics_with_escaped_macs() {
        let text = "web1_0:stub0:2\\:8\\:20\\:38\\:a5\\:d6:0:web1\nstub0::::\ndb0:e1000g0:2\\:8\\:20\\:1\\:2\\:3:12:--\n";
        let v = parse_show_vnic(text).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].mac, "2:8:20:38:a5:d6");
        assert_eq!(v[0].zone.as_deref(), Some("web1"));
        assert_eq!(v[1].vid, 12);
        assert_eq!(v[1].zone, None);
        assert!(parse_show_vnic("a:b:c\n").is_err());
    }
}
