//! Writing files inside a zone's root from the global zone. The zone's own root user owns
//! that tree and may plant symbolic links in it, so every folder is opened by handle, from
//! the one above, never following a link, and the file is written beside its target and
//! renamed over it: there is no gap between a check and the use of a path.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Component, Path};

use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags};
use rustix::io::Errno;

/// Writes `content` to `path` (absolute in the zone, or relative to its root) inside `root`,
/// creating missing folders (mode 755) and refusing any way out of it: `..`, or a symbolic
/// link anywhere on the way.
pub fn write_in_root(root: &Path, path: &str, content: &str) -> Result<(), String> {
    let (dir, file_name, shown) = walk(root, path, "write_file", true)?;
    if let Ok(st) = rustix::fs::statat(&dir, file_name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
        && FileType::from_raw_mode(st.st_mode) == FileType::Symlink
    {
        return Err(format!(
            "write_file: {} is a symbolic link; refusing to follow it",
            shown.display()
        ));
    }
    // A new file beside the target, renamed over it: readers see the old or the new content,
    // and a link planted at the target meanwhile is replaced, not followed.
    let tmp = format!(
        ".{}.zmgr.{}",
        file_name.to_string_lossy(),
        std::process::id()
    );
    let fd = rustix::fs::openat(
        &dir,
        tmp.as_str(),
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )
    .map_err(|e| format!("write_file: cannot write {}: {e}", shown.display()))?;
    let mut file = std::fs::File::from(fd);
    let written = file
        .write_all(content.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| e.to_string())
        .and_then(|()| {
            rustix::fs::renameat(&dir, tmp.as_str(), &dir, file_name.as_os_str())
                .map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        let _ = rustix::fs::unlinkat(&dir, tmp.as_str(), AtFlags::empty());
        return Err(format!("write_file: cannot write {}: {e}", shown.display()));
    }
    Ok(())
}

/// Reads the text file at `path` inside `root`, refusing `..` and symbolic links on the way
/// and at the file itself (at most 1 MiB: these are configuration files). `Ok(None)` when
/// it does not exist.
pub fn read_in_root(root: &Path, path: &str) -> Result<Option<String>, String> {
    const MAX: u64 = 1 << 20;
    let (dir, file_name, shown) = match walk(root, path, "read_file", false) {
        Ok(w) => w,
        Err(e) if e.ends_with(NOT_THERE) => return Ok(None),
        Err(e) => return Err(e),
    };
    let fd = match rustix::fs::openat(
        &dir,
        file_name.as_os_str(),
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(None),
        Err(Errno::LOOP) => {
            return Err(format!(
                "read_file: {} is a symbolic link; refusing to follow it",
                shown.display()
            ));
        }
        Err(e) => return Err(format!("read_file: cannot read {}: {e}", shown.display())),
    };
    let file = std::fs::File::from(fd);
    let mut text = String::new();
    std::io::Read::take(file, MAX + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("read_file: cannot read {}: {e}", shown.display()))?;
    if text.len() as u64 > MAX {
        return Err(format!(
            "read_file: {} is larger than 1 MiB",
            shown.display()
        ));
    }
    Ok(Some(text))
}

/// The end of the message when a folder on the way does not exist (reading only).
const NOT_THERE: &str = "does not exist";

/// Checks `path` and opens the folder that holds it, folder by folder from `root` without
/// following a link (creating missing folders when `create`). Returns that folder, the
/// file's name and the path as shown in messages.
fn walk(
    root: &Path,
    path: &str,
    what: &str,
    create: bool,
) -> Result<(OwnedFd, std::ffi::OsString, std::path::PathBuf), String> {
    let inner = path.trim_start_matches('/');
    let rel = Path::new(inner);
    if inner.is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(format!(
            "{what}: `{path}` must be a path inside the zone, without `..`"
        ));
    }
    if inner.contains('\0') {
        return Err(format!("{what}: `{path}` holds a NUL byte"));
    }
    let mut dir = open_dir(None, root.as_os_str())
        .map_err(|e| refused(what, &root.display().to_string(), e))?;
    let parts: Vec<&OsStr> = rel.components().map(|c| c.as_os_str()).collect();
    let (file_name, folders) = parts.split_last().expect("at least one component");
    let mut walked = root.to_path_buf();
    for part in folders {
        walked.push(part);
        let shown = walked.display().to_string();
        dir = match open_dir(Some(&dir), part) {
            Ok(d) => d,
            Err(Errno::NOENT) if create => {
                rustix::fs::mkdirat(&dir, *part, Mode::from_raw_mode(0o755))
                    .map_err(|e| format!("{what}: cannot create {shown}: {e}"))?;
                open_dir(Some(&dir), part).map_err(|e| refused(what, &shown, e))?
            }
            Err(Errno::NOENT) => return Err(format!("{what}: {shown} {NOT_THERE}")),
            Err(e) => return Err(refused(what, &shown, e)),
        };
    }
    Ok((dir, file_name.to_os_string(), root.join(rel)))
}

/// Opens a folder by name, from `at` (or the current folder), without following a link.
fn open_dir(at: Option<&OwnedFd>, name: &OsStr) -> Result<OwnedFd, Errno> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match at {
        Some(d) => rustix::fs::openat(d, name, flags, Mode::empty()),
        None => rustix::fs::openat(CWD, name, flags, Mode::empty()),
    }
}

/// Why a folder on the way could not be opened, naming a link as a link.
fn refused(what: &str, shown: &str, e: Errno) -> String {
    let is_link = std::fs::symlink_metadata(shown).is_ok_and(|m| m.file_type().is_symlink());
    match e {
        Errno::LOOP | Errno::NOTDIR if is_link => {
            format!("{what}: {shown} is a symbolic link; refusing to follow it")
        }
        Errno::NOTDIR => format!("{what}: {shown} is not a folder"),
        _ => format!("{what}: cannot open {shown}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_in_root_stays_inside() {
        let root = std::env::temp_dir().join(format!("zmgr-hooks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        write_in_root(&root, "/etc/resolv.conf", "nameserver 192.0.2.53\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("etc/resolv.conf")).unwrap(),
            "nameserver 192.0.2.53\n"
        );
        assert!(write_in_root(&root, "../x", "").is_err());
        assert!(write_in_root(&root, "/etc/../../x", "").is_err());
        std::os::unix::fs::symlink("/tmp", root.join("out")).unwrap();
        assert!(
            write_in_root(&root, "/out/x", "")
                .unwrap_err()
                .contains("symbolic link")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn read_in_root_reads_files_and_refuses_links() {
        let root = std::env::temp_dir().join(format!("zmgr-read-root-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/nsswitch.dns"), "hosts: files dns\n").unwrap();
        assert_eq!(
            read_in_root(&root, "/etc/nsswitch.dns").unwrap().as_deref(),
            Some("hosts: files dns\n")
        );
        assert_eq!(read_in_root(&root, "/etc/missing").unwrap(), None);
        assert_eq!(read_in_root(&root, "/nosuch/dir/file").unwrap(), None);
        std::os::unix::fs::symlink("/etc/passwd", root.join("etc/passwd")).unwrap();
        assert!(
            read_in_root(&root, "/etc/passwd")
                .unwrap_err()
                .contains("symbolic link")
        );
        std::os::unix::fs::symlink("/etc", root.join("host")).unwrap();
        assert!(
            read_in_root(&root, "/host/passwd")
                .unwrap_err()
                .contains("symbolic link")
        );
        assert!(read_in_root(&root, "../x").is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
