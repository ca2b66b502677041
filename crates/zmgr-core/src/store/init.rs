//! `zmgr init`: a working registry tree, written without touching anything that exists.

use std::path::{Path, PathBuf};

use crate::error::Result;

use crate::store::registry::Kind;

/// The files `init` writes, relative to the root, with their shipped contents.
pub const FILES: &[(&str, &str)] = &[
    (
        "config.kdl",
        include_str!("../../templates/skel/config.kdl"),
    ),
    (
        "templates/ipkg.kdl",
        include_str!("../../templates/ipkg.kdl"),
    ),
    (
        "templates/nlipkg.kdl",
        include_str!("../../templates/nlipkg.kdl"),
    ),
    (
        "publishers/openindiana.org.kdl",
        include_str!("../../templates/skel/publishers/openindiana.org.kdl"),
    ),
    (
        "pools/default.kdl",
        include_str!("../../templates/skel/pools/default.kdl"),
    ),
];

/// What `init` did to one path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    pub path: PathBuf,
    pub created: bool,
}

/// Writes the registry tree under `root`. Existing files and folders are kept as they are.
pub fn init(root: &Path) -> Result<Vec<Step>> {
    init_with(root, FILES.iter().map(|(p, t)| (*p, t.to_string())))
}

/// Like [`init`], with other file contents (the sandbox uses its own pool).
pub fn init_with(
    root: &Path,
    files: impl IntoIterator<Item = (&'static str, String)>,
) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    let created = crate::fs::ensure_dir(root)?;
    steps.push(Step {
        path: root.to_path_buf(),
        created,
    });
    for dir in Kind::ALL.iter().map(|k| k.dir()).chain(["scripts"]) {
        let path = root.join(dir);
        let created = crate::fs::ensure_dir(&path)?;
        steps.push(Step { path, created });
    }
    for (rel, text) in files {
        let path = root.join(rel);
        let created = crate::fs::write_new_atomic(&path, text.as_bytes())?;
        steps.push(Step { path, created });
    }
    Ok(steps)
}
