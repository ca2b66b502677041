//! The registry: every file under the root, read, validated and cross-checked.
//!
//! ```text
//! ROOT/config.kdl
//! ROOT/templates/NAME.kdl
//! ROOT/pools/NAME.kdl
//! ROOT/zones/NAME.kdl
//! ROOT/publishers/NAME.kdl
//! ```

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::kdl::KdlDocument;

use crate::error::{Error, Problem, Problems, Result, SourceFile};
use crate::kdl::Spanned;
use crate::model::config::Config;
use crate::model::pool::Pool;
use crate::model::publisher::Publisher;
use crate::model::template::Template;
use crate::model::zone::ZoneEntry;

/// The kinds of file kept in the registry's folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Template,
    Pool,
    Zone,
    Publisher,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Template, Kind::Pool, Kind::Zone, Kind::Publisher];

    /// The folder under the root that holds this kind.
    pub fn dir(self) -> &'static str {
        match self {
            Kind::Template => "templates",
            Kind::Pool => "pools",
            Kind::Zone => "zones",
            Kind::Publisher => "publishers",
        }
    }

    /// `ROOT/DIR/NAME.kdl`: where the object `name` of this kind lives.
    pub fn path(self, root: &Path, name: &str) -> PathBuf {
        root.join(self.dir()).join(format!("{name}.kdl"))
    }

    /// The top-level node of a file of this kind, also used in messages.
    pub fn node(self) -> &'static str {
        match self {
            Kind::Template => "template",
            Kind::Pool => "pool",
            Kind::Zone => "zone",
            Kind::Publisher => "publisher",
        }
    }
}

#[derive(Debug)]
pub struct Registry {
    pub root: PathBuf,
    pub config: Config,
    pub templates: BTreeMap<String, Template>,
    pub pools: BTreeMap<String, Pool>,
    pub zones: BTreeMap<String, ZoneEntry>,
    pub publishers: BTreeMap<String, Publisher>,
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
decoded!(ZoneEntry, optional);
decoded!(Publisher, optional);

impl Registry {
    /// Where the registry lives when neither `--root` nor `ZMGR_ROOT` says otherwise.
    pub fn default_root() -> PathBuf {
        PathBuf::from("/etc/zmgr")
    }

    /// Reads the registry. Any error in any file fails the load, with every problem found;
    /// warnings come back beside the registry.
    pub fn load(root: &Path) -> Result<(Registry, Problems)> {
        Self::load_with(root, true)
    }

    /// Like [`Registry::load`], leaving the zone entries out when `zones` is false: a verb
    /// that re-reads the ledger under the lock anyway need not read it twice.
    pub fn load_with(root: &Path, zones: bool) -> Result<(Registry, Problems)> {
        let (registry, problems) = Self::read(root, zones)?;
        if problems.has_errors() {
            return Err(Error::Registry {
                root: root.to_path_buf(),
                problems,
            });
        }
        Ok((registry, problems))
    }

    /// Reads everything that can be read, and every problem, including cross-reference ones.
    /// (Scripts are checked by the script engine, on top of this: see zmgr-script's `check`.)
    pub fn check(root: &Path) -> Result<(Registry, Problems)> {
        let (registry, mut problems) = Self::read(root, true)?;
        problems.extend(registry.cross_check());
        Ok((registry, problems))
    }

    /// Reads every file; fails only when there is no registry at `root` at all.
    fn read(root: &Path, with_zones: bool) -> Result<(Registry, Problems)> {
        match std::fs::metadata(root) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::NoRegistry {
                    root: root.to_path_buf(),
                    reason: format!("{} is not a directory", root.display()),
                });
            }
            Err(e) => {
                return Err(Error::NoRegistry {
                    root: root.to_path_buf(),
                    reason: format!("{}: {}", root.display(), crate::error::io_reason(&e)),
                });
            }
        }
        let mut problems = Vec::new();
        let config_path = root.join("config.kdl");
        let config = if config_path.exists() {
            read_one(&config_path, &mut problems, |f, d, p| {
                Some(Config::decode(f, d, p))
            })
            .unwrap_or_default()
        } else {
            return Err(Error::NoRegistry {
                root: root.to_path_buf(),
                reason: format!("{} has no config.kdl", root.display()),
            });
        };
        let templates = read_kind::<Template>(root, Kind::Template, &mut problems);
        let pools = read_kind::<Pool>(root, Kind::Pool, &mut problems);
        let zones = if with_zones {
            read_kind::<ZoneEntry>(root, Kind::Zone, &mut problems)
        } else {
            BTreeMap::new()
        };
        let publishers = read_kind::<Publisher>(root, Kind::Publisher, &mut problems);
        Ok((
            Registry {
                root: root.to_path_buf(),
                config,
                templates,
                pools,
                zones,
                publishers,
            },
            Problems(problems),
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
        let mut problems = Vec::new();
        let zones = read_kind::<ZoneEntry>(&self.root, Kind::Zone, &mut problems);
        if problems.iter().any(Problem::is_error) {
            return Err(Error::Registry {
                root: self.root.clone(),
                problems: Problems(problems),
            });
        }
        Ok(zones)
    }

    pub fn path_of(&self, kind: Kind, name: &str) -> PathBuf {
        kind.path(&self.root, name)
    }

    /// Every address some zone entry holds.
    pub fn held_addresses(&self) -> HashSet<IpAddr> {
        self.zones.values().flat_map(|z| z.addresses()).collect()
    }
}

/// Reads, parses and decodes one file.
fn read_one<T>(
    path: &Path,
    problems: &mut Vec<Problem>,
    decode: impl FnOnce(&Arc<SourceFile>, &KdlDocument, &mut Vec<Problem>) -> Option<T>,
) -> Option<T> {
    // A file removed since the folder was listed is an object removed: not a problem.
    let file = match crate::kdl::read_source_if_there(path) {
        Ok(Some(f)) => f,
        Ok(None) => return None,
        Err(p) => {
            problems.push(p);
            return None;
        }
    };
    match crate::kdl::parse(&file) {
        Ok(doc) => decode(&file, &doc, problems),
        Err(ps) => {
            problems.extend(ps);
            None
        }
    }
}

/// The `.kdl` files of one registry folder, sorted; a missing folder is an empty one.
fn list_dir(root: &Path, kind: Kind, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let dir = root.join(kind.dir());
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            let why = if dir.is_file() {
                format!(
                    "{} is a file, but zmgr keeps {}s in a folder there",
                    dir.display(),
                    kind.node()
                )
            } else {
                format!(
                    "cannot read folder {}: {}",
                    dir.display(),
                    crate::error::io_reason(&e)
                )
            };
            problems.push(Problem::error(why).with_help(format!(
                "move it aside and run `zmgr init` to recreate the folder {}",
                kind.dir()
            )));
            return Vec::new();
        }
    };
    let mut paths = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Dot files are editor swap files and zmgr's own temporary files.
        if name.starts_with('.') || !name.ends_with(".kdl") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            problems.push(Problem::error(format!(
                "{} is a folder, but a {} file was expected",
                path.display(),
                kind.node()
            )));
            continue;
        }
        paths.push(path);
    }
    // By file name: comparing whole paths component by component is needlessly slow.
    paths.sort_unstable_by(|a, b| a.file_name().cmp(&b.file_name()));
    paths
}

/// Reads every file of one kind, in parallel, and checks each file holds the object it is named after.
fn read_kind<T: Decoded>(
    root: &Path,
    kind: Kind,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, T> {
    let paths = list_dir(root, kind, problems);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len().div_ceil(256).max(1));
    let chunk = paths.len().div_ceil(workers).max(1);
    let results: Vec<(Option<T>, Vec<Problem>)> = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|p| {
                            let mut ps = Vec::new();
                            let v = read_one(p, &mut ps, T::decode);
                            (v, ps)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("registry reader thread panicked"))
            .collect()
    });
    let mut out = BTreeMap::new();
    for ((value, ps), path) in results.into_iter().zip(&paths) {
        problems.extend(ps);
        let Some(value) = value else { continue };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = value.name();
        if name.value != stem {
            let file = value.source().expect("decoded from a file");
            problems.push(
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
            );
            continue;
        }
        out.insert(stem, value);
    }
    out
}
