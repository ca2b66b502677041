//! The registry: every file under the root, read, validated and cross-checked.
//!
//! ```text
//! ROOT/config.kdl
//! ROOT/templates/NAME.kdl
//! ROOT/pools/NAME.kdl
//! ROOT/zones/NAME.kdl
//! ROOT/publishers/NAME.kdl
//! ```

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ::kdl::KdlDocument;

use std::ffi::{OsStr, OsString};

use miette::Severity;

use crate::error::{Error, Problem, Problems, Result, SourceFile};
use crate::fs::trust::{OpenError, Stamp, Stamped, TrustedDir, Untrusted};
use crate::kdl::Spanned;
use crate::model::config::Config;
use crate::model::pool::Pool;
use crate::model::publisher::Publisher;
use crate::model::template::Template;
use crate::model::zone::ZoneEntry;
use crate::store::ledger::Ledger;
use crate::store::needs::{Needs, Origin};

pub use crate::store::kind::Kind;

#[derive(Debug)]
pub struct Registry {
    pub root: PathBuf,
    pub config: Config,
    pub templates: BTreeMap<String, Template>,
    pub pools: BTreeMap<String, Pool>,
    pub zones: BTreeMap<String, ZoneEntry>,
    pub publishers: BTreeMap<String, Publisher>,
    /// Only some files were read (see [`Needs::only`]): a name missing from a map may still
    /// be in the registry.
    pub partial: bool,
}

/// A file of the registry that decoded into a value.
trait Decoded: Sized + Send {
    fn decode(
        file: &Arc<SourceFile>,
        doc: &KdlDocument,
        problems: &mut Vec<Problem>,
    ) -> Option<Self>;
    fn name(&self) -> &Spanned<String>;
    fn source(&self) -> Option<&Arc<SourceFile>>;
    /// The value decoded before from the file at `path` with this stamp, if it was kept.
    fn cached(_path: &Path, _stamp: &Stamp) -> Option<Self> {
        None
    }
    /// Keeps a value decoded without a problem, for the next read of an unchanged file.
    fn remember(_path: &Path, _stamp: Stamp, _value: &Self) {}
}

macro_rules! decoded {
    ($t:ty, $($source:tt)+) => {
        impl Decoded for $t {
            fn decode(f: &Arc<SourceFile>, d: &KdlDocument, p: &mut Vec<Problem>) -> Option<Self> {
                <$t>::decode(f, d, p)
            }
            fn name(&self) -> &Spanned<String> {
                &self.name
            }
            fn source(&self) -> Option<&Arc<SourceFile>> {
                let this = self;
                decoded!(@source this, $($source)+)
            }
        }
    };
    (@source $this:ident, always) => { Some(&$this.file) };
    (@source $this:ident, optional) => { $this.file.as_ref() };
}
decoded!(Template, always);
decoded!(Pool, always);
impl Decoded for ZoneEntry {
    fn decode(f: &Arc<SourceFile>, d: &KdlDocument, p: &mut Vec<Problem>) -> Option<Self> {
        ZoneEntry::decode(f, d, p)
    }
    fn name(&self) -> &Spanned<String> {
        &self.name
    }
    fn source(&self) -> Option<&Arc<SourceFile>> {
        self.file.as_ref()
    }
    fn cached(path: &Path, stamp: &Stamp) -> Option<Self> {
        crate::store::cache::get(path, stamp)
    }
    fn remember(path: &Path, stamp: Stamp, value: &Self) {
        crate::store::cache::put(path, stamp, value)
    }
}
decoded!(Publisher, optional);

impl Registry {
    /// Where the registry lives when neither `--root` nor `ZMGR_ROOT` says otherwise.
    pub fn default_root() -> PathBuf {
        PathBuf::from("/etc/zmgr")
    }

    /// Reads the registry before acting on all of it. Any error in any file fails the load,
    /// with every problem found, and so does a file or folder someone other than root (or the
    /// user running zmgr) could have written; warnings come back beside the registry.
    pub fn load(root: &Path) -> Result<(Registry, Problems)> {
        Self::load_with(root, true)
    }

    /// Like [`Registry::load`], leaving the zone entries out when `zones` is false: a verb
    /// that re-reads the ledger under the lock anyway need not read it twice.
    pub fn load_with(root: &Path, zones: bool) -> Result<(Registry, Problems)> {
        Self::load_for(root, zones, |_| Needs::everything())
    }

    /// Reads the registry for a verb that only shows it: nothing stops it. A broken file is
    /// one warning, naming it, and left out; what is not trusted is a warning.
    pub fn load_to_show(root: &Path) -> Result<(Registry, Problems)> {
        Self::load_for(root, true, |_| Needs::nothing())
    }

    /// Reads the registry for a verb that depends on the files `needs` names (given what was
    /// read): an error in one of them, or one of them not trusted, fails the load with those
    /// problems; every other broken file is one warning and what it holds is left out.
    pub fn load_for(
        root: &Path,
        zones: bool,
        needs: impl FnMut(&Registry) -> Needs,
    ) -> Result<(Registry, Problems)> {
        let (mut registry, mut problems, untrusted, needs) = Self::read_for(root, zones, needs)?;
        let mut warnings = Vec::new();
        for u in untrusted {
            let origin = Origin::of_path(root, &u.path);
            if needs.config {
                problems.push((origin, untrusted_problem(u, Severity::Error)));
            } else {
                // Showing a file does not run or act on it.
                warnings.push(untrusted_problem(u, Severity::Warning));
            }
        }
        let (stopping, sorted, left_out) = crate::store::needs::sort(root, problems, &needs);
        if !stopping.is_empty() {
            return Err(Error::Registry {
                root: root.to_path_buf(),
                problems: Problems(stopping),
            });
        }
        warnings.extend(sorted);
        for origin in &left_out {
            registry.leave_out(origin);
        }
        Ok((registry, Problems(warnings)))
    }

    /// Drops what a broken file or folder holds.
    fn leave_out(&mut self, origin: &Origin) {
        match origin {
            Origin::Root => {}
            Origin::Config => self.config = Config::default(),
            Origin::Folder(kind) => match kind {
                Kind::Template => self.templates.clear(),
                Kind::Pool => self.pools.clear(),
                Kind::Zone => self.zones.clear(),
                Kind::Publisher => self.publishers.clear(),
            },
            Origin::File(kind, name) => {
                match kind {
                    Kind::Template => self.templates.remove(name).map(|_| ()),
                    Kind::Pool => self.pools.remove(name).map(|_| ()),
                    Kind::Zone => self.zones.remove(name).map(|_| ()),
                    Kind::Publisher => self.publishers.remove(name).map(|_| ()),
                };
            }
        }
    }

    /// Reads everything that can be read, and every problem, including cross-reference ones
    /// and files that are not trusted. (Scripts are checked by the script engine, on top of
    /// this: see zmgr-script's `check`.)
    pub fn check(root: &Path) -> Result<(Registry, Problems)> {
        let (registry, problems, untrusted) = Self::read(root, true, None)?;
        let mut problems = Problems(problems.into_iter().map(|(_, p)| p).collect());
        problems.extend(
            untrusted
                .into_iter()
                .map(|u| untrusted_problem(u, Severity::Error)),
        );
        problems.extend(registry.cross_check());
        Ok((registry, problems))
    }

    /// Reads what `needs` asks for: everything, or with [`Needs::only`] only the files it names.
    /// What a verb needs may depend on what it reads (a zone's template), so the needs are
    /// asked again of each read until they ask for nothing new.
    fn read_for(
        root: &Path,
        with_zones: bool,
        mut needs: impl FnMut(&Registry) -> Needs,
    ) -> Result<(Registry, Tagged, Vec<Untrusted>, Needs)> {
        let config = Self::read(root, with_zones, Some(&Needs::config().only()))?;
        let mut wanted = needs(&config.0);
        // A verb that reads everything takes one pass: a full read covers whatever its needs
        // turn out to be. One that reads a few files takes a few (config, then the zone, then
        // its template and pools), until its needs ask for nothing it has not read.
        let mut passes = 0;
        let read = loop {
            passes += 1;
            let read = Self::read(root, with_zones, Some(&wanted).filter(|n| n.only))?;
            let again = needs(&read.0);
            let covered = !wanted.only || again == wanted || passes == 5;
            wanted = again;
            if covered {
                break read;
            }
        };
        Ok((read.0, read.1, read.2, wanted))
    }

    /// Reads every file (or, with `select`, what it names, see [`Needs::reads`]), each
    /// through a handle checked as [`crate::fs::trust`] says, each problem with the file it
    /// belongs to, what is not trusted noted in the third value; fails only when there is no
    /// registry at `root`.
    fn read(
        root: &Path,
        with_zones: bool,
        select: Option<&Needs>,
    ) -> Result<(Registry, Tagged, Vec<Untrusted>)> {
        let no_registry = |reason: String| Error::NoRegistry {
            root: root.to_path_buf(),
            reason,
        };
        let dir = match TrustedDir::open_lenient(root) {
            Ok(d) => d,
            Err(OpenError::Missing) => {
                return Err(no_registry(format!(
                    "{}: no such file or directory",
                    root.display()
                )));
            }
            Err(OpenError::NotAFolder(_)) => {
                return Err(no_registry(format!(
                    "{} is not a directory",
                    root.display()
                )));
            }
            Err(e) => return Err(no_registry(describe(e))),
        };
        let mut config_problems = Vec::new();
        let config = match read_one(
            &dir,
            OsStr::new("config.kdl"),
            &mut config_problems,
            |f, d, p| Some(Config::decode(f, d, p)),
        ) {
            Read::Value(c) => c,
            Read::Missing => {
                return Err(no_registry(format!("{} has no config.kdl", root.display())));
            }
            Read::Failed => Config::default(),
        };
        let mut problems: Tagged = config_problems
            .into_iter()
            .map(|p| (Origin::Config, p))
            .collect();
        let only = |kind: Kind| select.and_then(|n| n.reads(kind));
        let templates =
            read_kind::<Template>(&dir, Kind::Template, only(Kind::Template), &mut problems);
        let pools = read_kind::<Pool>(&dir, Kind::Pool, only(Kind::Pool), &mut problems);
        let zones = if with_zones {
            match only(Kind::Zone) {
                None => read_zones(&dir, &mut problems),
                Some(names) => read_kind::<ZoneEntry>(&dir, Kind::Zone, Some(names), &mut problems),
            }
        } else {
            BTreeMap::new()
        };
        let publishers =
            read_kind::<Publisher>(&dir, Kind::Publisher, only(Kind::Publisher), &mut problems);
        Ok((
            Registry {
                root: root.to_path_buf(),
                config,
                templates,
                pools,
                zones,
                publishers,
                partial: select.is_some_and(|n| n.only),
            },
            problems,
            dir.findings(),
        ))
    }

    /// Re-reads the zone entries only: under the registry lock, the ledger must be current,
    /// while templates and pools are as they were a moment ago.
    pub fn reload_zones(&mut self) -> Result<()> {
        self.zones = self.current_zones()?;
        Ok(())
    }

    /// The zone entries as they are on disk now.
    pub fn current_zones(&self) -> Result<BTreeMap<String, ZoneEntry>> {
        self.read_strictly(read_zones)
    }

    /// What `read` makes of the zones folder now, or every problem when any is an error or a
    /// file is not trusted: under the registry lock the ledger must be whole.
    fn read_strictly<T>(&self, read: impl FnOnce(&TrustedDir, &mut Tagged) -> T) -> Result<T> {
        let mut problems: Tagged = Vec::new();
        let dir = TrustedDir::open_lenient(&self.root).map_err(|e| {
            Error::failed(format!(
                "cannot read {}: {}",
                self.root.display(),
                describe(e)
            ))
        })?;
        let value = read(&dir, &mut problems);
        let mut problems: Vec<Problem> = problems.into_iter().map(|(_, p)| p).collect();
        problems.extend(
            dir.findings()
                .into_iter()
                .map(|u| untrusted_problem(u, Severity::Error)),
        );
        if problems.iter().any(Problem::is_error) {
            return Err(Error::Registry {
                root: self.root.clone(),
                problems: Problems(problems),
            });
        }
        Ok(value)
    }

    /// The ledger as it is on disk now, for a create under the registry lock: every zone's
    /// name, links and addresses, without building whole entries while the zone index is
    /// current; read whole (and the index written again) when it is not.
    pub fn current_ledger(&self) -> Result<Ledger> {
        let ledger = self.read_strictly(read_ledger)?;
        match ledger {
            Some(l) => Ok(l),
            None => Ok(Ledger::of(self.current_zones()?.values())),
        }
    }

    pub fn path_of(&self, kind: Kind, name: &str) -> PathBuf {
        kind.path(&self.root, name)
    }

    /// Each address of `entry` that came from a pool this registry has, with that pool.
    pub fn pooled_addresses<'a>(
        &'a self,
        entry: &'a ZoneEntry,
    ) -> impl Iterator<Item = (&'a Pool, crate::model::zone::ZoneAddress)> + 'a {
        entry.nets.iter().filter_map(|n| {
            let pool = self.pools.get(n.pool.as_deref()?)?;
            Some((pool, n.address?))
        })
    }

    /// Every address some zone entry holds.
    pub fn held_addresses(&self) -> crate::model::held::Held {
        let mut held = crate::model::held::with_capacity(self.zones.len());
        held.extend(self.zones.values().flat_map(|z| z.addresses()));
        held
    }
}

/// Problems, each with the file or folder it belongs to.
type Tagged = Vec<(Origin, Problem)>;

/// What reading one file gave.
enum Read<T> {
    Value(T),
    /// Not there (any more): a registry listing may name a file that another zmgr removes
    /// before it is read — an object removed, not a problem.
    Missing,
    /// Its problems are in the list.
    Failed,
}

/// The largest registry file zmgr reads (a zone entry is a few hundred bytes).
const MAX_FILE: u64 = 16 << 20;

/// Reads, parses and decodes the file `name` of `dir`, read from the handle it was checked on.
fn read_one<T>(
    dir: &TrustedDir,
    name: &OsStr,
    problems: &mut Vec<Problem>,
    decode: impl FnOnce(&Arc<SourceFile>, &KdlDocument, &mut Vec<Problem>) -> Option<T>,
) -> Read<T> {
    FILES_READ.fetch_add(1, Ordering::Relaxed);
    decode_read(dir, name, dir.read(name, MAX_FILE), problems, decode)
}

/// [`read_one`] for a kind whose decoded files are kept (see `store::cache`): a file whose
/// stamp is known is not read again. With the value comes the stamp of a file that decoded
/// without a word and had settled (see [`Stamp::recent`]): one that may be kept.
fn read_one_cached<T: Decoded>(
    dir: &TrustedDir,
    name: &OsStr,
    problems: &mut Vec<Problem>,
) -> (Read<T>, Option<Stamp>) {
    let path = dir.path().join(name);
    let mut hit = None;
    let got = dir.read_unless(name, MAX_FILE, |stamp| {
        hit = T::cached(&path, stamp);
        hit.is_some()
    });
    match got {
        Ok(Stamped::Known(stamp)) => (
            Read::Value(hit.expect("known only when cached")),
            // Kept from this process's own write, it may not have settled yet.
            Some(stamp).filter(crate::store::index::recordable),
        ),
        Ok(Stamped::Read(stamp, bytes)) => {
            FILES_READ.fetch_add(1, Ordering::Relaxed);
            let before = problems.len();
            let read = decode_read(dir, name, Ok(bytes), problems, T::decode);
            // Only what decoded without a word is kept, and only once the clock has moved
            // past the tick of its last change.
            let keep = matches!(read, Read::Value(_))
                && problems.len() == before
                && crate::store::index::recordable(&stamp);
            if keep && let Read::Value(v) = &read {
                T::remember(&path, stamp, v);
            }
            (read, keep.then_some(stamp))
        }
        Err(e) => (decode_read(dir, name, Err(e), problems, T::decode), None),
    }
}

/// Registry files opened and read by this process, and zone files known by their stamp alone
/// (from the zone index or the cache), for `ZMGR_TRACE`.
static FILES_READ: AtomicUsize = AtomicUsize::new(0);
static FILES_STAMPED: AtomicUsize = AtomicUsize::new(0);

/// How many registry files this process has read, and how many zone files it knew by their
/// stamp without reading them.
pub fn files_read() -> (usize, usize) {
    (
        FILES_READ.load(Ordering::Relaxed),
        FILES_STAMPED.load(Ordering::Relaxed),
    )
}

/// Decodes what reading a file gave.
fn decode_read<T>(
    dir: &TrustedDir,
    name: &OsStr,
    read: std::result::Result<Vec<u8>, OpenError>,
    problems: &mut Vec<Problem>,
    decode: impl FnOnce(&Arc<SourceFile>, &KdlDocument, &mut Vec<Problem>) -> Option<T>,
) -> Read<T> {
    let path = dir.path().join(name);
    let bytes = match read {
        Ok(b) => b,
        Err(OpenError::Missing) => return Read::Missing,
        Err(OpenError::NotAFile(p)) if p.is_dir() && name != "config.kdl" => {
            problems.push(Problem::error(format!(
                "{} is a folder, but a {} file was expected",
                p.display(),
                kind_of(&p)
            )));
            return Read::Failed;
        }
        Err(e) => {
            problems.push(Problem::error(format!("cannot read {}", describe(e))));
            return Read::Failed;
        }
    };
    let file = match crate::kdl::source_from_bytes(&path, bytes) {
        Ok(f) => f,
        Err(p) => {
            problems.push(p);
            return Read::Failed;
        }
    };
    match crate::kdl::parse(&file) {
        Ok(doc) => decode(&file, &doc, problems).map_or(Read::Failed, Read::Value),
        Err(ps) => {
            problems.extend(ps);
            Read::Failed
        }
    }
}

/// An error of a trusted open, as a message (the path is in it).
pub fn describe(e: OpenError) -> String {
    match e {
        OpenError::Missing => "it does not exist".into(),
        OpenError::Io(why) => why,
        OpenError::Untrusted(u) => u.to_string(),
        OpenError::NotAFile(p) => format!("{}: is a directory", p.display()),
        OpenError::NotAFolder(p) => format!("{}: not a folder", p.display()),
        OpenError::Link(p) => format!(
            "{}: a symbolic link, which zmgr does not follow in the registry",
            p.display()
        ),
    }
}

/// What a registry file holds, from its folder's name ("template" for templates/…).
fn kind_of(path: &Path) -> &'static str {
    let dir = path
        .parent()
        .and_then(|d| d.file_name())
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    [Kind::Template, Kind::Pool, Kind::Zone, Kind::Publisher]
        .into_iter()
        .find(|k| k.dir() == dir)
        .map_or("registry", |k| k.node())
}

/// A file or folder that is not trusted, as a problem of the given severity.
fn untrusted_problem(u: Untrusted, severity: Severity) -> Problem {
    let message = format!("{u}: zmgr runs as root and takes only what root could have written");
    let p = match severity {
        Severity::Error => Problem::error(message),
        _ => Problem::warning(message),
    };
    p.with_help(format!("`{}`, or remove it if it is not yours", u.fix))
}

/// The `.kdl` files of one registry folder, sorted by name; a missing folder is an empty one.
fn list_dir(
    root: &TrustedDir,
    kind: Kind,
    problems: &mut Vec<Problem>,
) -> Option<(TrustedDir, Vec<OsString>)> {
    let dir = open_kind_dir(root, kind, problems)?;
    let names = list_names(&dir, problems)?;
    Some((dir, names))
}

/// The `.kdl` files of a registry folder, sorted by name.
fn list_names(dir: &TrustedDir, problems: &mut Vec<Problem>) -> Option<Vec<OsString>> {
    let names = match dir.names() {
        Ok(n) => n,
        Err(e) => {
            problems.push(Problem::error(format!("cannot list {}", describe(e))));
            return None;
        }
    };
    let mut names: Vec<OsString> = names
        .into_iter()
        .filter(|n| {
            let n = n.to_string_lossy();
            // Dot files are editor swap files and zmgr's own temporary files.
            !n.starts_with('.') && n.ends_with(".kdl")
        })
        .collect();
    names.sort_unstable();
    Some(names)
}

/// The folder of one kind; a missing folder is `None` without a problem.
fn open_kind_dir(root: &TrustedDir, kind: Kind, problems: &mut Vec<Problem>) -> Option<TrustedDir> {
    match root.open_dir(OsStr::new(kind.dir())) {
        Ok(d) => Some(d),
        Err(OpenError::Missing) => None,
        Err(e) => {
            let path = root.path().join(kind.dir());
            let why = if path.is_file() {
                format!(
                    "{} is a file, but zmgr keeps {}s in a folder there",
                    path.display(),
                    kind.node()
                )
            } else {
                format!("cannot read folder {}", describe(e))
            };
            problems.push(Problem::error(why).with_help(format!(
                "move it aside and run `zmgr init` to recreate the folder {}",
                kind.dir()
            )));
            None
        }
    }
}

/// Reads every file of one kind, in parallel, and checks each file holds the object it is named after.
/// Only the files of `only` are read when it is given (names that cannot be a registry
/// object's are skipped: there is no such file).
fn read_kind<T: Decoded>(
    root: &TrustedDir,
    kind: Kind,
    only: Option<&std::collections::BTreeSet<String>>,
    problems: &mut Tagged,
) -> BTreeMap<String, T> {
    let mut folder = Vec::new();
    let listed = match only {
        None => list_dir(root, kind, &mut folder),
        Some(names) if names.is_empty() => None,
        Some(names) => open_kind_dir(root, kind, &mut folder).map(|dir| {
            let files = names
                .iter()
                .filter(|n| crate::model::names::object_name_error("file", n).is_none())
                .map(|n| OsString::from(format!("{n}.kdl")))
                .collect();
            (dir, files)
        }),
    };
    problems.extend(folder.into_iter().map(|p| (Origin::Folder(kind), p)));
    let Some((dir, names)) = listed else {
        return BTreeMap::new();
    };
    let results = in_parallel(&names, |n| {
        let mut ps = Vec::new();
        let (read, _) = read_one_cached::<T>(&dir, n, &mut ps);
        let v = match read {
            Read::Value(v) => Some(v),
            Read::Missing | Read::Failed => None,
        };
        (v, ps)
    });
    let mut out = BTreeMap::new();
    for ((value, ps), name) in results.into_iter().zip(&names) {
        if let Some((stem, value)) = named(&dir, kind, name, value, ps, problems) {
            out.insert(stem, value);
        }
    }
    out
}

/// Every zone entry, each file known by its stamp when the zone index (or this process's cache)
/// holds it as it is, read otherwise; the index is written again when it has fallen behind.
/// See [`crate::store::index`].
fn read_zones(root: &TrustedDir, problems: &mut Tagged) -> BTreeMap<String, ZoneEntry> {
    use crate::store::index::{self, Index};
    let kind = Kind::Zone;
    let mut folder = Vec::new();
    let dir = open_kind_dir(root, kind, &mut folder);
    problems.extend(folder.into_iter().map(|p| (Origin::Folder(kind), p)));
    let Some(dir) = dir else {
        return BTreeMap::new();
    };
    // Taken before the folder is listed: a name that appears after it changes the stamp.
    let settled = dir.own_stamp().filter(index::recordable);
    let index = std::sync::OnceLock::<Option<Index>>::new();
    let load = || index.get_or_init(|| Index::load(root.path())).as_ref();
    let Some((names, listed_now)) = zone_names(&dir, settled.as_ref(), load, problems) else {
        return BTreeMap::new();
    };
    // Files read because neither this process's cache nor the index knew them as they are.
    let unknown = AtomicUsize::new(0);
    // Each result: the entry, its file's problems, and the stamp it may be recorded with (an
    // entry from the index has its record's, and is marked `FromIndex`).
    let results = in_parallel(&names, |n| {
        let mut ps = Vec::new();
        if let Some(stamp) = dir.stamp_of(n) {
            let path = dir.path().join(n);
            if let Some(e) = crate::store::cache::get(&path, &stamp) {
                FILES_STAMPED.fetch_add(1, Ordering::Relaxed);
                return (Some(e), ps, Recordable::Stamp(Box::new(stamp)));
            }
            if let Some(e) = load().and_then(|i| i.entry(n, &stamp)) {
                FILES_STAMPED.fetch_add(1, Ordering::Relaxed);
                crate::store::cache::put(&path, stamp, &e);
                return (Some(e), ps, Recordable::FromIndex);
            }
        }
        unknown.fetch_add(1, Ordering::Relaxed);
        let (read, stamp) = read_one_cached::<ZoneEntry>(&dir, n, &mut ps);
        match (read, stamp) {
            (Read::Value(v), Some(s)) => (Some(v), ps, Recordable::Stamp(Box::new(s))),
            (Read::Value(v), None) => (Some(v), ps, Recordable::No),
            (Read::Missing | Read::Failed, _) => (None, ps, Recordable::No),
        }
    });
    // Written again when it is missing or damaged, when it names a folder that has changed and
    // settled since, or when too many files had to be read.
    let stale = index.get().is_some_and(|loaded| match loaded {
        None => true,
        Some(i) => {
            (listed_now && settled.is_some() && i.dir() != settled)
                || unknown.load(Ordering::Relaxed) > (names.len() / 64).max(16)
        }
    });
    // The index's bytes are not needed past this point unless it is written again.
    let old = index.into_inner().flatten().filter(|_| stale);
    let mut pairs = Vec::with_capacity(names.len());
    let mut recorded = Vec::new();
    for ((value, ps, recordable), name) in results.zip(&names) {
        let clean = ps.is_empty();
        if let Some((stem, value)) = named(&dir, kind, name, value, ps, problems) {
            let stamp = match recordable {
                _ if !stale || !clean => None,
                // A stamp this process's cache kept from its own write may still be recent.
                Recordable::Stamp(s) => Some(*s).filter(crate::store::index::recordable),
                Recordable::FromIndex => old.as_ref().and_then(|i| i.stamp(name)),
                Recordable::No => None,
            };
            if let Some(s) = stamp {
                recorded.push((name.as_os_str(), s, pairs.len()));
            }
            pairs.push((stem, value));
        }
    }
    drop(old);
    if stale {
        let entries = recorded.iter().map(|(n, s, i)| (*n, *s, &pairs[*i].1));
        index::save(root.path(), &index::encode(settled, &names, entries));
    }
    // Built from a sorted list, a map's nodes are full (inserted one by one, about half).
    BTreeMap::from_iter(pairs)
}

/// The stamp an entry may be recorded in the index with.
enum Recordable {
    /// Read or cached with this settled stamp (boxed: most entries come from the index).
    Stamp(Box<Stamp>),
    /// From the index: its record's stamp.
    FromIndex,
    /// Not to be recorded (changed in the last seconds, or with problems).
    No,
}

/// The names in the zones folder `dir` whose stamp was `settled`: kept by this process's cache
/// or recorded in the index while the folder still has that stamp, listed otherwise (the
/// second value says it was listed now). `None` when it cannot be listed.
fn zone_names<'i>(
    dir: &TrustedDir,
    settled: Option<&Stamp>,
    index: impl FnOnce() -> Option<&'i crate::store::index::Index>,
    problems: &mut Tagged,
) -> Option<(Vec<OsString>, bool)> {
    let known = crate::store::cache::names(dir.path(), settled).or_else(|| {
        index()
            .filter(|i| i.dir().is_some() && i.dir().as_ref() == settled)
            .map(|i| i.names())
    });
    let listed_now = known.is_none();
    let names = match known {
        Some(mut names) => {
            names.sort_unstable();
            names
        }
        None => {
            let mut listing = Vec::new();
            let names = list_names(dir, &mut listing);
            problems.extend(listing.into_iter().map(|p| (Origin::Folder(Kind::Zone), p)));
            names?
        }
    };
    if let Some(s) = settled {
        crate::store::cache::remember_names(dir.path(), *s, &names);
    }
    Some((names, listed_now))
}

/// The ledger (see [`Ledger`]) read as [`read_zones`] reads the entries, each interface from
/// the index's record when the file still has its stamp. `None` when the index has fallen
/// behind, so that the caller reads the entries whole and writes it again.
fn read_ledger(root: &TrustedDir, problems: &mut Tagged) -> Option<Ledger> {
    use crate::store::index::{self, Index};
    let kind = Kind::Zone;
    let mut folder = Vec::new();
    let dir = open_kind_dir(root, kind, &mut folder);
    problems.extend(folder.into_iter().map(|p| (Origin::Folder(kind), p)));
    let Some(dir) = dir else {
        return Some(Ledger::default());
    };
    let settled = dir.own_stamp().filter(index::recordable);
    // Creates change the folder, so its names are listed unless nothing changed since the index
    // was written; the index is written again by whoever reads the entries whole (`list`,
    // `check`, or a create that finds it too far behind).
    // Loaded when first needed: in a script, this process's cache may know every file.
    let index = std::sync::OnceLock::<Option<Index>>::new();
    let load = || index.get_or_init(|| Index::load(root.path())).as_ref();
    let (names, _) = zone_names(&dir, settled.as_ref(), load, problems)?;
    // Files read because neither this process's cache nor the index knew them as they are.
    let unknown = AtomicUsize::new(0);
    type Nets = Vec<(String, Option<IpAddr>)>;
    let results = in_parallel(&names, |n| -> (Option<(String, Nets)>, Vec<Problem>) {
        let mut ps = Vec::new();
        let stem = || {
            let n = n.to_string_lossy();
            n.strip_suffix(".kdl").unwrap_or(&n).to_string()
        };
        if let Some(stamp) = dir.stamp_of(n) {
            let cached = crate::store::cache::with(&dir.path().join(n), &stamp, nets_of);
            if let Some(nets) = cached {
                FILES_STAMPED.fetch_add(1, Ordering::Relaxed);
                return (Some((stem(), nets)), ps);
            }
            if let Some(nets) = load().and_then(|i| i.nets(n, &stamp)) {
                FILES_STAMPED.fetch_add(1, Ordering::Relaxed);
                return (Some((stem(), nets)), ps);
            }
        }
        unknown.fetch_add(1, Ordering::Relaxed);
        let (read, _) = read_one_cached::<ZoneEntry>(&dir, n, &mut ps);
        match read {
            Read::Value(v) => {
                let mut tagged = Vec::new();
                let named = named(&dir, kind, n, Some(v), ps, &mut tagged);
                let ps = tagged.into_iter().map(|(_, p)| p).collect();
                (named.map(|(stem, e)| (stem, nets_of(&e))), ps)
            }
            Read::Missing | Read::Failed => (None, ps),
        }
    });
    let mut zones = Vec::with_capacity(names.len());
    let mut nets = Vec::with_capacity(names.len());
    for ((zone, ps), name) in results.zip(&names) {
        let stem = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        problems.extend(
            ps.into_iter()
                .map(|p| (Origin::File(kind, stem.clone()), p)),
        );
        if let Some((zone, n)) = zone {
            zones.push((zone, n));
        }
    }
    // Behind when missing or damaged, or when too many files had to be read: then the entries
    // are read whole and the index written again.
    let behind = unknown.load(Ordering::Relaxed);
    if let Some(loaded) = index.get()
        && (loaded.is_none() || behind > (names.len() / 64).max(16))
    {
        return None;
    }
    // In the files' order already unless a name has a character sorting before `.`.
    if !zones.is_sorted_by(|a, b| a.0 <= b.0) {
        zones.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }
    let mut zone_names = Vec::with_capacity(zones.len());
    for (i, (zone, n)) in zones.into_iter().enumerate() {
        zone_names.push(zone);
        nets.extend(n.into_iter().map(|(link, ip)| (i as u32, link, ip)));
    }
    Some(Ledger::new(zone_names, nets))
}

fn nets_of(e: &ZoneEntry) -> Vec<(String, Option<IpAddr>)> {
    e.nets
        .iter()
        .map(|n| (n.physical.clone(), n.address.map(|a| a.ip)))
        .collect()
}

/// Runs `read` on every name, on as many threads as are useful, in order: the results of
/// each thread's share, so no second list of them all is built.
fn in_parallel<R: Send>(
    names: &[OsString],
    read: impl Fn(&OsStr) -> R + Sync,
) -> std::iter::Flatten<std::vec::IntoIter<Vec<R>>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(names.len().div_ceil(256).max(1));
    let chunk = names.len().div_ceil(workers).max(1);
    let read = &read;
    let parts: Vec<Vec<R>> = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|n| read(n)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("registry reader thread panicked"))
            .collect()
    });
    parts.into_iter().flatten()
}

/// A decoded file's value under the name it is stored as, with its problems noted; `None`
/// when it did not decode or holds an object named for another file.
fn named<T: Decoded>(
    dir: &TrustedDir,
    kind: Kind,
    file: &OsStr,
    value: Option<T>,
    ps: Vec<Problem>,
    problems: &mut Tagged,
) -> Option<(String, T)> {
    let path = dir.path().join(file);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let origin = Origin::File(kind, stem.clone());
    problems.extend(ps.into_iter().map(|p| (origin.clone(), p)));
    let value = value?;
    let name = value.name();
    if name.value != stem {
        let file = value.source().expect("decoded from a file");
        problems.push((
            origin,
            Problem::error(format!(
                "{} `{}` is in {}, which is named for `{stem}`",
                kind.node(),
                name.value,
                path.display()
            ))
            .at(file, name.span, "does not match the file name")
            .with_help(format!(
                "a {} named `{}` lives in {}/{}.kdl; rename the file or the {}",
                kind.node(),
                name.value,
                kind.dir(),
                name.value,
                kind.node()
            )),
        ));
        return None;
    }
    Some((stem, value))
}
