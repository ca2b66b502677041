//! `zmgr snapshot`, `snapshots`, `rollback` and `snapshot --delete`: ZFS snapshots of a
//! zone's zonepath dataset (the filesystem mounted exactly at its zonepath, as the brand finds
//! it, with the boot environments below it).
//!
//! zmgr names its snapshots `zmgr-NAME` and never lists, rolls back to or destroys one it
//! did not make: a rollback that would need `zfs rollback -r` (later snapshots exist) is
//! refused; with `force`, zmgr destroys the later snapshots itself, one by one by name, and
//! only when every one of them is its own, then runs a plain `zfs rollback`, which ZFS
//! refuses if a snapshot appeared meanwhile.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::exec::CommandLine;
use crate::host::zfs::{self, Snapshot};
use crate::model::zone::ZoneState;
use crate::ops::session::Session;
use crate::store::registry::Registry;

/// The prefix of every snapshot zmgr makes.
pub const PREFIX: &str = "zmgr-";

/// ZFS's limit on a whole `DATASET@SNAP` name (`ZFS_MAX_DATASET_NAME_LEN`, 256, counting
/// the terminating NUL).
const MAX_NAME: usize = 255;

/// One zmgr snapshot of a zone.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneSnapshot {
    /// The name zmgr shows (without the prefix).
    pub name: String,
    /// The ZFS snapshot of the zonepath dataset.
    pub snapshot: String,
    /// When it was made, RFC 3339 UTC.
    pub created: String,
}

/// What a snapshot verb did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub zone: String,
    pub snapshot: String,
    pub dataset: String,
    /// The commands run (or to be run), as typed.
    pub commands: Vec<String>,
    /// The later zmgr snapshots a forced rollback destroys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub destroyed: Vec<String>,
    pub dry_run: bool,
}

/// The zone's zonepath dataset, checking the zone is one zmgr manages.
fn zone_dataset(core: &Session, registry: &Registry, name: &str) -> Result<String> {
    if let Some(why) = crate::model::names::zone_name_error(name) {
        return Err(Error::usage(why));
    }
    let entry = registry.zones.get(name).ok_or_else(|| Error::NotFound {
        kind: "zone",
        name: name.to_string(),
        help: Some(format!(
            "zmgr only manages zones in its registry; if {name} was made by hand, `zmgr import {name}` adopts it"
        )),
    })?;
    if entry.state == ZoneState::Creating {
        return Err(Error::failed(format!(
            "zone {name} is being created (or was left half made by an interrupted create)"
        ))
        .with_help(
            "wait for the create to finish; `zmgr reconcile --fix` cleans up a crashed one",
        ));
    }
    let datasets = zfs::filesystems(core.runner())?;
    match zfs::mounted_at(&datasets, &entry.zonepath) {
        Some(d) => Ok(d.name.clone()),
        None => Err(Error::failed(format!(
            "zone {name} has no ZFS dataset mounted at its zonepath {}; zmgr snapshots only a zonepath dataset",
            entry.zonepath.display()
        ))),
    }
}

/// Refuses a zone that is not halted (installed): a snapshot or rollback of a running
/// zone's files would catch them half written, and ZFS cannot roll back a mounted, busy
/// boot environment.
fn require_halted(core: &Session, name: &str, doing: &str) -> Result<()> {
    match crate::host::zoneadm::find(core.runner(), name)? {
        Some(z) if z.state == ZoneState::Installed => Ok(()),
        Some(z) if z.state.is_up() => Err(Error::failed(format!(
            "zone {name} is {}; zmgr {doing} only a halted zone",
            z.state
        ))
        .with_help(format!(
            "`zmgr halt {name}` first, then `zmgr boot {name}` after"
        ))),
        Some(z) => Err(Error::failed(format!(
            "zone {name} is {}; zmgr {doing} only an installed, halted zone",
            z.state
        ))),
        None => Err(Error::failed(format!(
            "zone {name} is in the registry but not configured on the system"
        ))
        .with_help("`zmgr reconcile` shows the difference")),
    }
}

/// The user's snapshot name, checked; `None` gives a UTC timestamp (`20250102T030405Z`).
fn snap_name(snap: Option<&str>) -> Result<String> {
    let name = match snap {
        Some(s) => s.to_string(),
        None => crate::time::now_rfc3339().replace(['-', ':'], ""),
    };
    if let Some(why) = crate::model::names::snapshot_name_error(&name) {
        return Err(Error::usage(why));
    }
    Ok(name)
}

fn full_name(dataset: &str, snap: &str) -> Result<String> {
    let full = format!("{dataset}@{PREFIX}{snap}");
    if full.len() > MAX_NAME {
        return Err(Error::usage(format!(
            "snapshot name `{snap}` is too long for dataset {dataset}: ZFS takes at most {MAX_NAME} bytes for `{full}`"
        )));
    }
    Ok(full)
}

/// The zmgr snapshots of the dataset itself, oldest first.
fn own(dataset: &str, all: &[Snapshot]) -> Vec<ZoneSnapshot> {
    all.iter()
        .filter(|s| s.dataset() == dataset)
        .filter_map(|s| {
            s.snap().strip_prefix(PREFIX).map(|n| ZoneSnapshot {
                name: n.to_string(),
                snapshot: s.name.clone(),
                created: crate::time::format_rfc3339(s.creation as i64),
            })
        })
        .collect()
}

fn not_found(zone: &str, snap: &str, have: &[ZoneSnapshot]) -> Error {
    let names: Vec<&str> = have.iter().map(|s| s.name.as_str()).collect();
    let help = match crate::suggest::did_you_mean(snap, &names) {
        Some(n) => format!("did you mean `{n}`? `zmgr snapshots {zone}` lists them"),
        None if names.is_empty() => format!("zone {zone} has no zmgr snapshots"),
        None => format!("`zmgr snapshots {zone}` lists them"),
    };
    Error::failed(format!("zone {zone} has no snapshot `{snap}` made by zmgr")).with_help(help)
}

/// `zmgr snapshots NAME`: the zone's zmgr snapshots, oldest first.
pub fn list(core: &Session, registry: &Registry, name: &str) -> Result<Vec<ZoneSnapshot>> {
    let dataset = zone_dataset(core, registry, name)?;
    Ok(own(&dataset, &zfs::snapshots(core.runner(), &dataset)?))
}

/// `zmgr snapshot NAME [SNAP]`: `zfs snapshot -r DATASET@zmgr-SNAP` of the halted zone.
pub fn snapshot(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    snap: Option<&str>,
    dry_run: bool,
) -> Result<Report> {
    let snap = snap_name(snap)?;
    let dataset = zone_dataset(core, registry, name)?;
    require_halted(core, name, "snapshots")?;
    let full = full_name(&dataset, &snap)?;
    if zfs::snapshots(core.runner(), &dataset)?
        .iter()
        .any(|s| s.name == full)
    {
        return Err(
            Error::conflict(format!("zone {name} already has a snapshot `{snap}`")).with_help(
                format!("choose another name, or `zmgr snapshot --delete {name} {snap}` first"),
            ),
        );
    }
    let cmd = zfs::snapshot(&full);
    if !dry_run {
        core.run_step(&format!("snapshotting zone {name} as {snap}"), &cmd)?;
    }
    Ok(Report {
        zone: name.to_string(),
        snapshot: snap,
        dataset,
        commands: vec![core.display(&cmd)],
        destroyed: Vec::new(),
        dry_run,
    })
}

/// `zmgr snapshot --delete NAME SNAP`: `zfs destroy -r DATASET@zmgr-SNAP` (its copies in the
/// boot environments go with it; a snapshot with clones is refused by ZFS).
pub fn delete(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    snap: &str,
    dry_run: bool,
) -> Result<Report> {
    if let Some(why) = crate::model::names::snapshot_name_error(snap) {
        return Err(Error::usage(why));
    }
    let dataset = zone_dataset(core, registry, name)?;
    let have = own(&dataset, &zfs::snapshots(core.runner(), &dataset)?);
    let Some(target) = have.iter().find(|s| s.name == snap) else {
        return Err(not_found(name, snap, &have));
    };
    let cmd = zfs::destroy_snapshot(&target.snapshot);
    if !dry_run {
        core.run_step(&format!("deleting snapshot {snap} of zone {name}"), &cmd)?;
    }
    Ok(Report {
        zone: name.to_string(),
        snapshot: snap.to_string(),
        dataset,
        commands: vec![core.display(&cmd)],
        destroyed: Vec::new(),
        dry_run,
    })
}

/// `zmgr rollback NAME SNAP [--force]`: each dataset of the zone that has `@zmgr-SNAP` is
/// rolled back to it. Later snapshots make ZFS refuse; zmgr refuses first, naming them:
/// ones it did not make always, its own unless `force`, which destroys them (newest first)
/// before the rollback.
pub fn rollback(
    core: &mut Session,
    registry: &Registry,
    name: &str,
    snap: &str,
    force: bool,
    dry_run: bool,
) -> Result<Report> {
    if let Some(why) = crate::model::names::snapshot_name_error(snap) {
        return Err(Error::usage(why));
    }
    let dataset = zone_dataset(core, registry, name)?;
    require_halted(core, name, "rolls back")?;
    let all = zfs::snapshots(core.runner(), &dataset)?;
    let have = own(&dataset, &all);
    if !have.iter().any(|s| s.name == snap) {
        return Err(not_found(name, snap, &have));
    }
    let wanted = format!("{PREFIX}{snap}");
    // Per dataset of the zone that has the snapshot: the snapshots made after it.
    let mut targets: Vec<&Snapshot> = Vec::new();
    let mut later: Vec<&Snapshot> = Vec::new();
    let mut datasets: Vec<&str> = Vec::new();
    for s in &all {
        if !datasets.contains(&s.dataset()) {
            datasets.push(s.dataset());
        }
    }
    for ds in datasets {
        // zfs lists one dataset's snapshots oldest first.
        let group: Vec<&Snapshot> = all.iter().filter(|s| s.dataset() == ds).collect();
        if let Some(pos) = group.iter().position(|s| s.snap() == wanted) {
            targets.push(group[pos]);
            later.extend(&group[pos + 1..]);
        }
    }
    let foreign: Vec<&str> = later
        .iter()
        .filter(|s| !s.snap().starts_with(PREFIX))
        .map(|s| s.name.as_str())
        .collect();
    if !foreign.is_empty() {
        return Err(Error::failed(format!(
            "cannot roll zone {name} back to {snap}: later snapshots that zmgr did not make exist: {}",
            foreign.join(", ")
        ))
        .with_help(
            "zmgr never destroys a snapshot it did not make; whoever made them can remove them (`zfs destroy`), then roll back again",
        ));
    }
    let mut later_names: Vec<String> = Vec::new();
    for s in &later {
        let n = s.snap()[PREFIX.len()..].to_string();
        if !later_names.contains(&n) {
            later_names.push(n);
        }
    }
    if !later_names.is_empty() && !force {
        return Err(Error::failed(format!(
            "{snap} is not the latest snapshot of zone {name}: rolling back to it destroys the later ones ({})",
            later_names.join(", ")
        ))
        .with_help(format!(
            "`zmgr rollback {name} {snap} --force` destroys them and rolls back"
        )));
    }
    let mut cmds: Vec<(String, CommandLine)> = Vec::new();
    for s in later.iter().rev() {
        cmds.push((
            format!("destroying the later snapshot {}", s.name),
            zfs::destroy(&s.name),
        ));
    }
    for t in &targets {
        cmds.push((format!("rolling {} back", t.name), zfs::rollback(&t.name)));
    }
    let commands = cmds.iter().map(|(_, c)| core.display(c)).collect();
    if !dry_run {
        for (message, cmd) in &cmds {
            core.run_step(message, cmd)?;
        }
    }
    Ok(Report {
        zone: name.to_string(),
        snapshot: snap.to_string(),
        dataset,
        commands,
        destroyed: later_names,
        dry_run,
    })
}

/// What the snapshot verbs read: the zone's entry.
pub fn needs(name: &str) -> impl Fn(&Registry) -> crate::store::needs::Needs + '_ {
    crate::ops::lifecycle::needs(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_are_valid_timestamps() {
        let n = snap_name(None).unwrap();
        assert_eq!(n.len(), "20250102T030405Z".len(), "{n}");
        assert!(n.ends_with('Z'));
        assert!(snap_name(Some("before upgrade")).is_err());
        assert!(snap_name(Some("a@b")).is_err());
        assert!(snap_name(Some("-r")).is_err());
        assert!(snap_name(Some("pre-upgrade_1.2:3")).is_ok());
    }
}
