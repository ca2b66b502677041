//! What a verb reads of the registry. A broken file stops only the verbs that depend on it:
//! `halt web01` needs config.kdl and `zones/web01.kdl`, not a template someone is editing.
//! Problems of the other files become one warning each, naming the file, and what those files
//! hold is left out of the registry the verb sees, so nothing unchecked is used by mistake.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::Problem;
use crate::store::kind::Kind;

/// The file or folder of the registry a problem belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The registry root, or a folder above it.
    Root,
    Config,
    /// A whole folder (`templates/`, …) that could not be read.
    Folder(Kind),
    /// One file, by the name it is stored under.
    File(Kind, String),
}

impl Origin {
    /// Where in the registry at `root` the file or folder `path` is.
    pub fn of_path(root: &Path, path: &Path) -> Origin {
        let Ok(rel) = path.strip_prefix(root) else {
            return Origin::Root;
        };
        let parts: Vec<&std::ffi::OsStr> = rel.iter().collect();
        match parts.as_slice() {
            [name] if *name == "config.kdl" => Origin::Config,
            [dir, rest @ ..] => match Kind::ALL.into_iter().find(|k| *dir == k.dir()) {
                Some(kind) => match rest {
                    [] => Origin::Folder(kind),
                    [file] => {
                        let stem = Path::new(file)
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        Origin::File(kind, stem)
                    }
                    _ => Origin::Folder(kind),
                },
                None => Origin::Root,
            },
            _ => Origin::Root,
        }
    }

    /// The file or folder, as a warning names it.
    fn describe(&self, root: &Path) -> String {
        let path = match self {
            Origin::Root => root.to_path_buf(),
            Origin::Config => root.join("config.kdl"),
            Origin::Folder(k) => root.join(k.dir()),
            Origin::File(k, name) => k.path(root, name),
        };
        path.display().to_string()
    }
}

/// Which objects of one kind a verb reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Want {
    #[default]
    Nothing,
    All,
    Named(BTreeSet<String>),
}

impl Want {
    pub fn one(name: &str) -> Want {
        Want::Named(BTreeSet::from([name.to_string()]))
    }

    pub fn named<'a>(names: impl IntoIterator<Item = &'a str>) -> Want {
        Want::Named(names.into_iter().map(str::to_string).collect())
    }

    fn wants(&self, name: &str) -> bool {
        match self {
            Want::Nothing => false,
            Want::All => true,
            Want::Named(names) => names.contains(name),
        }
    }

    fn any(&self) -> bool {
        !matches!(self, Want::Nothing)
    }
}

/// The files a verb depends on: config.kdl (and the root) unless it only shows things, and
/// the objects of each kind it reads. With `only`, the verb reads nothing else either: a verb
/// about one zone reads config.kdl and that zone's file, not the whole registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub config: bool,
    pub templates: Want,
    pub pools: Want,
    pub zones: Want,
    pub publishers: Want,
    pub only: bool,
}

impl Needs {
    /// A verb that only shows what is there: nothing stops it.
    pub fn nothing() -> Needs {
        Needs::default()
    }

    /// config.kdl only; the rest as the verb finds it.
    pub fn config() -> Needs {
        Needs {
            config: true,
            ..Needs::default()
        }
    }

    pub fn everything() -> Needs {
        Needs {
            config: true,
            templates: Want::All,
            pools: Want::All,
            zones: Want::All,
            publishers: Want::All,
            only: false,
        }
    }

    /// These needs, and nothing else read.
    pub fn only(self) -> Needs {
        Needs { only: true, ..self }
    }

    /// Which objects of `kind` to read: `None` for all of them.
    pub fn reads(&self, kind: Kind) -> Option<&BTreeSet<String>> {
        static NONE: BTreeSet<String> = BTreeSet::new();
        if !self.only {
            return None;
        }
        match self.want(kind) {
            Want::All => None,
            Want::Nothing => Some(&NONE),
            Want::Named(names) => Some(names),
        }
    }

    fn want(&self, kind: Kind) -> &Want {
        match kind {
            Kind::Template => &self.templates,
            Kind::Pool => &self.pools,
            Kind::Zone => &self.zones,
            Kind::Publisher => &self.publishers,
        }
    }

    /// Whether a problem of `origin` stops the verb.
    pub fn wants(&self, origin: &Origin) -> bool {
        match origin {
            Origin::Root | Origin::Config => self.config,
            Origin::Folder(k) => self.want(*k).any(),
            Origin::File(k, name) => self.want(*k).wants(name),
        }
    }
}

/// Splits the problems of a registry read by what `needs` depends on: the ones that stop the
/// verb, and, for the others, one warning per file that is left out. Returns also the files
/// and folders left out, for the caller to drop what they hold.
pub fn sort(
    root: &Path,
    problems: Vec<(Origin, Problem)>,
    needs: &Needs,
) -> (Vec<Problem>, Vec<Problem>, BTreeSet<Origin>) {
    let mut stopping = Vec::new();
    let mut warnings = Vec::new();
    let mut left_out: BTreeSet<Origin> = BTreeSet::new();
    let mut counts: Vec<(Origin, usize, String)> = Vec::new();
    for (origin, p) in problems {
        if !p.is_error() {
            warnings.push(p);
        } else if needs.wants(&origin) {
            stopping.push(p);
        } else {
            match counts.iter_mut().find(|(o, ..)| *o == origin) {
                Some((_, n, _)) => *n += 1,
                None => counts.push((origin.clone(), 1, p.message().to_string())),
            }
            left_out.insert(origin);
        }
    }
    for (origin, n, first) in counts {
        let what = origin.describe(root);
        let left = match origin {
            Origin::Root => "",
            Origin::Config => "; zmgr uses its built-in settings",
            _ => " and is left out",
        };
        warnings.push(
            Problem::warning(format!(
                "{what} has {}{left}: {first}",
                if n == 1 {
                    "an error".to_string()
                } else {
                    format!("{n} errors")
                }
            ))
            .with_help("`zmgr check` shows every problem with its place"),
        );
    }
    (stopping, warnings, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_origin() {
        let root = Path::new("/etc/zmgr");
        for (path, origin) in [
            ("/etc/zmgr", Origin::Root),
            ("/etc", Origin::Root),
            ("/etc/zmgr/config.kdl", Origin::Config),
            ("/etc/zmgr/templates", Origin::Folder(Kind::Template)),
            (
                "/etc/zmgr/zones/web01.kdl",
                Origin::File(Kind::Zone, "web01".into()),
            ),
            ("/etc/zmgr/scripts/x.rhai", Origin::Root),
        ] {
            assert_eq!(Origin::of_path(root, Path::new(path)), origin, "{path}");
        }
    }

    #[test]
    fn only_what_the_verb_needs_stops_it() {
        let root = Path::new("/r");
        let p = |m: &str| Problem::error(m.to_string());
        let problems = vec![
            (Origin::File(Kind::Template, "web".into()), p("bad brand")),
            (Origin::File(Kind::Template, "web".into()), p("bad pool")),
            (Origin::File(Kind::Zone, "web01".into()), p("bad state")),
            (Origin::File(Kind::Zone, "db01".into()), p("bad address")),
        ];
        let needs = Needs {
            config: true,
            zones: Want::one("web01"),
            ..Needs::default()
        };
        let (stop, warn, out) = sort(root, problems, &needs);
        assert_eq!(stop.len(), 1);
        assert_eq!(stop[0].message(), "bad state");
        let warn: Vec<&str> = warn.iter().map(|w| w.message()).collect();
        assert_eq!(
            warn,
            [
                "/r/templates/web.kdl has 2 errors and is left out: bad brand",
                "/r/zones/db01.kdl has an error and is left out: bad address"
            ]
        );
        assert_eq!(out.len(), 2);
    }
}
