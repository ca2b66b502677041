//! Create by clone: what makes a zone a source `zoneadm clone` takes, checked before a
//! create changes anything.
//!
//! `zoneadm -z NEW clone SRC` (illumos-gate `usr/src/cmd/zoneadm/zoneadm.c`, `clone_func`)
//! refuses a source that is the global zone or `SUNW…`, one that is ready or running
//! (`clone operation is invalid for running zones.`), one that is not installed (`zone SRC
//! is STATE; installed is required.`) and one of another brand (`validate_clone`: `Zones
//! 'SRC' and 'NEW' have different brand types.`). zmgr asks the same of `zoneadm list -cp`
//! first, so the create stops with its address free and nothing made.

use crate::error::Error;
use crate::host::zoneadm::ListedZone;
use crate::model::zone::ZoneState;

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
}
