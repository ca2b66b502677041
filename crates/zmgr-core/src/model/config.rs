//! The global configuration, `config.kdl`.
//!
//! ```kdl
//! default-template "ipkg"
//! zonepath-base "/zones"
//! commands {
//!     zonecfg "/usr/sbin/zonecfg"
//! }
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kdl::KdlDocument;

use crate::command::{Commands, Tool};
use crate::error::{Problem, SourceFile};
use crate::kdl::{Reader, Spanned, quote};

/// Top-level nodes of `config.kdl`.
const NODES: &[&str] = &[
    "default-template",
    "zonepath-base",
    "zonepath-dataset",
    "ipnat-conf",
    "commands",
    "lock-wait",
    "milestone-wait",
    "scripting",
];

/// Children of `scripting`: the limits of the Rhai engine.
const SCRIPTING: &[&str] = &[
    "max-operations",
    "max-call-levels",
    "max-string-size",
    "max-array-size",
    "max-map-size",
    "max-expr-depth",
    "timeout-seconds",
];

/// The `scripting` node: the limits of the script engine. The script engine reads them;
/// the model only holds and checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scripting {
    pub max_operations: u64,
    pub max_call_levels: usize,
    pub max_string_size: usize,
    pub max_array_size: usize,
    pub max_map_size: usize,
    pub max_expr_depth: usize,
    /// Wall-clock time a script may take: a site script's own time (not the zone operations
    /// it asks for), a hook's whole run including the zone commands it runs.
    pub timeout: Duration,
}

impl Default for Scripting {
    fn default() -> Self {
        Scripting {
            max_operations: 50_000_000,
            max_call_levels: 64,
            max_string_size: 1 << 20,
            max_array_size: 100_000,
            max_map_size: 100_000,
            max_expr_depth: 64,
            timeout: Duration::from_secs(30),
        }
    }
}

/// The deepest call nesting the engine may allow: what zmgr's 512 MiB stack holds with room
/// to spare (a debug build uses about 30 KiB a level). The script engine also stops a script
/// whose calls and expressions together use too much of the stack, whatever this says.
pub const MAX_CALL_LEVELS: usize = 10_000;

/// The largest value each `scripting` setting takes: past these a script could make zmgr use
/// gigabytes of memory, overflow its stack, or run for days. The script engine holds every
/// script to a memory bound as well, whatever the sizes allow.
pub const SCRIPTING_BOUNDS: &[(&str, u64)] = &[
    ("max-operations", 1_000_000_000_000),
    ("max-call-levels", MAX_CALL_LEVELS as u64),
    ("max-string-size", 4 << 20),
    ("max-array-size", 1_000_000),
    ("max-map-size", 1_000_000),
    ("max-expr-depth", 1_000),
    ("timeout-seconds", 86_400),
];

/// The largest value of the `scripting` setting `key`.
pub fn scripting_bound(key: &str) -> u64 {
    SCRIPTING_BOUNDS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(0, |(_, max)| *max)
}

/// Why `key` has its bound, for the diagnostic.
fn scripting_bound_reason(key: &str) -> &'static str {
    match key {
        "max-operations" => {
            "a script that long would run for hours; the deadline is the limit that matters"
        }
        "max-call-levels" => "deeper recursion would overflow zmgr's stack",
        "max-expr-depth" => "deeper expressions would overflow zmgr's stack while compiling",
        "timeout-seconds" => "a day: a hook that needs longer is better run outside zmgr",
        _ => "larger values would let one script value take hundreds of megabytes",
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from; `None` for the built-in defaults.
    pub file: Option<Arc<SourceFile>>,
    /// Template used by `create` when none is given.
    pub default_template: Option<Spanned<String>>,
    /// New zones live in `<zonepath-base>/<name>`.
    pub zonepath_base: Spanned<PathBuf>,
    /// The ZFS dataset `host setup` mounts at the zonepath base when there is none
    /// (`zonepath-dataset`, default `rpool/zones`).
    pub zonepath_dataset: Spanned<String>,
    /// IP Filter's NAT rules file, where `host setup` writes the rules of NAT pools.
    pub ipnat_conf: Spanned<PathBuf>,
    pub commands: Commands,
    /// Seconds a verb waits for another process's registry lock before giving up.
    pub lock_wait: u64,
    /// Seconds a create waits, after booting a zone with post-boot hooks, for the zone's
    /// services to come up (`svc:/milestone/multi-user:default` online) before the hooks run.
    pub milestone_wait: u64,
    /// Limits of the script engine.
    pub scripting: Scripting,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            file: None,
            default_template: None,
            zonepath_base: Spanned::unspanned(PathBuf::from("/zones")),
            zonepath_dataset: Spanned::unspanned("rpool/zones".to_string()),
            ipnat_conf: Spanned::unspanned(PathBuf::from("/etc/ipf/ipnat.conf")),
            commands: Commands::default(),
            lock_wait: 10,
            milestone_wait: 300,
            scripting: Scripting::default(),
        }
    }
}

impl Config {
    /// Decodes a parsed `config.kdl`; problems go to `problems`, the result has defaults in their place.
    pub fn decode(
        file: &Arc<SourceFile>,
        doc: &KdlDocument,
        problems: &mut Vec<Problem>,
    ) -> Config {
        let mut r = Reader::new(file, problems);
        let mut config = Config {
            file: Some(file.clone()),
            ..Config::default()
        };
        let mut top = Vec::new();
        for node in doc.nodes() {
            if NODES.contains(&node.name().value()) {
                top.push(node);
            } else {
                r.unknown(node.name().value(), node.name().span(), NODES, "node");
            }
        }
        if let Some(n) = r.single(&top, "default-template") {
            config.default_template = r.one_string_arg(n);
        }
        if let Some(n) = r.single(&top, "zonepath-dataset")
            && let Some(v) = r.one_string_arg(n)
        {
            match dataset_name_error(&v.value) {
                None => config.zonepath_dataset = v,
                Some(why) => r.error_help(
                    v.span,
                    why,
                    "invalid dataset name",
                    "write e.g. \"rpool/zones\"",
                ),
            }
        }
        if let Some(n) = r.single(&top, "ipnat-conf")
            && let Some(v) = r.one_string_arg(n)
        {
            if v.value.starts_with('/') && v.value.len() > 1 {
                config.ipnat_conf = Spanned::new(PathBuf::from(&v.value), v.span);
            } else {
                r.error(
                    v.span,
                    format!("ipnat-conf `{}` is not an absolute path", v.value),
                    "must start with /",
                );
            }
        }
        if let Some(n) = r.single(&top, "zonepath-base")
            && let Some(v) = r.one_string_arg(n)
        {
            use crate::model::names::{ZONEPATH_MAX, zonepath_component_error, zonepath_error};
            // Every zone's zonepath is this, `/` and a name of up to 63 characters: checked as
            // one, so that no create can make a zonepath zonecfg refuses.
            let longest = format!("{}/{}", v.value.trim_end_matches('/'), "x".repeat(63));
            let problem = zonepath_error(&v.value)
                .or_else(|| zonepath_component_error(&v.value))
                .map(|why| why.replacen("zonepath", "zonepath-base", 1))
                .or_else(|| {
                    (longest.len() > ZONEPATH_MAX).then(|| {
                        format!(
                            "zonepath-base is {} bytes long: with a zone's name it could pass the {ZONEPATH_MAX} bytes illumos allows",
                            v.value.len()
                        )
                    })
                });
            match problem {
                None => config.zonepath_base = Spanned::new(PathBuf::from(&v.value), v.span),
                Some(why) => r.error_help(
                    v.span,
                    why,
                    "not a zonepath base",
                    "zones live in <zonepath-base>/<zone>; write e.g. \"/zones\"",
                ),
            }
        }
        for (key, slot, example) in [
            ("lock-wait", &mut config.lock_wait, 10),
            ("milestone-wait", &mut config.milestone_wait, 300),
        ] {
            let Some(n) = r.single(&top, key) else {
                continue;
            };
            let args: Vec<_> = n.entries().iter().collect();
            match args.as_slice() {
                [e] if e.name().is_none() => match e.value().as_integer() {
                    Some(secs @ 0..=3600) => *slot = secs as u64,
                    _ => r.error_help(
                        e.span(),
                        format!("`{key}` takes a number of seconds from 0 to 3600"),
                        "invalid wait",
                        format!("write e.g. `{key} {example}`"),
                    ),
                },
                _ => r.error(
                    n.span(),
                    format!("`{key}` takes one number of seconds"),
                    "expected one number",
                ),
            }
        }
        if let Some(n) = r.single(&top, "scripting") {
            let children = r.children(n, SCRIPTING);
            let l = &mut config.scripting;
            for key in SCRIPTING {
                let Some(c) = r.single(&children, key) else {
                    continue;
                };
                let max = scripting_bound(key);
                let value = match c.entries() {
                    [e] if e.name().is_none() => e.value().as_integer().filter(|v| *v > 0),
                    _ => None,
                };
                let Some(v) = value else {
                    r.error_help(
                        c.span(),
                        format!("`{key}` takes one whole number from 1 to {max}"),
                        "expected a number",
                        format!("write e.g. `{key} 100`"),
                    );
                    continue;
                };
                if v > max as i128 {
                    r.error_help(
                        c.span(),
                        format!("`{key}` is at most {max}"),
                        "too large",
                        scripting_bound_reason(key),
                    );
                    continue;
                }
                // Within the bound, so within u64 and usize.
                let v = v as u64;
                let sz = v as usize;
                match *key {
                    "max-operations" => l.max_operations = v,
                    "max-call-levels" => l.max_call_levels = sz,
                    "max-string-size" => l.max_string_size = sz,
                    "max-array-size" => l.max_array_size = sz,
                    "max-map-size" => l.max_map_size = sz,
                    "max-expr-depth" => l.max_expr_depth = sz,
                    _ => l.timeout = std::time::Duration::from_secs(v),
                }
            }
        }
        if let Some(n) = r.single(&top, "commands") {
            let names = Tool::names();
            let children = r.children(n, &names);
            for tool in Tool::ALL {
                let Some(c) = r.single(&children, tool.name()) else {
                    continue;
                };
                let Some(v) = r.one_string_arg(c) else {
                    continue;
                };
                if v.value.starts_with('/') {
                    config.commands.set(tool, PathBuf::from(&v.value));
                } else {
                    r.error_help(
                        v.span,
                        format!("the path of {} must be absolute", tool.name()),
                        "not an absolute path",
                        format!(
                            "zmgr runs tools without a shell or PATH lookup; the illumos path is {}",
                            tool.default_path()
                        ),
                    );
                }
            }
        }
        config
    }
}

impl Config {
    /// The configuration as zmgr would write it.
    pub fn to_kdl(&self) -> String {
        let mut s = String::new();
        if let Some(t) = &self.default_template {
            s += &format!("default-template {}\n", quote(&t.value));
        }
        s += &format!(
            "zonepath-base {}\n",
            quote(&self.zonepath_base.value.to_string_lossy())
        );
        s += &format!("zonepath-dataset {}\n", quote(&self.zonepath_dataset.value));
        s += &format!(
            "ipnat-conf {}\n",
            quote(&self.ipnat_conf.value.to_string_lossy())
        );
        s += &format!("lock-wait {}\n", self.lock_wait);
        s += &format!("milestone-wait {}\n", self.milestone_wait);
        s += "commands {\n";
        for tool in Tool::ALL {
            s += &format!(
                "    {} {}\n",
                tool.name(),
                quote(&self.commands.path(tool).to_string_lossy())
            );
        }
        s += "}\n";
        s
    }
}

/// Why `name` is no ZFS dataset name zmgr would create: `POOL/NAME…`, each component of
/// letters, digits, `_`, `-`, `.` and `:` (zfs(8), "ZFS Component Naming Requirements").
pub fn dataset_name_error(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return Some(format!(
            "dataset `{name}` must be a pool and a name, like `rpool/zones`"
        ));
    }
    let bad = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/')));
    if let Some(c) = bad {
        return Some(format!("dataset `{name}` contains {c:?}"));
    }
    if name.len() > 255 {
        return Some(format!("dataset `{name}` is longer than 255 characters"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> (Config, Vec<Problem>) {
        let file = SourceFile::new("config.kdl", text.to_string());
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        (Config::decode(&file, &doc, &mut problems), problems)
    }

    #[test]
    fn round_trip_and_defaults() {
        let (first, p) =
            decode("default-template \"web\"\ncommands {\n    dladm \"/opt/sim/dladm\"\n}\n");
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            first.commands.path(Tool::Dladm),
            std::path::Path::new("/opt/sim/dladm")
        );
        assert_eq!(
            first.commands.path(Tool::Zonecfg),
            std::path::Path::new("/usr/sbin/zonecfg")
        );
        let written = first.to_kdl();
        let (second, p) = decode(&written);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(second.to_kdl(), written);
        assert_eq!(second.commands, first.commands);
        assert_eq!(second.zonepath_base.value, PathBuf::from("/zones"));
    }

    #[test]
    fn scripting_limits_have_bounds() {
        let (c, p) = decode("scripting {\n    max-expr-depth 1000\n    timeout-seconds 86400\n}\n");
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.scripting.max_expr_depth, 1000);
        let (c, p) = decode("scripting {\n    max-expr-depth 300000\n}\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].message(), "`max-expr-depth` is at most 1000");
        assert_eq!(p[0].position().unwrap(), "config.kdl:2:5");
        assert_eq!(
            c.scripting.max_expr_depth,
            Scripting::default().max_expr_depth
        );
        for key in SCRIPTING {
            assert!(scripting_bound(key) > 0, "{key} has no bound");
        }
    }

    #[test]
    fn a_zonepath_base_is_one_every_zone_s_zonepath_can_extend() {
        for (base, says) in [
            (
                "zones",
                "zonepath-base `zones` is not an absolute path below /",
            ),
            ("/", "zonepath-base `/` is not an absolute path below /"),
            (
                "/a/../b",
                "zonepath-base `/a/../b` has a `.` or `..` component",
            ),
            ("/zo\\\"nes", "contains a double quote"),
            (
                &format!("/{}", "z".repeat(980)),
                "with a zone's name it could pass the 1023 bytes",
            ),
        ] {
            let (c, p) = decode(&format!("zonepath-base \"{base}\"\n"));
            assert_eq!(p.len(), 1, "{base}: {p:?}");
            assert!(p[0].message().contains(says), "{base}: {}", p[0].message());
            assert_eq!(c.zonepath_base.value, PathBuf::from("/zones"));
        }
        let (c, p) = decode("zonepath-base \"/export/zones/\"\n");
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.zonepath_base.value, PathBuf::from("/export/zones/"));
    }

    #[test]
    fn relative_command_paths_are_refused() {
        let (_, p) = decode("commands {\n    zoneadm \"zoneadm\"\n}\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].message(), "the path of zoneadm must be absolute");
        assert_eq!(p[0].position().unwrap(), "config.kdl:2:13");
    }
}
