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

/// One snapshot as `zfs list -H -p -t snapshot -o name,creation` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// `DATASET@SNAP`.
    pub name: String,
    /// Seconds since the epoch (`-p`).
    pub creation: u64,
}

impl Snapshot {
    /// The part after `@`.
    pub fn snap(&self) -> &str {
        self.name.split_once('@').map_or("", |(_, s)| s)
    }

    /// The part before `@`.
    pub fn dataset(&self) -> &str {
        self.name.split_once('@').map_or("", |(d, _)| d)
    }
}

/// `zfs list -H -p -t snapshot -o name,creation -r DATASET`: the snapshots of the dataset
/// and its descendants, grouped by dataset, each dataset's oldest first (zfs sorts the
/// snapshots of one dataset by `createtxg`: `zfs_compare` in illumos-gate
/// `usr/src/cmd/zfs/zfs_iter.c`).
pub fn list_snapshots(dataset: &str) -> CommandLine {
    CommandLine::new(
        Tool::Zfs,
        [
            "list",
            "-H",
            "-p",
            "-t",
            "snapshot",
            "-o",
            "name,creation",
            "-r",
            dataset,
        ],
    )
}

/// Parses `zfs list -H -p -o name,creation`: a TAB between the name and the seconds.
/// Lines that are not snapshots of `dataset` or its descendants are refused (the output is
/// hostile input like any other).
pub fn parse_snapshots(dataset: &str, text: &str) -> std::result::Result<Vec<Snapshot>, String> {
    let below = format!("{dataset}/");
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let Some((name, creation)) = line.split_once('\t') else {
            return Err(format!(
                "line {} of `zfs list -H` has no TAB between name and creation: {line:?}",
                n + 1
            ));
        };
        let ours = name.split_once('@').is_some_and(|(fs, snap)| {
            (fs == dataset || fs.starts_with(&below)) && !snap.is_empty()
        });
        if !ours {
            return Err(format!(
                "line {} of `zfs list` names {name:?}, not a snapshot of {dataset}",
                n + 1
            ));
        }
        let creation = creation.parse().map_err(|_| {
            format!(
                "line {} of `zfs list -p` has creation {creation:?}, not a number of seconds",
                n + 1
            )
        })?;
        out.push(Snapshot {
            name: name.to_string(),
            creation,
        });
    }
    Ok(out)
}

/// The snapshots of `dataset`, oldest first.
pub fn snapshots(runner: &dyn Runner, dataset: &str) -> Result<Vec<Snapshot>> {
    let cmd = list_snapshots(dataset);
    let out = runner.run(&cmd)?;
    parse_snapshots(dataset, &out.stdout).map_err(|reason| Error::HostOutput {
        command: cmd.display(runner.commands()),
        reason,
    })
}

/// `zfs snapshot -r DATASET@SNAP`: the dataset and every descendant, at once (the zone's
/// boot environments live below its zonepath dataset).
pub fn snapshot(snapshot: &str) -> CommandLine {
    CommandLine::new(Tool::Zfs, ["snapshot", "-r", snapshot])
}

/// `zfs rollback DATASET@SNAP`, without `-r`: ZFS refuses it while later snapshots exist,
/// so it never destroys a snapshot zmgr did not name.
pub fn rollback(snapshot: &str) -> CommandLine {
    CommandLine::new(Tool::Zfs, ["rollback", snapshot])
}

/// `zfs destroy -r DATASET@SNAP`: that snapshot of the dataset and of its descendants (no
/// `-R`: a snapshot with clones is refused).
pub fn destroy_snapshot(snapshot: &str) -> CommandLine {
    CommandLine::new(Tool::Zfs, ["destroy", "-r", snapshot])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_snapshots_and_refuses_others() {
        // zfs list -H -p -t snapshot -o name,creation -d 1 rpool/zones/web01
        let text = "rpool/zones/web01@zmgr-a\t1718000000\nrpool/zones/web01@daily\t1718000100\nrpool/zones/web01/ROOT/zbe@zmgr-a\t1718000000\n";
        let s = parse_snapshots("rpool/zones/web01", text).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[2].dataset(), "rpool/zones/web01/ROOT/zbe");
        assert_eq!(s[0].snap(), "zmgr-a");
        assert_eq!(s[1].creation, 1718000100);
        assert!(parse_snapshots("rpool/zones/web01", "rpool/zones/web0@x\t1\n").is_err());
        assert!(parse_snapshots("rpool/zones/web01", "rpool/zones/web01@x\tyesterday\n").is_err());
        assert!(parse_snapshots("rpool/zones/web01", "rpool/zones/web01@x 1\n").is_err());
        assert!(parse_snapshots("rpool/zones/web01", "").unwrap().is_empty());
    }

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
