//! zfs(8): the datasets zone paths live on. ipkg's install needs the zonepath's parent to be
//! the mountpoint of a mounted ZFS filesystem: zoneadm then creates the zone's own dataset
//! under it (illumos-gate `usr/src/cmd/zoneadm/zfs.c`, `create_zfs_zonepath`), and the brand
//! refuses a zonepath without one ("the zonepath must be a ZFS dataset", pkg5
//! `src/brand/common.ksh`, `get_zonepath_ds`).

use std::path::Path;

use crate::error::{Error, Result};
use crate::host::exec::{CommandLine, Runner, Tool};

/// One filesystem as `zfs list -H -o name,mountpoint` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub name: String,
    /// A path, `legacy`, `none` or `-`.
    pub mountpoint: String,
}

/// `zfs list -H -t filesystem -o name,mountpoint`: every filesystem, as the brand asks.
pub fn list_filesystems() -> CommandLine {
    CommandLine::new(
        Tool::Zfs,
        ["list", "-H", "-t", "filesystem", "-o", "name,mountpoint"],
    )
}

/// Parses `zfs list -H -o name,mountpoint`: one dataset a line, fields separated by a TAB.
pub fn parse_list(text: &str) -> std::result::Result<Vec<Dataset>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let Some((name, mountpoint)) = line.split_once('\t') else {
            return Err(format!(
                "line {} of `zfs list -H` has no TAB between name and mountpoint: {line:?}",
                n + 1
            ));
        };
        out.push(Dataset {
            name: name.to_string(),
            mountpoint: mountpoint.to_string(),
        });
    }
    Ok(out)
}

/// The filesystems of the system.
pub fn filesystems(runner: &dyn Runner) -> Result<Vec<Dataset>> {
    let cmd = list_filesystems();
    let out = runner.run(&cmd)?;
    parse_list(&out.stdout).map_err(|reason| Error::HostOutput {
        command: cmd.display(runner.commands()),
        reason,
    })
}

/// The dataset mounted exactly at `path`, the way the brand matches the mountpoint column.
pub fn mounted_at<'a>(datasets: &'a [Dataset], path: &Path) -> Option<&'a Dataset> {
    datasets.iter().find(|d| Path::new(&d.mountpoint) == path)
}

/// `zfs create -o mountpoint=PATH DATASET`
pub fn create(dataset: &str, mountpoint: &Path) -> CommandLine {
    CommandLine::new(
        Tool::Zfs,
        [
            "create".to_string(),
            "-o".to_string(),
            format!("mountpoint={}", mountpoint.display()),
            dataset.to_string(),
        ],
    )
}

/// `zfs destroy DATASET` (no `-r`: a dataset with children is refused, as it should be).
pub fn destroy(dataset: &str) -> CommandLine {
    CommandLine::new(Tool::Zfs, ["destroy", dataset])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_list_h_and_finds_the_mountpoint_exactly() {
        // zfs list -H -t filesystem -o name,mountpoint on OpenIndiana: TAB-separated, no header.
        let text = "rpool\t/rpool\nrpool/ROOT\tlegacy\nrpool/ROOT/openindiana\t/\nrpool/zones\t/zones\nrpool/export\t/export\n";
        let ds = parse_list(text).unwrap();
        assert_eq!(ds.len(), 5);
        assert_eq!(
            mounted_at(&ds, Path::new("/zones")).map(|d| d.name.as_str()),
            Some("rpool/zones")
        );
        // The root BE holds /export/zones, but is not mounted there: not a match.
        assert_eq!(mounted_at(&ds, Path::new("/export/zones")), None);
        assert!(parse_list("rpool /rpool\n").is_err());
        assert!(parse_list("").unwrap().is_empty());
    }
}
