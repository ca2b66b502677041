//! Zone entry files, `ROOT/zones/NAME.kdl`: written new (locked before they appear, for a
//! create), their state changed in place, removed. The caller holds the registry lock.

use std::path::{Path, PathBuf};

use kdl::KdlDocument;

use crate::error::Result;
use crate::model::zone::{ZoneEntry, ZoneState};

/// `ROOT/zones/NAME.kdl`
pub fn entry_path(root: &Path, name: &str) -> PathBuf {
    crate::store::registry::Kind::Zone.path(root, name)
}

/// Writes a new entry. Returns `false`, writing nothing, when the zone already has one.
pub fn write_new_entry(root: &Path, entry: &ZoneEntry) -> Result<bool> {
    // Read back before anything is written: its name becomes a path, and no entry zmgr
    // writes may be one that `check` refuses.
    let text = entry.checked_kdl()?;
    let path = entry_path(root, &entry.name.value);
    crate::fs::ensure_dir(path.parent().expect("zones folder"))?;
    let written = crate::fs::write_new_atomic(&path, text.as_bytes())?;
    if written {
        crate::store::cache::written(&path, &text);
    }
    Ok(written)
}

/// Sets the `state` of an entry in place, keeping the file's comments and layout.
pub fn set_entry_state(root: &Path, name: &str, state: ZoneState) -> Result<()> {
    use crate::error::Error;
    let path = entry_path(root, name);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
    let mut doc = KdlDocument::parse_v2(&text).map_err(|_| {
        Error::failed(format!("{} is not valid KDL any more", path.display()))
            .with_help("run `zmgr check` to see the problem")
    })?;
    let Some(zone) = doc
        .nodes_mut()
        .iter_mut()
        .find(|n| n.name().value() == "zone")
    else {
        return Err(Error::failed(format!(
            "{} holds no zone entry",
            path.display()
        )));
    };
    let existing = zone.children_mut().as_mut().and_then(|c| {
        c.nodes_mut()
            .iter_mut()
            .find(|n| n.name().value() == "state")
    });
    match existing.and_then(|n| n.entries_mut().iter_mut().find(|e| e.name().is_none())) {
        Some(entry) => crate::kdl::set_entry_value(entry, state.as_str()),
        None => {
            let mut node = kdl::KdlNode::new("state");
            node.push(crate::kdl::string_entry(state.as_str()));
            crate::kdl::push_child(zone, node);
        }
    }
    let text = doc.to_string();
    crate::fs::write_atomic(&path, text.as_bytes())?;
    crate::store::cache::written(&path, &text);
    Ok(())
}

/// Writes an existing entry anew (its interfaces changed), read back first as `check` reads it.
pub fn replace_entry(root: &Path, entry: &ZoneEntry) -> Result<()> {
    let text = entry.checked_kdl()?;
    let path = entry_path(root, &entry.name.value);
    crate::fs::write_atomic(&path, text.as_bytes())?;
    crate::store::cache::written(&path, &text);
    Ok(())
}

/// Removes an entry, which frees its addresses. An entry already gone is not an error.
pub fn remove_entry(root: &Path, name: &str) -> Result<()> {
    let path = entry_path(root, name);
    if !path.exists() {
        return Ok(());
    }
    crate::fs::remove(&path)
}
