//! zmgr runs as root, so every file it acts on is privileged input: the registry's files,
//! scripts, and the programs config.kdl names. As sshd's StrictModes does, a file is trusted
//! only when no one but root (or the user running zmgr, e.g. in a sandbox) could have written
//! it: the file and every folder from `/` down to it are owned by root or that user, and not
//! writable by group or others — except a folder like `/tmp`, writable by all but sticky, in
//! which only entries owned by root or that user are taken.
//!
//! Files are opened once, folder by folder from `/` by handle without following a link, and
//! each check is made on the open handle, which is then what is read: nothing can be swapped
//! between the check and the use.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustix::fs::{CWD, FileType, Mode, OFlags};
use rustix::io::Errno;

/// Why a file or folder is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    pub path: PathBuf,
    pub uid: u32,
    pub mode: u32,
    /// What is wrong, e.g. "is writable by others".
    pub why: String,
    /// What fixes it, as a command.
    pub fix: String,
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} (owner uid {}, mode {:04o})",
            self.path.display(),
            self.why,
            self.uid,
            self.mode & 0o7777
        )
    }
}

/// Why a trusted open failed.
#[derive(Debug)]
pub enum OpenError {
    /// It, or a folder above it, is not trusted.
    Untrusted(Untrusted),
    /// It does not exist.
    Missing,
    /// A file was wanted, and it is a folder (or a device, a FIFO…).
    NotAFile(PathBuf),
    /// A folder was wanted, and it is not one.
    NotAFolder(PathBuf),
    /// It is a symbolic link, which zmgr does not follow there.
    Link(PathBuf),
    /// It could not be opened or read; the text says why.
    Io(String),
}

/// What tells a file's content apart without reading it: any write changes its ctime (which
/// no one can set back, short of changing the clock), a replacement its inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    size: i64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    // stat's field types differ between Linux and illumos.
    #[allow(clippy::unnecessary_cast)]
    fn of(st: &rustix::fs::Stat) -> Stamp {
        Stamp {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            size: st.st_size as i64,
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctime: (st.st_ctime as i64, st.st_ctime_nsec as i64),
        }
    }

    /// The stamp of the file at `path` now (not following a link), for a file this process
    /// has just written itself.
    pub fn of_path(path: &Path) -> Option<Stamp> {
        rustix::fs::lstat(path).ok().map(|st| Stamp::of(&st))
    }

    /// The stamp as numbers, to be kept in a file ([`Stamp::from_numbers`] reads them back).
    pub fn numbers(&self) -> [i64; 7] {
        [
            self.dev as i64,
            self.ino as i64,
            self.size,
            self.mtime.0,
            self.mtime.1,
            self.ctime.0,
            self.ctime.1,
        ]
    }

    pub fn from_numbers(n: [i64; 7]) -> Stamp {
        Stamp {
            dev: n[0] as u64,
            ino: n[1] as u64,
            size: n[2],
            mtime: (n[3], n[4]),
            ctime: (n[5], n[6]),
        }
    }

    /// Whether the file changed in the last two seconds, as the clock goes now: the kernel
    /// keeps ctime in coarse ticks, so a second write within one tick could keep it; such a
    /// file is not known by its stamp yet.
    pub fn recent(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.ctime.0 >= now - 2 || self.mtime.0 >= now - 2
    }
}

/// A file read unless its stamp said it was known (see [`TrustedDir::read_unless`]).
pub enum Stamped {
    Known(Stamp),
    Read(Stamp, Vec<u8>),
}

/// The users whose files are trusted: root, and the user running zmgr.
fn trusted_owner(uid: u32) -> bool {
    uid == 0 || uid == rustix::process::geteuid().as_raw()
}

fn check(path: &Path, fd: &OwnedFd, want_dir: bool) -> Result<(), OpenError> {
    check_stat(path, &fstat(path, fd)?, want_dir)
}

fn fstat(path: &Path, fd: &OwnedFd) -> Result<rustix::fs::Stat, OpenError> {
    rustix::fs::fstat(fd).map_err(|e| OpenError::Io(format!("{}: {e}", path.display())))
}

/// [`check`] on what `stat` said.
// stat's field types differ between Linux and illumos.
#[allow(clippy::unnecessary_cast)]
fn check_stat(path: &Path, st: &rustix::fs::Stat, want_dir: bool) -> Result<(), OpenError> {
    let kind = FileType::from_raw_mode(st.st_mode);
    let mode = st.st_mode as u32;
    let uid = st.st_uid;
    let untrusted = |why: &str, fix: String| {
        Err(OpenError::Untrusted(Untrusted {
            path: path.to_path_buf(),
            uid,
            mode,
            why: why.to_string(),
            fix,
        }))
    };
    if want_dir && kind != FileType::Directory {
        return Err(OpenError::NotAFolder(path.to_path_buf()));
    }
    if !want_dir && kind != FileType::RegularFile {
        return Err(OpenError::NotAFile(path.to_path_buf()));
    }
    if !trusted_owner(uid) {
        let me = rustix::process::geteuid().as_raw();
        return untrusted(
            "is owned by another user",
            format!("chown {me} {}", path.display()),
        );
    }
    if mode & 0o022 != 0 && !(want_dir && mode & 0o1000 != 0) {
        return untrusted(
            if mode & 0o002 != 0 {
                "is writable by others"
            } else {
                "is writable by its group"
            },
            format!("chmod go-w {}", path.display()),
        );
    }
    Ok(())
}

fn io(path: &Path, e: Errno) -> OpenError {
    match e {
        Errno::NOENT => OpenError::Missing,
        // O_NOFOLLOW on a link: ELOOP (Linux, illumos) or EMLINK (some BSDs).
        Errno::LOOP | Errno::MLINK => OpenError::Link(path.to_path_buf()),
        Errno::NOTDIR => OpenError::NotAFolder(path.to_path_buf()),
        e => OpenError::Io(format!("{}: {}", path.display(), lower(&e.to_string()))),
    }
}

/// An errno's text as zmgr's messages put it ("permission denied").
fn lower(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A folder opened and checked from `/` down, and the path it was reached by.
///
/// A strict one refuses what is not trusted; a lenient one (for verbs that only read) notes
/// it in [`TrustedDir::findings`] and goes on.
#[derive(Debug)]
pub struct TrustedDir {
    fd: OwnedFd,
    path: PathBuf,
    findings: Option<Arc<Mutex<Vec<Untrusted>>>>,
}

impl TrustedDir {
    /// Opens `path` (made absolute and free of links first), checking every folder on the
    /// way from `/`.
    pub fn open(path: &Path) -> Result<TrustedDir, OpenError> {
        Self::open_with(path, None)
    }

    /// Like [`TrustedDir::open`], noting what is not trusted instead of refusing it.
    pub fn open_lenient(path: &Path) -> Result<TrustedDir, OpenError> {
        Self::open_with(path, Some(Arc::new(Mutex::new(Vec::new()))))
    }

    /// What a lenient folder (and everything opened through it) found untrusted.
    pub fn findings(&self) -> Vec<Untrusted> {
        self.findings
            .as_ref()
            .map(|f| f.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .unwrap_or_default()
    }

    /// Applies `check`: refuses, or notes and goes on when lenient.
    fn judge(&self, result: Result<(), OpenError>) -> Result<(), OpenError> {
        match (result, &self.findings) {
            (Err(OpenError::Untrusted(u)), Some(f)) => {
                f.lock().unwrap_or_else(|e| e.into_inner()).push(u);
                Ok(())
            }
            (r, _) => r,
        }
    }

    fn open_with(
        path: &Path,
        findings: Option<Arc<Mutex<Vec<Untrusted>>>>,
    ) -> Result<TrustedDir, OpenError> {
        let real = std::fs::canonicalize(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OpenError::Missing,
            _ => OpenError::Io(format!("{}: {e}", path.display())),
        })?;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let root = rustix::fs::openat(CWD, "/", flags, Mode::empty())
            .map_err(|e| io(Path::new("/"), e))?;
        let mut dir = TrustedDir {
            fd: root,
            path: PathBuf::from("/"),
            findings,
        };
        dir.judge(check(Path::new("/"), &dir.fd, true))?;
        for c in real.components() {
            if let Component::Normal(name) = c {
                dir = dir.open_dir(name)?;
            }
        }
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens and checks the folder `name` inside this one.
    pub fn open_dir(&self, name: &OsStr) -> Result<TrustedDir, OpenError> {
        let path = self.path.join(name);
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd =
            rustix::fs::openat(&self.fd, name, flags, Mode::empty()).map_err(|e| io(&path, e))?;
        self.judge(check(&path, &fd, true))?;
        Ok(TrustedDir {
            fd,
            path,
            findings: self.findings.clone(),
        })
    }

    /// The names in this folder (not `.` and `..`), unsorted.
    pub fn names(&self) -> Result<Vec<OsString>, OpenError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, ".", flags, Mode::empty())
            .map_err(|e| io(&self.path, e))?;
        let mut dir = rustix::fs::Dir::read_from(fd).map_err(|e| io(&self.path, e))?;
        let mut out = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(|e| io(&self.path, e))?;
            let name = entry.file_name().to_bytes();
            if name != b"." && name != b".." {
                out.push(OsStr::from_bytes(name).to_os_string());
            }
        }
        Ok(out)
    }

    /// The first `n` bytes of the file `name` of this folder (all of it if it is shorter),
    /// checked on the handle it is read from.
    pub fn read_prefix(&self, name: &OsStr, n: u64) -> Result<Vec<u8>, OpenError> {
        let path = self.path.join(name);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd =
            rustix::fs::openat(&self.fd, name, flags, Mode::empty()).map_err(|e| io(&path, e))?;
        let st = fstat(&path, &fd)?;
        self.judge(check_stat(&path, &st, false))?;
        // Sized from the start: a large file (the zone index) is not copied as it grows.
        let mut bytes =
            Vec::with_capacity((st.st_size.max(0) as u64).saturating_add(1).min(n) as usize);
        std::fs::File::from(fd)
            .take(n)
            .read_to_end(&mut bytes)
            .map_err(|e| OpenError::Io(format!("{}: {e}", path.display())))?;
        Ok(bytes)
    }

    /// Like [`TrustedDir::read`], with the file's stamp taken from the handle it is read
    /// from; when `known` says that stamp is known, the file is not read at all.
    pub fn read_unless(
        &self,
        name: &OsStr,
        limit: u64,
        known: impl FnOnce(&Stamp) -> bool,
    ) -> Result<Stamped, OpenError> {
        let path = self.path.join(name);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd =
            rustix::fs::openat(&self.fd, name, flags, Mode::empty()).map_err(|e| io(&path, e))?;
        let st = fstat(&path, &fd)?;
        self.judge(check_stat(&path, &st, false))?;
        let stamp = Stamp::of(&st);
        if known(&stamp) {
            return Ok(Stamped::Known(stamp));
        }
        let mut bytes = Vec::with_capacity((st.st_size.max(0) as u64).min(limit) as usize + 1);
        std::fs::File::from(fd)
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| OpenError::Io(format!("{}: {e}", path.display())))?;
        if bytes.len() as u64 > limit {
            return Err(OpenError::Io(format!(
                "{} is larger than {limit} bytes",
                path.display()
            )));
        }
        Ok(Stamped::Read(stamp, bytes))
    }

    /// The stamp of the file `name` of this folder, without opening it: only when it is a
    /// regular file that would pass the checks a read makes. Anything else (missing, a link,
    /// not trusted, unreadable) is `None`, for the caller to read it and meet the reason.
    pub fn stamp_of(&self, name: &OsStr) -> Option<Stamp> {
        let st = rustix::fs::statat(&self.fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).ok()?;
        check_stat(Path::new(name), &st, false).ok()?;
        Some(Stamp::of(&st))
    }

    /// The stamp of this folder itself: any name added, removed or renamed in it changes it.
    pub fn own_stamp(&self) -> Option<Stamp> {
        rustix::fs::fstat(&self.fd).ok().map(|st| Stamp::of(&st))
    }

    /// Reads the file `name` of this folder, checked on the handle it is read from; at most
    /// `limit` bytes.
    pub fn read(&self, name: &OsStr, limit: u64) -> Result<Vec<u8>, OpenError> {
        let path = self.path.join(name);
        let bytes = self.read_prefix(name, limit + 1)?;
        if bytes.len() as u64 > limit {
            return Err(OpenError::Io(format!(
                "{} is larger than {limit} bytes",
                path.display()
            )));
        }
        Ok(bytes)
    }

    /// Checks the file `name` of this folder without reading it (a program zmgr runs).
    pub fn check_file(&self, name: &OsStr) -> Result<(), OpenError> {
        let path = self.path.join(name);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd =
            rustix::fs::openat(&self.fd, name, flags, Mode::empty()).map_err(|e| io(&path, e))?;
        self.judge(check(&path, &fd, false))
    }
}

/// Reads the secret at `path` (a key, a password) as [`read`] does, and refuses it too when
/// its group or others may read it: a secret anyone can read is no longer one, and zmgr
/// will not use it as if it were.
// stat's field types differ between Linux and illumos.
#[allow(clippy::unnecessary_cast)]
pub fn read_secret(path: &Path, limit: u64) -> Result<Vec<u8>, OpenError> {
    let (dir, name) = split(path)?;
    let dir = TrustedDir::open(dir)?;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd = rustix::fs::openat(&dir.fd, name, flags, Mode::empty()).map_err(|e| io(path, e))?;
    let st = fstat(path, &fd)?;
    check_stat(path, &st, false)?;
    let mode = st.st_mode as u32;
    if mode & 0o077 != 0 {
        return Err(OpenError::Untrusted(Untrusted {
            path: path.to_path_buf(),
            uid: st.st_uid,
            mode,
            why: "can be read by users other than its owner".to_string(),
            fix: format!("chmod go-rwx {}", path.display()),
        }));
    }
    let mut bytes = Vec::new();
    std::fs::File::from(fd)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| OpenError::Io(format!("{}: {e}", path.display())))?;
    if bytes.len() as u64 > limit {
        return Err(OpenError::Io(format!(
            "{} is larger than {limit} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Reads `path` as [`TrustedDir::read`] does, opening its folder from `/`.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, OpenError> {
    let (dir, name) = split(path)?;
    TrustedDir::open(dir)?.read(name, limit)
}

/// Reads the code file at `path` (a site script, a hook file, an imported module) as
/// [`read`] does, or the problem that refuses it: the code runs as root, so a file that
/// someone else could have written, or a link, is never read. At most `limit + 1` bytes are
/// read, so the caller can tell a file over its limit.
pub fn read_code(path: &Path, limit: u64) -> Result<Vec<u8>, crate::error::Problem> {
    let read =
        split(path).and_then(|(dir, name)| TrustedDir::open(dir)?.read_prefix(name, limit + 1));
    read.map_err(|e| code_refused(path, e))
}

/// The problem of code at `path` (a script, or a template holding hooks) that `e` refused:
/// the code runs as root, so a file someone else could have written, or a link, is not run.
pub fn code_refused(path: &Path, e: OpenError) -> crate::error::Problem {
    use crate::error::Problem;
    match e {
        OpenError::Untrusted(u) => Problem::error(format!(
            "refusing {u}: scripts run as root, and zmgr runs only code root could have written"
        ))
        .with_help(format!("`{}`, or remove it if it is not yours", u.fix)),
        OpenError::Link(p) => Problem::error(format!(
            "refusing {}: a symbolic link, which zmgr does not follow to code it runs as root",
            p.display()
        ))
        .with_help("name the file itself"),
        OpenError::Missing => Problem::error(format!(
            "cannot read {}: no such file or directory",
            path.display()
        )),
        OpenError::NotAFile(p) => {
            Problem::error(format!("cannot read {}: not a regular file", p.display()))
        }
        OpenError::NotAFolder(p) => {
            Problem::error(format!("cannot read {}: not a folder", p.display()))
        }
        OpenError::Io(why) => Problem::error(format!("cannot read {why}")),
    }
}

/// Checks the file at `path` and every folder above it without reading it.
pub fn check_path(path: &Path) -> Result<(), OpenError> {
    let (dir, name) = split(path)?;
    TrustedDir::open(dir)?.check_file(name)
}

/// Checks the program at `path` (links resolved first) and every folder above it.
pub fn check_program(path: &Path) -> Result<(), OpenError> {
    let real = std::fs::canonicalize(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => OpenError::Missing,
        _ => OpenError::Io(format!("{}: {e}", path.display())),
    })?;
    let (dir, name) = split(&real)?;
    TrustedDir::open(dir)?.check_file(name)
}

fn split(path: &Path) -> Result<(&Path, &OsStr), OpenError> {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => Ok((
            if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            },
            name,
        )),
        _ => Err(OpenError::Io(format!("{} names no file", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("zmgr-trust-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        d
    }

    fn untrusted(r: Result<Vec<u8>, OpenError>) -> Untrusted {
        match r {
            Err(OpenError::Untrusted(u)) => u,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn code_is_read_once_checked_and_refused_with_the_reason() {
        let d = temp("code");
        let f = d.join("hook.rhai");
        std::fs::write(&f, "let x = 1;").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_code(&f, 100).unwrap(), b"let x = 1;");
        // One byte over the limit is read, so the caller can say the file is too large.
        assert_eq!(read_code(&f, 3).unwrap(), b"let ");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        let p = read_code(&f, 100).unwrap_err();
        assert!(
            p.message()
                .starts_with(&format!("refusing {} is writable by others", f.display())),
            "{}",
            p.message()
        );
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = d.join("link.rhai");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        let p = read_code(&link, 100).unwrap_err();
        assert!(p.message().contains("a symbolic link"), "{}", p.message());
        assert!(check_path(&f).is_ok());
        assert!(matches!(check_path(&link), Err(OpenError::Link(_))));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn reads_a_trusted_file_and_refuses_writable_ones_and_folders() {
        let d = temp("modes");
        let f = d.join("config.kdl");
        std::fs::write(&f, "x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read(&f, 100).unwrap(), b"x");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        let u = untrusted(read(&f, 100));
        assert_eq!(u.why, "is writable by others");
        assert_eq!(u.fix, format!("chmod go-w {}", f.display()));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert_eq!(untrusted(read(&f, 100)).why, "is writable by its group");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        // A folder above it, writable by others and not sticky.
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let u = untrusted(read(&f, 100));
        assert_eq!(u.path, d.canonicalize().unwrap());
        // Sticky, like /tmp: fine, the file is ours.
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert_eq!(read(&f, 100).unwrap(), b"x");
        assert!(matches!(
            read(&d.join("nosuch"), 100),
            Err(OpenError::Missing)
        ));
        assert!(matches!(read(&f, 0), Err(OpenError::Io(_))));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_link_as_the_file_is_not_followed() {
        let d = temp("links");
        std::fs::write(d.join("real"), "x").unwrap();
        std::os::unix::fs::symlink(d.join("real"), d.join("link")).unwrap();
        assert!(matches!(
            read(&d.join("link"), 100),
            Err(OpenError::Link(_))
        ));
        // A linked folder above is resolved first, then walked by handle.
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/f"), "y").unwrap();
        std::os::unix::fs::symlink(d.join("sub"), d.join("alias")).unwrap();
        assert_eq!(read(&d.join("alias/f"), 100).unwrap(), b"y");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
