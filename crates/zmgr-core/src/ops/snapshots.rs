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
    /// The ZFS snapshot of the zonepath dataset, `DATASET@zmgr-NAME`.
    #[serde(rename = "zfs_snapshot")]
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
    pub destroyed: Vec<String>,
    /// The zone's datasets a forced rollback leaves as they are: made after the snapshot.
    pub left: Vec<String>,
    pub dry_run: bool,
}

/// The zone's zonepath dataset and the filesystems below it (itself first), checking the
/// zone is one zmgr manages and no create of it runs or crashed.
fn zone_dataset(core: &Session, registry: &Registry, name: &str) -> Result<(String, Vec<String>)> {
    let entry = crate::ops::lifecycle::entry(registry, name, false)?;
    let datasets = zfs::filesystems(core.runner())?;
    match zfs::mounted_at(&datasets, &entry.zonepath) {
        Some(d) => {
            let below = format!("{}/", d.name);
            let tree = std::iter::once(d.name.clone())
                .chain(
                    datasets
                        .iter()
                        .filter(|x| x.name.starts_with(&below))
                        .map(|x| x.name.clone()),
                )
                .collect();
            Ok((d.name.clone(), tree))
        }
        None => Err(Error::failed(format!(
            "zone {name} has no ZFS dataset mounted at its zonepath {}; zmgr snapshots only a zonepath dataset",
            entry.zonepath.display()
        ))),
    }
}

/// The zone's lock, held across the check that it is halted and the zfs commands, so that
/// no `zmgr boot` of it runs in between.
fn lock_zone(core: &Session, name: &str) -> Result<crate::fs::lock::ZoneLock> {
    crate::fs::lock::ZoneLock::acquire(core.root(), name, core.lock_wait)
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

/// `DATASET@zmgr-SNAP`, checked against ZFS's limit for every name `zfs snapshot -r` makes:
/// the longest is that of the deepest dataset below (`DATASET/ROOT/zbe-N@zmgr-SNAP`).
fn full_name(dataset: &str, tree: &[String], snap: &str) -> Result<String> {
    let full = format!("{dataset}@{PREFIX}{snap}");
    let longest = tree
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(dataset))
        .max_by_key(|d| d.len())
        .unwrap_or(dataset);
    let longest = format!("{longest}@{PREFIX}{snap}");
    if longest.len() > MAX_NAME {
        return Err(Error::usage(format!(
            "snapshot name `{snap}` is too long for zone dataset {dataset}: ZFS takes at most {MAX_NAME} bytes, and `zfs snapshot -r` would name `{longest}` ({} bytes)",
            longest.len()
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
    Error::NotFound {
        kind: "snapshot",
        name: format!("{zone}@{snap}"),
        help: Some(help),
    }
}

/// `zmgr snapshots NAME`: the zone's zmgr snapshots, oldest first.
pub fn list(core: &Session, registry: &Registry, name: &str) -> Result<Vec<ZoneSnapshot>> {
    let (dataset, _) = zone_dataset(core, registry, name)?;
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
    let (dataset, tree) = zone_dataset(core, registry, name)?;
    let full = full_name(&dataset, &tree, &snap)?;
    let _lock = if dry_run {
        None
    } else {
        Some(lock_zone(core, name)?)
    };
    require_halted(core, name, "snapshots")?;
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
        left: Vec::new(),
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
    let (dataset, _) = zone_dataset(core, registry, name)?;
    let _lock = if dry_run {
        None
    } else {
        Some(lock_zone(core, name)?)
    };
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
        left: Vec::new(),
        dry_run,
    })
}

/// One step of a rollback: destroying a later snapshot, or rolling a dataset back.
enum Step<'a> {
    Destroy(&'a Snapshot),
    Roll(&'a Snapshot),
}

impl Step<'_> {
    fn command(&self) -> CommandLine {
        match self {
            Step::Destroy(s) => zfs::destroy(&s.name),
            Step::Roll(s) => zfs::rollback(&s.name),
        }
    }

    fn message(&self) -> String {
        match self {
            Step::Destroy(s) => format!("destroying the later snapshot {}", s.name),
            Step::Roll(s) => format!("rolling {} back", s.name),
        }
    }

    /// What the step did, as the report of a failure lists it.
    fn done(&self) -> String {
        match self {
            Step::Destroy(s) => format!("destroyed {}", s.name),
            Step::Roll(s) => format!("rolled {} back to {}", s.dataset(), s.snap()),
        }
    }

    fn not_done(&self) -> String {
        match self {
            Step::Destroy(s) => format!("{} is not destroyed", s.name),
            Step::Roll(s) => format!("{} is not rolled back", s.dataset()),
        }
    }
}

/// `zmgr rollback NAME SNAP [--force]`: each dataset of the zone that has `@zmgr-SNAP` is
/// rolled back to it. Everything is checked before anything changes: later snapshots make
/// ZFS refuse, so zmgr refuses first, naming them (ones it did not make always, its own
/// unless `force`, which destroys them, newest first, before the rollback); datasets of the
/// zone made after the snapshot (a later boot environment) cannot be rolled back, so they
/// are refused unless `force`, which leaves them as they are and names them. From the first
/// change on, an interrupt does not stop the sequence half way, and a failure names what was
/// done and what was not.
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
    let (dataset, tree) = zone_dataset(core, registry, name)?;
    let _lock = if dry_run {
        None
    } else {
        Some(lock_zone(core, name)?)
    };
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
    // The zone's filesystems without the snapshot were made after it: a boot environment
    // made by a later `pkg update` in the zone, which may be the one it boots.
    let left: Vec<String> = tree
        .iter()
        .filter(|d| !targets.iter().any(|t| t.dataset() == d.as_str()))
        .cloned()
        .collect();
    let mut later_names: Vec<String> = Vec::new();
    for s in &later {
        let n = s.snap()[PREFIX.len()..].to_string();
        if !later_names.contains(&n) {
            later_names.push(n);
        }
    }
    if !force && (!later_names.is_empty() || !left.is_empty()) {
        let mut why = Vec::new();
        if !later_names.is_empty() {
            why.push(format!(
                "{snap} is not the latest snapshot of zone {name}: rolling back to it destroys the later ones ({})",
                later_names.join(", ")
            ));
        }
        if !left.is_empty() {
            why.push(format!(
                "datasets of zone {name} made after snapshot {snap} cannot be rolled back to it, and would stay as they are ({}); if one is the boot environment the zone boots, the rollback does not show in the zone",
                left.join(", ")
            ));
        }
        let mut help = format!("`zmgr rollback {name} {snap} --force` ");
        help += match (later_names.is_empty(), left.is_empty()) {
            (false, true) => "destroys them and rolls back",
            (true, false) => "rolls back the others and leaves those as they are",
            _ => "destroys the later snapshots, rolls back, and leaves those datasets as they are",
        };
        return Err(Error::failed(why.join("; ")).with_help(help));
    }
    let steps: Vec<Step> = later
        .iter()
        .rev()
        .map(|s| Step::Destroy(s))
        .chain(targets.iter().map(|t| Step::Roll(t)))
        .collect();
    let commands = steps.iter().map(|s| core.display(&s.command())).collect();
    if !dry_run {
        if !left.is_empty() {
            core.note(&format!(
                "zone {name}: {} made after snapshot {snap}, left as they are",
                left.join(", ")
            ));
        }
        run_all(core, name, snap, &steps)?;
    }
    Ok(Report {
        zone: name.to_string(),
        snapshot: snap.to_string(),
        dataset,
        commands,
        destroyed: later_names,
        left,
        dry_run,
    })
}

/// Runs the steps of a rollback to the end, or to the first failure, which is reported with
/// what was done and what was not. An interrupt before the first step stops it with nothing
/// changed; from then on a [`Shield`](crate::host::interrupt::Shield) keeps it from stopping
/// the sequence half way (later snapshots destroyed, nothing rolled back).
fn run_all(core: &mut Session, name: &str, snap: &str, steps: &[Step]) -> Result<()> {
    if crate::host::interrupt::requested() {
        return Err(Error::Interrupted);
    }
    let shield = crate::host::interrupt::Shield::up();
    for (i, step) in steps.iter().enumerate() {
        if let Err(e) = core.run_step(&step.message(), &step.command()) {
            let done: Vec<String> = steps[..i].iter().map(Step::done).collect();
            let not: Vec<String> = steps[i..].iter().map(Step::not_done).collect();
            let done = if done.is_empty() {
                "nothing was changed".to_string()
            } else {
                format!("done: {}", done.join(", "))
            };
            return Err(Error::failed(format!(
                "the rollback of zone {name} to {snap} stopped half way: {e}; {done}; not done: {}",
                not.join(", ")
            ))
            .with_help(format!(
                "the zone's datasets are not all at snapshot {snap}; once the cause is fixed, `zmgr rollback {name} {snap}` rolls back the rest"
            )));
        }
    }
    drop(shield);
    if crate::host::interrupt::requested() {
        core.note(&format!(
            "an interrupt arrived while zone {name} was rolled back; zmgr finished the rollback first, as stopping half way would leave the zone's datasets at different points"
        ));
    }
    Ok(())
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
