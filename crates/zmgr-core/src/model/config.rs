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
    "etcd",
    "host-name",
];

/// Children of `etcd`: where the shared ledger of `ledger "etcd"` pools lives.
const ETCD: &[&str] = &[
    "endpoints",
    "prefix",
    "timeout-ms",
    "ca-file",
    "cert-file",
    "key-file",
    "user",
    "password-file",
];

/// config.kdl's `etcd { … }`: the etcd cluster that holds the addresses of shared pools.
/// Secrets are never inline: the client key and the password are files, read when used and
/// refused if anyone but their owner (root) can read them.
#[derive(Debug, Clone)]
pub struct Etcd {
    /// `http://` or `https://` URLs of the cluster's client endpoints, tried in order.
    pub endpoints: Vec<Spanned<String>>,
    /// Every key zmgr writes starts with it (`/zmgr`).
    pub prefix: Spanned<String>,
    /// How long one request, over every endpoint, may take.
    pub timeout: Duration,
    /// The CA certificate(s) that signed the servers' certificates (PEM).
    pub ca_file: Option<Spanned<PathBuf>>,
    /// This host's client certificate and key (PEM), for clusters that ask for one.
    pub cert_file: Option<Spanned<PathBuf>>,
    pub key_file: Option<Spanned<PathBuf>>,
    /// etcd's user and the file holding the password, for clusters with auth enabled.
    pub user: Option<Spanned<String>>,
    pub password_file: Option<Spanned<PathBuf>>,
}

/// Why `prefix` is no key prefix zmgr writes under: `/` then names of letters, digits,
/// `_`, `-` and `.` joined by `/`, no `/` at the end.
pub fn etcd_prefix_error(prefix: &str) -> Option<String> {
    let ok = prefix.len() <= 128
        && prefix.starts_with('/')
        && prefix[1..].split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        });
    (!ok).then(|| {
        format!(
            "etcd prefix `{}` is not `/` and names of letters, digits, `_`, `-` and `.` joined by `/`",
            crate::text::printable(prefix)
        )
    })
}

/// Why `url` is no etcd endpoint: `http://HOST:PORT` or `https://HOST:PORT`, nothing after.
pub fn etcd_endpoint_error(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let ok = rest.is_some_and(|r| {
        let (host, port) = match r.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => return false,
        };
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
            && port.parse::<u16>().is_ok_and(|p| p > 0)
    });
    (!ok).then(|| {
        format!(
            "etcd endpoint `{}` is not http://HOST:PORT or https://HOST:PORT",
            crate::text::printable(url)
        )
    })
}

/// Why `name` is no host name for the shared ledger: 1 to 64 letters, digits, `-`, `_`, `.`.
pub fn host_name_error(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    (!ok).then(|| {
        format!(
            "host-name `{}` is not 1 to 64 letters, digits, `-`, `_` and `.`",
            crate::text::printable(name)
        )
    })
}

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
    /// The etcd of shared pools, if any pool is shared.
    pub etcd: Option<Etcd>,
    /// This host's name in shared pools (`host-name`; default: the node name).
    pub host_name: Option<Spanned<String>>,
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
            etcd: None,
            host_name: None,
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
        if let Some(n) = r.single(&top, "host-name")
            && let Some(v) = r.one_string_arg(n)
        {
            match host_name_error(&v.value) {
                None => config.host_name = Some(v),
                Some(why) => r.error(v.span, why, "invalid host name"),
            }
        }
        if let Some(n) = r.single(&top, "etcd") {
            config.etcd = decode_etcd(&mut r, n);
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

/// The `etcd` block; `None` when it has errors (which are in `r`).
fn decode_etcd(r: &mut Reader<'_>, node: &kdl::KdlNode) -> Option<Etcd> {
    let children = r.children(node, ETCD);
    let before = r.problems.len();
    let mut endpoints = Vec::new();
    match r.single(&children, "endpoints") {
        Some(n) => {
            for e in n.entries() {
                match (e.name(), e.value().as_string()) {
                    (None, Some(url)) => match etcd_endpoint_error(url) {
                        None => endpoints.push(Spanned::new(url.to_string(), e.span())),
                        Some(why) => r.error_help(
                            e.span(),
                            why,
                            "invalid endpoint",
                            "write e.g. \"http://10.0.0.1:2379\"",
                        ),
                    },
                    _ => r.error(e.span(), "an endpoint is a quoted URL", "expected a string"),
                }
            }
            if n.entries().is_empty() {
                r.error(n.span(), "`endpoints` names no endpoint", "expected URLs");
            }
        }
        None => r.missing(node, "endpoints", "endpoints \"http://127.0.0.1:2379\""),
    }
    let mut prefix = Spanned::unspanned("/zmgr".to_string());
    if let Some(n) = r.single(&children, "prefix")
        && let Some(v) = r.one_string_arg(n)
    {
        match etcd_prefix_error(&v.value) {
            None => prefix = v,
            Some(why) => r.error(v.span, why, "invalid prefix"),
        }
    }
    let mut timeout = Duration::from_millis(2000);
    if let Some(n) = r.single(&children, "timeout-ms") {
        match n.entries() {
            [e] if e.name().is_none() => match e.value().as_integer() {
                Some(ms @ 1..=60_000) => timeout = Duration::from_millis(ms as u64),
                _ => r.error_help(
                    e.span(),
                    "`timeout-ms` takes a number of milliseconds from 1 to 60000",
                    "invalid timeout",
                    "write e.g. `timeout-ms 2000`",
                ),
            },
            _ => r.error(
                n.span(),
                "`timeout-ms` takes one number",
                "expected one number",
            ),
        }
    }
    let file = |r: &mut Reader<'_>, key: &str| -> Option<Spanned<PathBuf>> {
        let v = r.single(&children, key).and_then(|n| r.one_string_arg(n))?;
        if v.value.starts_with('/') && v.value.len() > 1 {
            Some(Spanned::new(PathBuf::from(&v.value), v.span))
        } else {
            r.error(
                v.span,
                format!(
                    "{key} `{}` is not an absolute path",
                    crate::text::printable(&v.value)
                ),
                "must start with /",
            );
            None
        }
    };
    let ca_file = file(r, "ca-file");
    let cert_file = file(r, "cert-file");
    let key_file = file(r, "key-file");
    let password_file = file(r, "password-file");
    let user = r
        .single(&children, "user")
        .and_then(|n| r.one_string_arg(n));
    if cert_file.is_some() != key_file.is_some() {
        r.error(
            node.span(),
            "`cert-file` and `key-file` go together: the client certificate and its key",
            "one without the other",
        );
    }
    if user.is_some() != password_file.is_some() {
        r.error_help(
            node.span(),
            "`user` and `password-file` go together",
            "one without the other",
            "the password is read from a file only root can read, never written in config.kdl",
        );
    }
    (r.problems.len() == before).then_some(Etcd {
        endpoints,
        prefix,
        timeout,
        ca_file,
        cert_file,
        key_file,
        user,
        password_file,
    })
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
        if let Some(h) = &self.host_name {
            s += &format!("host-name {}\n", quote(&h.value));
        }
        if let Some(e) = &self.etcd {
            s += "etcd {\n    endpoints";
            for url in &e.endpoints {
                s += &format!(" {}", quote(&url.value));
            }
            s += &format!("\n    prefix {}\n", quote(&e.prefix.value));
            s += &format!("    timeout-ms {}\n", e.timeout.as_millis());
            for (key, path) in [
                ("ca-file", &e.ca_file),
                ("cert-file", &e.cert_file),
                ("key-file", &e.key_file),
            ] {
                if let Some(p) = path {
                    s += &format!("    {key} {}\n", quote(&p.value.to_string_lossy()));
                }
            }
            if let (Some(u), Some(p)) = (&e.user, &e.password_file) {
                s += &format!("    user {}\n", quote(&u.value));
                s += &format!("    password-file {}\n", quote(&p.value.to_string_lossy()));
            }
            s += "}\n";
        }
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
