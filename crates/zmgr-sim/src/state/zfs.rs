//! ZFS datasets as the state file keeps them (the `zfs` tool works on them).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DsType {
    Filesystem,
    Snapshot,
}

impl DsType {
    /// `zfs_type_to_name`.
    pub fn as_str(self) -> &'static str {
        match self {
            DsType::Filesystem => "filesystem",
            DsType::Snapshot => "snapshot",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZfsDataset {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: DsType,
    /// Properties set locally (`-o`, or by the simulator for its defaults):
    /// `mountpoint`, `canmount`, `zoned`, user properties…
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub props: BTreeMap<String, String>,
    /// Whether the filesystem is mounted.
    #[serde(default)]
    pub mounted: bool,
    /// Where a `legacy` (or `noauto`) filesystem was mounted with mount(8),
    /// as mnttab would say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mounted_at: Option<String>,
    /// The snapshot a clone was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Unix time of creation.
    #[serde(default)]
    pub creation: u64,
}
