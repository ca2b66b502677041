//! Create by clone: what makes a zone a source `zoneadm clone` takes, checked before a
//! create changes anything.
//!
//! `zoneadm -z NEW clone SRC` (illumos-gate `usr/src/cmd/zoneadm/zoneadm.c`, `clone_func`)
//! refuses a source that is the global zone or `SUNW…`, one that is ready or running
//! (`clone operation is invalid for running zones.`), one that is not installed (`zone SRC
//! is STATE; installed is required.`) and one of another brand (`validate_clone`: `Zones
//! 'SRC' and 'NEW' have different brand types.`). zmgr asks the same of `zoneadm list -cp`
//! first, so the create stops with its address free and nothing made.

use crate::error::{Error, Result};
use crate::host::zfs;
use crate::host::zoneadm::ListedZone;
use crate::model::zone::ZoneState;
use crate::ops::session::Session;

/// Why a zone cannot be the source of a clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceProblem {
    /// No zone of that name is configured on the system.
    Missing(String),
    /// It is ready or running.
    Up(String, ZoneState),
    /// It is configured or incomplete.
    NotInstalled(String, ZoneState),
    /// Its brand is not the new zone's.
    Brand {
        source: String,
        brand: String,
        want: String,
    },
}

impl SourceProblem {
    pub fn describe(&self) -> String {
        match self {
            SourceProblem::Missing(s) => {
                format!("the zone to clone, `{s}`, does not exist on the system")
            }
            SourceProblem::Up(s, state) => format!(
                "the zone to clone, `{s}`, is {state}; zoneadm clones only a halted zone (`clone operation is invalid for running zones.`)"
            ),
            SourceProblem::NotInstalled(s, state) => {
                format!("the zone to clone, `{s}`, is {state}; it must be installed")
            }
            SourceProblem::Brand {
                source,
                brand,
                want,
            } => format!(
                "the zone to clone, `{source}`, has brand {brand}, and the new zone {want}; zoneadm clones only a zone of the same brand"
            ),
        }
    }

    pub fn into_error(self) -> Error {
        let message = self.describe();
        match self {
            SourceProblem::Missing(_) => Error::failed(message).with_help(
                "`zoneadm list -cv` lists the zones of the system; clone from an installed, halted one",
            ),
            SourceProblem::Up(s, _) => Error::failed(message).with_help(format!(
                "halt it first (`zmgr halt {s}`), or keep a halted golden-image zone to clone from (a running zone's files may be half written; a snapshot of them is taken only when it is halted: `zmgr snapshot`)"
            )),
            SourceProblem::NotInstalled(s, _) => Error::failed(message)
                .with_help(format!("install `{s}` first, or clone from another zone")),
            SourceProblem::Brand { .. } => Error::usage(message)
                .with_help("clone from a zone of the template's brand, or use a template of the source's brand"),
        }
    }
}

/// Why the zone to clone, as the system lists its zones, cannot be the source of a zone of
/// brand `brand`; `None` when it can.
pub fn check_source(zones: &[ListedZone], brand: &str, source: &str) -> Option<SourceProblem> {
    let Some(z) = zones.iter().find(|z| z.name == source) else {
        return Some(SourceProblem::Missing(source.to_string()));
    };
    if matches!(z.state, ZoneState::Ready | ZoneState::Running) || z.state.is_up() {
        return Some(SourceProblem::Up(source.to_string(), z.state));
    }
    if z.state != ZoneState::Installed {
        return Some(SourceProblem::NotInstalled(source.to_string(), z.state));
    }
    if z.brand != brand {
        return Some(SourceProblem::Brand {
            source: source.to_string(),
            brand: z.brand.clone(),
            want: brand.to_string(),
        });
    }
    None
}

/// Why `source` cannot even be named as the zone to clone for `zone`: not a zone name, or
/// the new zone itself.
pub fn source_name_error(zone: &str, source: &str) -> Option<Error> {
    if let Some(why) = crate::model::names::zone_name_error(source) {
        return Some(Error::usage(format!("--clone: {why}")));
    }
    (source == zone).then(|| Error::usage(format!("zone `{zone}` cannot be cloned from itself")))
}

/// The snapshots of the source zone's datasets before a clone of it. pkg5's ipkg clone hook
/// (`src/brand/clone`) runs `zfs snapshot SRC_BE@NAME_snap` (`NAME_snapN` when taken), then
/// `zfs clone` of it: when the clone fails, or the hook is stopped between the two, no
/// dataset's origin is that snapshot, so `zoneadm uninstall` does not take it. The undo of
/// the create takes it: a `NAME_snap…` snapshot of a boot environment of the source that
/// was not there before is the create's.
#[derive(Debug, Clone)]
pub struct SourceSnapshots {
    source: String,
    dataset: String,
    before: Vec<String>,
}

impl SourceSnapshots {
    /// Notes the snapshots of `source`'s zonepath dataset and the datasets below it; `None`
    /// when the source has no zonepath dataset (the clone then fails before any snapshot).
    pub fn note(core: &Session, source: &str) -> Result<Option<SourceSnapshots>> {
        let Some(zone) = crate::host::zoneadm::find(core.runner(), source)? else {
            return Ok(None);
        };
        let datasets = zfs::filesystems(core.runner())?;
        let Some(d) = zfs::mounted_at(&datasets, std::path::Path::new(&zone.zonepath)) else {
            return Ok(None);
        };
        let before = zfs::snapshots(core.runner(), &d.name)?
            .into_iter()
            .map(|s| s.name)
            .collect();
        Ok(Some(SourceSnapshots {
            source: source.to_string(),
            dataset: d.name.clone(),
            before,
        }))
    }

    /// The snapshots the clone hook made for `zone` on the source and left there.
    pub fn left(&self, core: &Session, zone: &str) -> Result<Vec<String>> {
        let roots = format!("{}/ROOT/", self.dataset);
        Ok(zfs::snapshots(core.runner(), &self.dataset)?
            .into_iter()
            .filter(|s| !self.before.contains(&s.name))
            .filter(|s| {
                s.dataset()
                    .strip_prefix(&roots)
                    .is_some_and(|be| !be.is_empty() && !be.contains('/'))
            })
            .filter(|s| is_hook_snapshot(s.snap(), zone))
            .map(|s| s.name)
            .collect())
    }

    /// Destroys what [`SourceSnapshots::left`] finds, with a plain `zfs destroy`, which
    /// ZFS refuses for a snapshot with clones: what was undone, and what could not be.
    pub fn undo(&self, core: &mut Session, zone: &str) -> (Vec<String>, Vec<String>) {
        let (mut done, mut failed) = (Vec::new(), Vec::new());
        let left = match self.left(core, zone) {
            Ok(l) => l,
            Err(e) => {
                failed.push(format!(
                    "cannot see the snapshots of the source zone {}: {e}",
                    self.source
                ));
                return (done, failed);
            }
        };
        for snap in left {
            let what = format!("the snapshot {snap} the clone made of zone {}", self.source);
            core.note(&format!("undoing: {what}"));
            match core.run_step(&format!("destroying snapshot {snap}"), &zfs::destroy(&snap)) {
                Ok(_) => done.push(what),
                Err(e) => failed.push(format!(
                    "{what}: {e} (`zfs destroy {snap}` removes it once nothing is cloned from it)"
                )),
            }
        }
        (done, failed)
    }
}

/// The lock of the zone to clone, if any (see [`crate::fs::lock::ZoneLock`]).
pub fn lock_source(
    core: &Session,
    source: Option<&str>,
) -> Result<Option<crate::fs::lock::ZoneLock>> {
    source
        .map(|s| crate::fs::lock::ZoneLock::acquire(core.root(), s, core.lock_wait))
        .transpose()
}

/// A failed create's error, with the snapshots the clone hook left on the source destroyed
/// and named among what was undone (or, when they could not be, among what failed). Nothing
/// is destroyed when the create keeps what it made (`--keep-on-failure`): they are named
/// among what was kept.
pub fn undo_source_snapshots(
    core: &mut Session,
    zone: &str,
    source: Option<&SourceSnapshots>,
    error: Error,
) -> Error {
    let Some(source) = source else {
        return error;
    };
    let _shield = crate::host::interrupt::Shield::up();
    match error {
        Error::Create {
            zone: z,
            cause,
            mut undone,
            mut failed,
            kept,
        } => {
            let kept =
                match kept {
                    Some(mut k) => {
                        k.extend(source.left(core, zone).unwrap_or_default().into_iter().map(
                            |s| {
                                format!("the snapshot {s} the clone made of zone {}", source.source)
                            },
                        ));
                        Some(k)
                    }
                    None => {
                        let (done, not) = source.undo(core, zone);
                        undone.extend(done);
                        failed.extend(not);
                        None
                    }
                };
            Error::Create {
                zone: z,
                cause,
                undone,
                failed,
                kept,
            }
        }
        other => other,
    }
}

/// Whether `snap` is a name the clone hook gives its snapshot for `zone`: `NAME_snap`, or
/// `NAME_snapN` for N below 100.
fn is_hook_snapshot(snap: &str, zone: &str) -> bool {
    snap.strip_prefix(zone)
        .and_then(|r| r.strip_prefix("_snap"))
        .is_some_and(|n| {
            n.is_empty()
                || (n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones() -> Vec<ListedZone> {
        crate::host::zoneadm::parse_list(
            "-:gold:installed:/zones/gold:u1:ipkg:excl\n\
             3:web:running:/zones/web:u2:ipkg:excl\n\
             -:half:incomplete:/zones/half:u3:ipkg:excl\n\
             -:other:installed:/zones/other:u4:nlipkg:excl\n",
        )
        .unwrap()
    }

    #[test]
    fn only_an_installed_halted_zone_of_the_brand_is_a_source() {
        let z = zones();
        assert_eq!(check_source(&z, "ipkg", "gold"), None);
        assert!(matches!(
            check_source(&z, "ipkg", "web"),
            Some(SourceProblem::Up(_, ZoneState::Running))
        ));
        assert!(matches!(
            check_source(&z, "ipkg", "half"),
            Some(SourceProblem::NotInstalled(_, ZoneState::Incomplete))
        ));
        assert!(matches!(
            check_source(&z, "ipkg", "other"),
            Some(SourceProblem::Brand { .. })
        ));
        assert_eq!(
            check_source(&z, "ipkg", "nope"),
            Some(SourceProblem::Missing("nope".into()))
        );
        assert!(source_name_error("a", "a").is_some());
        assert!(source_name_error("a", "../x").is_some());
        assert!(source_name_error("a", "gold").is_none());
    }

    #[test]
    fn hook_snapshot_names() {
        assert!(is_hook_snapshot("web_snap", "web"));
        assert!(is_hook_snapshot("web_snap7", "web"));
        assert!(is_hook_snapshot("web_snap99", "web"));
        assert!(!is_hook_snapshot("web_snap100", "web"));
        assert!(!is_hook_snapshot("web_snap07", "web"));
        assert!(!is_hook_snapshot("web01_snap", "web"));
        assert!(!is_hook_snapshot("zmgr-web_snap", "web"));
    }
}
