//! `zfs`: the datasets of the simulated host, enough for zones: `list`,
//! `get`, `create`, `destroy`, `snapshot`, `rollback` and `clone`, with the options,
//! output and messages of illumos-gate `usr/src/cmd/zfs/zfs_main.c` and
//! libzfs (`libzfs_dataset.c`, `libzfs_mount.c`, `libzfs_util.c`).
//!
//! Datasets live in `state.json`. A fresh state has the pool `rpool`
//! (mountpoint `STATE/rpool`, so that nothing is made outside the state
//! folder), `rpool/ROOT` (`legacy`) and the boot environment
//! `rpool/ROOT/openindiana` mounted on `/`. Mounting a filesystem makes its
//! mountpoint folder on disk, as `zfs_mount()` does; the simulator keeps no
//! other contents.

use std::collections::BTreeMap;
use std::path::Path;

use crate::ctx::{self, Ctx, Exit};
use crate::getopt::{Getopt, Opt};
use crate::random;
use crate::state::State;
use crate::state::zfs::{DsType, ZfsDataset};

type Flow<T = ()> = Result<T, Exit>;

/// Options given (letter and argument) and the index of the first operand.
type Parsed = (Vec<(char, Option<String>)>, usize);

/// The pool every state has.
pub const POOL: &str = "rpool";
/// The boot environment mounted on `/`.
pub const BE: &str = "rpool/ROOT/openindiana";
/// The property libbe puts on a boot environment (and pkgcreatezone reads
/// through `beadm list`).
pub const BE_UUID_PROP: &str = "org.opensolaris.libbe:uuid";

impl ZfsDataset {
    fn new(name: &str, kind: DsType, props: BTreeMap<String, String>) -> ZfsDataset {
        ZfsDataset {
            name: name.to_string(),
            kind,
            props,
            mounted: false,
            mounted_at: None,
            origin: None,
            creation: ctx::now(),
        }
    }
}

/// The datasets of a fresh state, the pool mounted in the state folder.
fn default_datasets(dir: &Path) -> Vec<ZfsDataset> {
    let root = dir.join(POOL).to_string_lossy().into_owned();
    let _ = std::fs::create_dir_all(&root);
    let props = |kv: &[(&str, &str)]| -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let mut pool = ZfsDataset::new(POOL, DsType::Filesystem, props(&[("mountpoint", &root)]));
    pool.mounted = true;
    let roots = ZfsDataset::new(
        "rpool/ROOT",
        DsType::Filesystem,
        props(&[("mountpoint", "legacy")]),
    );
    let uuid = random::uuid();
    let mut be = ZfsDataset::new(
        BE,
        DsType::Filesystem,
        props(&[
            ("mountpoint", "/"),
            ("canmount", "noauto"),
            (BE_UUID_PROP, &uuid),
        ]),
    );
    be.mounted = true;
    vec![pool, roots, be]
}

/// Gives a state that has no datasets yet (a fresh one, or one written
/// before datasets were simulated) the default pool.
pub fn ensure(st: &mut State, dir: &Path) {
    if st.datasets.is_empty() {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        st.datasets = default_datasets(&dir);
    }
}

pub fn find<'a>(st: &'a State, name: &str) -> Option<&'a ZfsDataset> {
    st.datasets.iter().find(|d| d.name == name)
}

fn find_mut<'a>(st: &'a mut State, name: &str) -> Option<&'a mut ZfsDataset> {
    st.datasets.iter_mut().find(|d| d.name == name)
}

fn parent_name(name: &str) -> Option<&str> {
    if let Some((fs, _)) = name.split_once('@') {
        return Some(fs);
    }
    name.rsplit_once('/').map(|(p, _)| p)
}

fn pool_of(name: &str) -> &str {
    name.split(['/', '@']).next().unwrap_or(name)
}

/// The datasets below `name`: its snapshots and all its descendants.
fn descendants<'a>(st: &'a State, name: &str) -> Vec<&'a ZfsDataset> {
    let slash = format!("{name}/");
    let at = format!("{name}@");
    let mut v: Vec<&ZfsDataset> = st
        .datasets
        .iter()
        .filter(|d| d.name.starts_with(&slash) || d.name.starts_with(&at))
        .collect();
    v.sort_by(|a, b| zfs_compare(st, a, b));
    v
}

/// `zfs_compare` (illumos-gate `usr/src/cmd/zfs/zfs_iter.c`): by the name
/// without its `@` part, a filesystem before its snapshots, and the
/// snapshots of one filesystem by `createtxg` (here: the order they were
/// made in, which is their order in the state).
fn zfs_compare(st: &State, a: &ZfsDataset, b: &ZfsDataset) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let split = |n: &str| -> (String, bool) {
        match n.split_once('@') {
            Some((fs, _)) => (fs.to_string(), true),
            None => (n.to_string(), false),
        }
    };
    let (af, asnap) = split(&a.name);
    let (bf, bsnap) = split(&b.name);
    let pos = |d: &ZfsDataset| st.datasets.iter().position(|x| x.name == d.name);
    af.cmp(&bf).then_with(|| match (asnap, bsnap) {
        (false, false) => Ordering::Equal,
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        (true, true) => pos(a).cmp(&pos(b)),
    })
}

/// Where a property's value comes from, as `zfs get` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Local,
    Default,
    Inherited(String),
    /// Read-only and computed properties.
    None,
}

impl Source {
    fn text(&self) -> String {
        match self {
            Source::Local => "local".into(),
            Source::Default => "default".into(),
            Source::Inherited(from) => format!("inherited from {from}"),
            Source::None => "-".into(),
        }
    }
}

/// The `mountpoint` property: set locally, or inherited from the nearest
/// ancestor that sets it (its value plus the rest of the name), or the
/// default `/POOL/…`.
pub fn mountpoint(st: &State, name: &str) -> (String, Source) {
    let mut cur = name;
    let mut rest: Vec<&str> = Vec::new();
    loop {
        if let Some(v) = find(st, cur).and_then(|d| d.props.get("mountpoint")) {
            let source = if rest.is_empty() {
                Source::Local
            } else {
                Source::Inherited(cur.to_string())
            };
            if v == "none" || v == "legacy" || rest.is_empty() {
                return (v.clone(), source);
            }
            rest.reverse();
            let base = v.trim_end_matches('/');
            return (format!("{base}/{}", rest.join("/")), source);
        }
        match cur.rsplit_once('/') {
            Some((p, last)) => {
                rest.push(last);
                cur = p;
            }
            None => {
                rest.push(cur);
                rest.reverse();
                return (format!("/{}", rest.join("/")), Source::Default);
            }
        }
    }
}

/// An inheritable property other than `mountpoint`, or its default.
fn inherited(st: &State, name: &str, prop: &str, default: &str) -> (String, Source) {
    let mut cur = Some(name);
    let mut first = true;
    while let Some(n) = cur {
        if let Some(v) = find(st, n).and_then(|d| d.props.get(prop)) {
            let source = if first {
                Source::Local
            } else {
                Source::Inherited(n.to_string())
            };
            return (v.clone(), source);
        }
        first = false;
        cur = parent_name(n);
    }
    (default.to_string(), Source::Default)
}

/// Sizes are not simulated: every dataset uses 19K of a 100G pool.
const USED: (&str, &str) = ("19K", "19456");
const AVAIL: (&str, &str) = ("100G", "107374182400");

/// A property's value and source; `None` for a property the dataset does
/// not have (printed as `-`).
fn prop_value(st: &State, d: &ZfsDataset, prop: &str, literal: bool) -> (String, Source) {
    let pick = |v: (&str, &str)| if literal { v.1 } else { v.0 }.to_string();
    let fs = d.kind == DsType::Filesystem;
    match prop {
        "name" => (d.name.clone(), Source::None),
        "type" => (d.kind.as_str().into(), Source::None),
        "used" | "referenced" => (pick(USED), Source::None),
        "available" if fs => (pick(AVAIL), Source::None),
        "creation" => (
            if literal {
                d.creation.to_string()
            } else {
                creation_text(d.creation)
            },
            Source::None,
        ),
        "mountpoint" if fs => mountpoint(st, &d.name),
        "mounted" if fs => (if d.mounted { "yes" } else { "no" }.into(), Source::None),
        "origin" if fs => (d.origin.clone().unwrap_or_else(|| "-".into()), Source::None),
        "canmount" if fs => match d.props.get("canmount") {
            Some(v) => (v.clone(), Source::Local),
            None => ("on".into(), Source::Default),
        },
        "zoned" if fs => inherited(st, &d.name, "zoned", "off"),
        "compression" => inherited(st, &d.name, "compression", "off"),
        "sharenfs" if fs => inherited(st, &d.name, "sharenfs", "off"),
        "sharesmb" if fs => inherited(st, &d.name, "sharesmb", "off"),
        "quota" if fs => match d.props.get("quota") {
            Some(v) => (v.clone(), Source::Local),
            None => ("none".into(), Source::Default),
        },
        p if p.contains(':') => {
            let (v, s) = inherited(st, &d.name, p, "-");
            if s == Source::Default {
                ("-".into(), Source::None)
            } else {
                (v, s)
            }
        }
        _ => ("-".into(), Source::None),
    }
}

/// `creation` as zfs prints it (`%a %b %e %H:%M %Y`, UTC here).
fn creation_text(t: u64) -> String {
    let days = (t / 86400) as i64;
    let secs = t % 86400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let wd = (days + 4).rem_euclid(7) as usize;
    const WD: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:>2} {:02}:{:02} {}",
        WD[wd],
        MO[(m - 1) as usize],
        d,
        secs / 3600,
        secs % 3600 / 60,
        y
    )
}

/// Property names zfs knows (and the simulator can show), with their
/// short aliases.
const PROPS: [&str; 14] = [
    "name",
    "type",
    "creation",
    "used",
    "available",
    "referenced",
    "mountpoint",
    "mounted",
    "origin",
    "canmount",
    "zoned",
    "compression",
    "sharenfs",
    "sharesmb",
];

/// Properties `-o`/`zfs create` accept besides the shown ones.
const SETTABLE: [&str; 14] = [
    "mountpoint",
    "canmount",
    "zoned",
    "compression",
    "sharenfs",
    "sharesmb",
    "quota",
    "reservation",
    "recordsize",
    "atime",
    "readonly",
    "setuid",
    "devices",
    "exec",
];

fn canonical_prop(p: &str) -> Option<String> {
    let p = p.to_ascii_lowercase();
    let full = match p.as_str() {
        "avail" => "available",
        "refer" => "referenced",
        "compress" => "compression",
        other => other,
    };
    if PROPS.contains(&full) || full == "quota" {
        Some(full.to_string())
    } else {
        None
    }
}

/// The column header `zfs list` prints for a property.
fn column_name(p: &str) -> String {
    match p {
        "available" => "AVAIL".into(),
        "referenced" => "REFER".into(),
        "compression" => "COMPRESS".into(),
        other => other.to_ascii_uppercase(),
    }
}

fn right_aligned(p: &str) -> bool {
    matches!(p, "used" | "available" | "referenced" | "quota")
}

/// `valid_char` of zfs_namecheck.c.
fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.: ".contains(c)
}

/// `zfs_validate_name` for a filesystem (or, with `snapshot`, a snapshot)
/// name: the aux text of the first problem.
pub fn name_problem(name: &str, snapshot: bool) -> Option<String> {
    if !snapshot && name.contains('@') {
        return Some("snapshot delimiter '@' is not expected here".into());
    }
    if snapshot && !name.contains('@') {
        return Some("missing '@' delimiter in snapshot name".into());
    }
    if name.contains('#') {
        return Some("bookmark delimiter '#' is not expected here".into());
    }
    if name.len() >= 256 {
        return Some("name is too long".into());
    }
    if name.starts_with('/') {
        return Some("leading slash in name".into());
    }
    if name.ends_with('/') {
        return Some("trailing slash in name".into());
    }
    if name.matches('@').count() > 1 {
        return Some("multiple '@' and/or '#' delimiters in name".into());
    }
    if name.split(['/', '@']).any(str::is_empty) {
        return Some("empty component in name".into());
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !valid_char(c) && c != '/' && c != '@')
    {
        return Some(format!("invalid character '{c}' in name"));
    }
    None
}

/// Checks `-o` properties the way `zfs_valid_proplist` does; the aux text
/// of the first bad one.
fn props_problem(props: &BTreeMap<String, String>) -> Option<String> {
    for (k, v) in props {
        if k.contains(':') {
            continue;
        }
        if !SETTABLE.contains(&k.as_str()) {
            return Some(format!("invalid property '{k}'"));
        }
        match k.as_str() {
            "mountpoint" if !(v.starts_with('/') || v == "none" || v == "legacy") => {
                return Some("'mountpoint' must be an absolute path, 'none', or 'legacy'".into());
            }
            "canmount" if !["on", "off", "noauto"].contains(&v.as_str()) => {
                return Some("'canmount' must be one of 'on | off | noauto'".into());
            }
            "zoned" | "atime" | "readonly" | "setuid" | "devices" | "exec"
                if !["on", "off"].contains(&v.as_str()) =>
            {
                return Some(format!("'{k}' must be one of 'on | off'"));
            }
            _ => {}
        }
    }
    None
}

/// Whether a mount of `dir` would find it empty (or missing).
fn dir_is_empty(dir: &str) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut it) => it.next().is_none(),
        Err(_) => true,
    }
}

/// `zfs_mount()`: mounts a filesystem at its mountpoint if it is mountable
/// (a path mountpoint, `canmount` not `off`, not `zoned`), making the folder.
/// Err is the aux text after `cannot mount 'MOUNTPOINT'`.
pub fn mount(st: &mut State, name: &str) -> Result<(), (String, String)> {
    let (mp, _) = mountpoint(st, name);
    let Some(d) = find(st, name) else {
        return Ok(());
    };
    if d.kind != DsType::Filesystem || d.mounted || !mp.starts_with('/') {
        return Ok(());
    }
    if d.props.get("canmount").is_some_and(|v| v == "off")
        || inherited(st, name, "zoned", "off").0 == "on"
    {
        return Ok(());
    }
    // The boot environment's file system is the host's own: its descendants
    // are mounted without touching the host's folders.
    if in_boot_environments(name) {
        if let Some(d) = find_mut(st, name) {
            d.mounted = true;
        }
        return Ok(());
    }
    let path = Path::new(&mp);
    if std::fs::symlink_metadata(path).is_err() && std::fs::create_dir_all(path).is_err() {
        return Err((mp, "failed to create mountpoint".into()));
    }
    if !dir_is_empty(&mp) {
        return Err((mp, "directory is not empty".into()));
    }
    if let Some(d) = find_mut(st, name) {
        d.mounted = true;
    }
    Ok(())
}

/// Whether a dataset is below `rpool/ROOT`, the boot environments.
fn in_boot_environments(name: &str) -> bool {
    name.starts_with("rpool/ROOT/")
}

/// `zfs_unmount()` and `remove_mountpoint()`: the folder goes if empty.
fn unmount(st: &mut State, name: &str) {
    let (mp, _) = mountpoint(st, name);
    let Some(d) = find_mut(st, name) else {
        return;
    };
    if !d.mounted {
        return;
    }
    d.mounted = false;
    let at = d.mounted_at.take().unwrap_or(mp);
    if at.starts_with('/') && at != "/" && !in_boot_environments(name) {
        let _ = std::fs::remove_dir(&at);
    }
}

/// The mounted filesystem whose mountpoint is exactly `path`
/// (zoneadm's `mount2zhandle`).
pub fn mounted_at<'a>(st: &'a State, path: &str) -> Option<&'a ZfsDataset> {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    st.datasets.iter().find(|d| {
        d.kind == DsType::Filesystem
            && d.mounted
            && match &d.mounted_at {
                Some(at) => at == path,
                None => mountpoint(st, &d.name).0 == path,
            }
    })
}

/// The filesystem whose `mountpoint` property is `path`, as the brands'
/// `get_zonepath_ds` finds it in `zfs list -H -t filesystem -o
/// name,mountpoint`.
pub fn with_mountpoint(st: &State, path: &str) -> Option<String> {
    let mut names: Vec<&ZfsDataset> = st
        .datasets
        .iter()
        .filter(|d| d.kind == DsType::Filesystem)
        .collect();
    names.sort_by(|a, b| a.name.cmp(&b.name));
    names
        .into_iter()
        .find(|d| mountpoint(st, &d.name).0 == path)
        .map(|d| d.name.clone())
}

/// Why a create failed: the aux text after `cannot create 'NAME'`.
pub struct CreateError(pub String);

/// `zfs_create()` of a filesystem whose parent exists, without mounting it.
pub fn create(
    st: &mut State,
    name: &str,
    props: BTreeMap<String, String>,
) -> Result<(), CreateError> {
    if let Some(p) = name_problem(name, false) {
        return Err(CreateError(p));
    }
    let Some(parent) = parent_name(name) else {
        return Err(CreateError("missing dataset name".into()));
    };
    let pool = pool_of(name);
    if find(st, pool).is_none() {
        return Err(CreateError(format!("no such pool '{pool}'")));
    }
    if find(st, name).is_some() {
        return Err(CreateError("dataset already exists".into()));
    }
    match find(st, parent) {
        None => return Err(CreateError("parent does not exist".into())),
        Some(p) if p.kind != DsType::Filesystem => {
            return Err(CreateError("parent is not a filesystem".into()));
        }
        Some(_) => {}
    }
    if let Some(p) = props_problem(&props) {
        return Err(CreateError(p));
    }
    st.datasets
        .push(ZfsDataset::new(name, DsType::Filesystem, props));
    Ok(())
}

/// Removes a dataset and everything below it, unmounting first (the
/// zones' uninstall and the cleanup of a failed install).
pub fn destroy_tree(st: &mut State, name: &str) {
    let mut names: Vec<String> = descendants(st, name)
        .iter()
        .map(|d| d.name.clone())
        .collect();
    names.push(name.to_string());
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for n in &names {
        unmount(st, n);
    }
    st.datasets.retain(|d| !names.contains(&d.name));
}

/// The filesystem names a destroy of `name` and its descendants takes,
/// and the origins of the clones among them: the ipkg brand's uninstall
/// (`zfs_destroy` in pkg5 `src/brand/uninstall`) destroys a zone BE with
/// `zfs destroy -r`, then its origin snapshot with `zfs destroy ORIGIN`,
/// ignoring a failure (the snapshot may have other clones).
pub fn destroy_tree_and_origins(st: &mut State, name: &str) {
    let origins: Vec<String> = std::iter::once(name.to_string())
        .chain(descendants(st, name).iter().map(|d| d.name.clone()))
        .filter_map(|n| find(st, &n).and_then(|d| d.origin.clone()))
        .collect();
    destroy_tree(st, name);
    for o in origins {
        let cloned = st.datasets.iter().any(|d| d.origin.as_deref() == Some(&o));
        if !cloned {
            st.datasets.retain(|d| d.name != o);
        }
    }
}

/// `zfs snapshot FS@SNAP` inside a brand hook: false when it exists (or FS
/// does not).
pub fn snapshot_one(st: &mut State, name: &str) -> bool {
    let Some((fs, _)) = name.split_once('@') else {
        return false;
    };
    if find(st, fs).is_none() || find(st, name).is_some() || name_problem(name, true).is_some() {
        return false;
    }
    st.datasets
        .push(ZfsDataset::new(name, DsType::Snapshot, BTreeMap::new()));
    true
}

/// `zfs clone SNAP FS` inside a brand hook (no mount: the hooks set
/// `canmount=noauto` and mount the zone root themselves).
pub fn clone_one(
    st: &mut State,
    snap: &str,
    target: &str,
    props: BTreeMap<String, String>,
) -> Result<(), CreateError> {
    if find(st, snap).is_none_or(|d| d.kind != DsType::Snapshot) {
        return Err(CreateError("dataset does not exist".into()));
    }
    create(st, target, props)?;
    if let Some(d) = find_mut(st, target) {
        d.origin = Some(snap.to_string());
    }
    Ok(())
}

/// Marks a filesystem mounted at `path` by mount(8) (a `legacy` or
/// `noauto` filesystem: the ipkg brand's zone root).
pub fn mount_legacy(st: &mut State, name: &str, path: &str) {
    if let Some(d) = find_mut(st, name) {
        d.mounted = true;
        d.mounted_at = Some(path.to_string());
    }
}

// ---- the zfs command ---------------------------------------------------------

const CLONE_USAGE: &str = "\tclone [-p] [-o property=value] ... <snapshot> <filesystem|volume>\n";
const CREATE_USAGE: &str = "\tcreate [-p] [-o property=value] ... <filesystem>\n\tcreate [-ps] [-b blocksize] [-o property=value] ... -V <size> <volume>\n";
const DESTROY_USAGE: &str = "\tdestroy [-fnpRrv] <filesystem|volume>\n\tdestroy [-dnpRrv] <filesystem|volume>@<snap>[%<snap>][,...]\n\tdestroy <filesystem|volume>#<bookmark>\n";
const GET_USAGE: &str = "\tget [-rHp] [-d max] [-o \"all\" | field[,...]]\n\t    [-t type[,...]] [-s source[,...]]\n\t    <\"all\" | property[,...]> [filesystem|volume|snapshot|bookmark] ...\n";
const LIST_USAGE: &str = "\tlist [-Hp] [-r|-d max] [-o property[,...]] [-s property]...\n\t    [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...\n";
const SNAPSHOT_USAGE: &str =
    "\tsnapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...\n";
const ROLLBACK_USAGE: &str = "\trollback [-rRf] <snapshot>\n";

/// The simulated subcommands, in zfs_main.c's table order.
const COMMANDS: [(&str, &str); 7] = [
    ("create", CREATE_USAGE),
    ("destroy", DESTROY_USAGE),
    ("snapshot", SNAPSHOT_USAGE),
    ("rollback", ROLLBACK_USAGE),
    ("clone", CLONE_USAGE),
    ("list", LIST_USAGE),
    ("get", GET_USAGE),
];

/// How a missing option argument is reported: getopt's own message (an
/// option string without a leading `:`), or the command's `':'` case.
#[derive(Clone, Copy)]
enum Missing {
    Getopt,
    Colon,
    Size,
}

struct Zfs<'a> {
    ctx: &'a mut Ctx,
    sub: String,
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    let Some(sub) = args.first().cloned() else {
        ctx.err("missing command\n");
        ctx.err(&general_usage());
        return 2;
    };
    if !COMMANDS.iter().any(|(n, _)| *n == sub) {
        ctx.err(&format!("unrecognized command '{sub}'\n"));
        ctx.err(&general_usage());
        return 2;
    }
    let mut z = Zfs {
        ctx,
        sub: sub.clone(),
    };
    let rest = &args[1..];
    let res = z.fault().and_then(|()| match sub.as_str() {
        "create" => z.create(rest),
        "destroy" => z.destroy(rest),
        "snapshot" => z.snapshot(rest),
        "rollback" => z.rollback(rest),
        "clone" => z.clone_ds(rest),
        "list" => z.list(rest),
        _ => z.get(rest),
    });
    match res {
        Ok(()) => 0,
        Err(Exit(c)) => c,
    }
}

/// `usage()` with no current command: the simulated commands only.
fn general_usage() -> String {
    let mut o =
        String::from("usage: zfs command args ...\nwhere 'command' is one of the following:\n\n");
    for (i, (_, u)) in COMMANDS.iter().enumerate() {
        if i == 2 || i == 5 || i == 6 {
            o.push('\n');
        }
        o.push_str(u);
    }
    o.push_str("\nEach dataset is of the form: pool/[dataset/]*dataset[@name]\n");
    o.push_str("\nFor the property list, run: zfs set|get\n");
    o.push_str("\nFor the delegated permission list, run: zfs allow|unallow\n");
    o
}

impl Zfs<'_> {
    fn fault(&self) -> Flow {
        if let Some(f) = self.ctx.fault("zfs", &self.sub, None).failure {
            let msg = f.message.unwrap_or_else(|| "permission denied".into());
            self.ctx.err(&format!("cannot {}: {msg}\n", self.sub));
            return Err(Exit(f.exit));
        }
        Ok(())
    }

    /// `usage(B_FALSE)` inside a command: exit 2.
    fn usage(&self) -> Exit {
        let u = COMMANDS
            .iter()
            .find(|(n, _)| *n == self.sub)
            .map(|(_, u)| *u)
            .unwrap_or_default();
        let mut o = format!("usage:\n{u}");
        if self.sub == "list" || self.sub == "get" {
            o.push_str("\nThe following properties are supported:\n\n");
            o.push_str(&format!(
                "\t{:<14} {}  {}   {}\n\n",
                "PROPERTY", "EDIT", "INHERIT", "VALUES"
            ));
            o.push_str("\t(the simulator does not list them)\n");
        } else {
            o.push_str("\nFor the property list, run: zfs set|get\n");
            o.push_str("\nFor the delegated permission list, run: zfs allow|unallow\n");
        }
        self.ctx.err(&o);
        Exit(2)
    }

    fn msg(&self, text: &str) {
        self.ctx.err(&format!("{text}\n"));
    }

    fn read(&self) -> Flow<State> {
        let mut st = self.ctx.store.read().map_err(|e| {
            self.msg(&format!("internal error: {e}"));
            Exit(1)
        })?;
        ensure(&mut st, self.ctx.store.dir());
        Ok(st)
    }

    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> Flow<R> {
        let dir = self.ctx.store.dir().to_path_buf();
        self.ctx
            .store
            .update(|st| {
                ensure(st, &dir);
                f(st)
            })
            .map_err(|e| {
                self.msg(&format!("internal error: {e}"));
                Exit(1)
            })
    }

    /// getopt over `spec`; `-o prop=value` pairs gathered, other flags
    /// returned. Errors print zfs_main.c's words and the usage.
    fn options(&self, args: &[String], spec: &str, missing: Missing) -> Flow<Parsed> {
        let mut g = Getopt::new(args, spec, 0);
        let mut opts = Vec::new();
        for o in g.by_ref() {
            match o {
                Opt::Flag(c, a) => opts.push((c, a)),
                Opt::Unknown(c) => {
                    self.msg(&format!("invalid option '{c}'"));
                    return Err(self.usage());
                }
                Opt::MissingArg(c) => {
                    match missing {
                        Missing::Colon => self.msg(&format!("missing argument for '{c}' option")),
                        Missing::Size => self.msg("missing size argument"),
                        Missing::Getopt => {
                            self.msg(&format!("zfs: option requires an argument -- {c}"));
                            self.msg(&format!("invalid option '{c}'"));
                        }
                    }
                    return Err(self.usage());
                }
            }
        }
        Ok((opts, g.optind))
    }

    /// `parseprop`: `-o name=value` into the map.
    fn parse_props(&self, opts: &[(char, Option<String>)]) -> Flow<BTreeMap<String, String>> {
        let mut props = BTreeMap::new();
        for (c, a) in opts {
            if *c != 'o' {
                continue;
            }
            let a = a.clone().unwrap_or_default();
            let Some((k, v)) = a.split_once('=') else {
                self.msg("missing '=' for property=value argument");
                return Err(Exit(1));
            };
            if props.insert(k.to_string(), v.to_string()).is_some() {
                self.msg(&format!("property '{k}' specified multiple times"));
                return Err(Exit(1));
            }
        }
        Ok(props)
    }

    // ---- create -------------------------------------------------------------

    fn create(&mut self, args: &[String]) -> Flow {
        // zfs_do_create's ':' case says "missing size argument" whichever
        // option lacks its argument.
        let (opts, optind) = self.options(args, ":V:b:so:p", Missing::Size)?;
        if opts.iter().any(|(c, _)| *c == 'V') {
            self.msg("cannot create volumes: volumes are not simulated");
            return Err(Exit(1));
        }
        if opts.iter().any(|(c, _)| *c == 'b' || *c == 's') {
            self.msg("'-s' and '-b' can only be used when creating a volume");
            return Err(self.usage());
        }
        let parents = opts.iter().any(|(c, _)| *c == 'p');
        let props = self.parse_props(&opts)?;
        let operands = &args[optind..];
        let name = match operands {
            [] => {
                self.msg("missing filesystem argument");
                return Err(self.usage());
            }
            [n] => n.clone(),
            _ => {
                self.msg("too many arguments");
                return Err(self.usage());
            }
        };
        enum Res {
            Ok,
            Exists,
            Failed(String),
            AncestorMount(String),
            NotMounted(String, String),
        }
        let res = self.update(|st| {
            if parents && name_problem(&name, false).is_none() {
                if find(st, &name).is_some() {
                    return Res::Exists;
                }
                // zfs_create_ancestors: each missing ancestor is created
                // and mounted.
                let comps: Vec<&str> = name.split('/').collect();
                for i in 2..comps.len() {
                    let anc = comps[..i].join("/");
                    if find(st, &anc).is_some() {
                        continue;
                    }
                    if let Err(CreateError(m)) = create(st, &anc, BTreeMap::new()) {
                        return Res::Failed(m);
                    }
                    if mount(st, &anc).is_err() {
                        return Res::AncestorMount(anc);
                    }
                }
            }
            if let Err(CreateError(m)) = create(st, &name, props) {
                return Res::Failed(m);
            }
            match mount(st, &name) {
                Ok(()) => Res::Ok,
                Err((mp, why)) => Res::NotMounted(mp, why),
            }
        })?;
        match res {
            Res::Ok | Res::Exists => Ok(()),
            Res::Failed(m) => {
                self.msg(&format!("cannot create '{name}': {m}"));
                Err(Exit(1))
            }
            Res::AncestorMount(anc) => {
                self.msg(&format!(
                    "cannot create '{name}': failed to mount ancestor '{anc}'"
                ));
                Err(Exit(1))
            }
            Res::NotMounted(mp, why) => {
                self.msg(&format!("cannot mount '{mp}': {why}"));
                self.msg("filesystem successfully created, but not mounted");
                Err(Exit(1))
            }
        }
    }

    // ---- destroy ------------------------------------------------------------

    fn destroy(&mut self, args: &[String]) -> Flow {
        let (opts, optind) = self.options(args, "vpndfrR", Missing::Getopt)?;
        let has = |c: char| opts.iter().any(|(o, _)| *o == c);
        let doclones = has('R');
        let recurse = has('r') || doclones;
        let dryrun = has('n');
        let operands = &args[optind..];
        let target = match operands {
            [] => {
                self.msg("missing dataset argument");
                return Err(self.usage());
            }
            [t] => t.clone(),
            _ => {
                self.msg("too many arguments");
                return Err(self.usage());
            }
        };
        if target.contains('#') {
            self.msg(&format!("bookmark '{target}' does not exist."));
            return Err(Exit(1));
        }
        let st = self.read()?;
        // Gather what goes, and refuse as destroy_check_dependent does.
        let clones_of = |snap: &str| -> Vec<String> {
            st.datasets
                .iter()
                .filter(|d| d.origin.as_deref() == Some(snap))
                .map(|d| d.name.clone())
                .collect()
        };
        let mut doomed: Vec<String> = Vec::new();
        if let Some((fs, spec)) = target.split_once('@') {
            if find(&st, fs).is_none() {
                self.msg(&format!("cannot open '{fs}': dataset does not exist"));
                return Err(Exit(1));
            }
            let mut roots = vec![fs.to_string()];
            if recurse {
                roots.extend(
                    descendants(&st, fs)
                        .iter()
                        .filter(|d| d.kind == DsType::Filesystem)
                        .map(|d| d.name.clone()),
                );
            }
            for r in &roots {
                for s in spec.split(',') {
                    let snap = format!("{r}@{s}");
                    if find(&st, &snap).is_some() {
                        let clones = clones_of(&snap);
                        if !clones.is_empty() && !doclones {
                            self.msg(&format!(
                                "cannot destroy '{snap}': snapshot has dependent clones"
                            ));
                            self.msg("use '-R' to destroy the following datasets:");
                            for c in &clones {
                                self.msg(c);
                            }
                            return Err(Exit(1));
                        }
                        for c in clones {
                            doomed.push(c.clone());
                            doomed.extend(descendants(&st, &c).iter().map(|d| d.name.clone()));
                        }
                        doomed.push(snap);
                    }
                }
            }
            if doomed.is_empty() {
                self.msg("could not find any snapshots to destroy; check snapshot names.");
                return Err(Exit(1));
            }
        } else {
            let Some(d) = find(&st, &target) else {
                self.msg(&format!("cannot open '{target}': dataset does not exist"));
                return Err(Exit(1));
            };
            if !target.contains('/') && !recurse {
                self.msg(&format!(
                    "cannot destroy '{target}': operation does not apply to pools"
                ));
                self.msg(&format!(
                    "use 'zfs destroy -r {target}' to destroy all datasets in the pool"
                ));
                self.msg(&format!(
                    "use 'zpool destroy {target}' to destroy the pool itself"
                ));
                return Err(Exit(1));
            }
            let below: Vec<String> = descendants(&st, &target)
                .iter()
                .map(|d| d.name.clone())
                .collect();
            if !recurse && !below.is_empty() {
                self.msg(&format!(
                    "cannot destroy '{target}': {} has children",
                    d.kind.as_str()
                ));
                self.msg("use '-r' to destroy the following datasets:");
                for b in &below {
                    self.msg(b);
                }
                return Err(Exit(1));
            }
            let mut clones: Vec<String> = Vec::new();
            for s in below.iter().chain(std::iter::once(&target)) {
                for c in clones_of(s) {
                    if !below.contains(&c) && c != target {
                        clones.push(c);
                    }
                }
            }
            if recurse && !doclones && !clones.is_empty() {
                self.msg(&format!(
                    "cannot destroy '{target}': {} has dependent clones",
                    d.kind.as_str()
                ));
                self.msg("use '-R' to destroy the following datasets:");
                for c in &clones {
                    self.msg(c);
                }
                return Err(Exit(1));
            }
            for c in clones {
                doomed.extend(descendants(&st, &c).iter().map(|d| d.name.clone()));
                doomed.push(c);
            }
            doomed.extend(below);
            if target.contains('/') {
                doomed.push(target.clone());
            }
        }
        if has('v') || has('p') {
            for n in &doomed {
                if has('p') {
                    self.ctx.out(&format!("destroy\t{n}\n"));
                } else if dryrun {
                    self.ctx.out(&format!("would destroy {n}\n"));
                } else {
                    self.ctx.out(&format!("will destroy {n}\n"));
                }
            }
        }
        if dryrun {
            return Ok(());
        }
        let busy = self.update(|st| {
            if let Some(root) = doomed
                .iter()
                .find(|n| find(st, n).is_some_and(|d| d.mounted && mountpoint(st, n).0 == "/"))
            {
                return Some(root.clone());
            }
            let mut order = doomed.clone();
            order.sort_by_key(|n| std::cmp::Reverse(n.len()));
            for n in &order {
                unmount(st, n);
            }
            st.datasets.retain(|d| !doomed.contains(&d.name));
            None
        })?;
        if busy.is_some() {
            self.msg("cannot unmount '/': Device busy");
            return Err(Exit(1));
        }
        Ok(())
    }

    // ---- snapshot -----------------------------------------------------------

    fn snapshot(&mut self, args: &[String]) -> Flow {
        let (opts, optind) = self.options(args, "ro:", Missing::Getopt)?;
        let recurse = opts.iter().any(|(c, _)| *c == 'r');
        let props = self.parse_props(&opts)?;
        let operands = &args[optind..];
        if operands.is_empty() {
            self.msg("missing snapshot argument");
            return Err(self.usage());
        }
        let multiple = recurse || operands.len() > 1;
        let st = self.read()?;
        let mut snaps: Vec<String> = Vec::new();
        for op in operands {
            let Some((fs, snap)) = op.split_once('@') else {
                return Err(self.usage());
            };
            match find(&st, fs) {
                Some(d) if d.kind == DsType::Filesystem => {}
                Some(_) => {
                    self.msg(&format!(
                        "cannot open '{fs}': operation not applicable to datasets of this type"
                    ));
                    return Err(self.usage());
                }
                None => {
                    self.msg(&format!("cannot open '{fs}': dataset does not exist"));
                    return Err(self.usage());
                }
            }
            snaps.push(format!("{fs}@{snap}"));
            if recurse {
                for d in descendants(&st, fs) {
                    if d.kind == DsType::Filesystem {
                        snaps.push(format!("{}@{snap}", d.name));
                    }
                }
            }
        }
        for s in &snaps {
            if let Some(p) = name_problem(s, true) {
                self.msg(&format!("cannot create snapshot '{s}': {p}"));
                if multiple {
                    self.msg("no snapshots were created");
                }
                return Err(Exit(1));
            }
        }
        let existing = self.update(|st| {
            if let Some(e) = snaps.iter().find(|s| find(st, s).is_some()) {
                return Some(e.clone());
            }
            for s in &snaps {
                st.datasets
                    .push(ZfsDataset::new(s, DsType::Snapshot, props.clone()));
            }
            None
        })?;
        if let Some(e) = existing {
            self.msg(&format!(
                "cannot create snapshot '{e}': dataset already exists"
            ));
            if multiple {
                self.msg("no snapshots were created");
            }
            return Err(Exit(1));
        }
        Ok(())
    }

    // ---- rollback -----------------------------------------------------------

    /// `zfs_do_rollback` (illumos-gate `usr/src/cmd/zfs/zfs_main.c`, with
    /// `rollback_check`): the snapshots of the filesystem made after the
    /// target (by `createtxg`) block the rollback unless `-r`, which
    /// destroys them; their clones block `-r` unless `-R`, which destroys
    /// them too. Then the filesystem is rolled back (the simulator keeps no
    /// contents, so that is all).
    fn rollback(&mut self, args: &[String]) -> Flow {
        let (opts, optind) = self.options(args, "rRf", Missing::Getopt)?;
        let clones = opts.iter().any(|(c, _)| *c == 'R');
        let recurse = clones || opts.iter().any(|(c, _)| *c == 'r');
        let target = match &args[optind..] {
            [] => {
                self.msg("missing dataset argument");
                return Err(self.usage());
            }
            [t] => t.clone(),
            _ => {
                self.msg("too many arguments");
                return Err(self.usage());
            }
        };
        enum Res {
            Ok,
            Open(&'static str),
            Later(Vec<String>),
            Clones(Vec<String>),
        }
        let res = self.update(|st| {
            match find(st, &target) {
                None => return Res::Open("dataset does not exist"),
                Some(d) if d.kind != DsType::Snapshot => {
                    return Res::Open("operation not applicable to datasets of this type");
                }
                Some(_) => {}
            }
            let (fs, _) = target.split_once('@').expect("a snapshot");
            let at = format!("{fs}@");
            let pos = st
                .datasets
                .iter()
                .position(|d| d.name == target)
                .expect("found");
            let later: Vec<String> = st
                .datasets
                .iter()
                .enumerate()
                .filter(|(i, d)| *i > pos && d.name.starts_with(&at))
                .map(|(_, d)| d.name.clone())
                .collect();
            if later.is_empty() {
                return Res::Ok;
            }
            if !recurse {
                return Res::Later(later);
            }
            let dependents: Vec<String> = st
                .datasets
                .iter()
                .filter(|d| d.origin.as_ref().is_some_and(|o| later.contains(o)))
                .map(|d| d.name.clone())
                .collect();
            if !dependents.is_empty() && !clones {
                return Res::Clones(dependents);
            }
            for c in &dependents {
                destroy_tree(st, c);
            }
            st.datasets.retain(|d| !later.contains(&d.name));
            Res::Ok
        })?;
        match res {
            Res::Ok => Ok(()),
            Res::Open(m) => {
                self.msg(&format!("cannot open '{target}': {m}"));
                Err(Exit(1))
            }
            Res::Later(names) => {
                self.msg(&format!(
                    "cannot rollback to '{target}': more recent snapshots or bookmarks exist"
                ));
                self.msg("use '-r' to force deletion of the following snapshots and bookmarks:");
                for n in names {
                    self.msg(&n);
                }
                Err(Exit(1))
            }
            Res::Clones(names) => {
                self.msg(&format!(
                    "cannot rollback to '{target}': clones of previous snapshots exist"
                ));
                self.msg("use '-R' to force deletion of the following clones and dependents:");
                for n in names {
                    self.msg(&n);
                }
                Err(Exit(1))
            }
        }
    }

    // ---- clone --------------------------------------------------------------

    fn clone_ds(&mut self, args: &[String]) -> Flow {
        let (opts, optind) = self.options(args, "o:p", Missing::Getopt)?;
        let parents = opts.iter().any(|(c, _)| *c == 'p');
        let props = self.parse_props(&opts)?;
        let operands = &args[optind..];
        let (src, target) = match operands {
            [] => {
                self.msg("missing source dataset argument");
                return Err(self.usage());
            }
            [_] => {
                self.msg("missing target dataset argument");
                return Err(self.usage());
            }
            [s, t] => (s.clone(), t.clone()),
            _ => {
                self.msg("too many arguments");
                return Err(self.usage());
            }
        };
        enum Res {
            Ok,
            Open(String),
            Failed(String),
            NotMounted,
        }
        let res = self.update(|st| {
            match find(st, &src) {
                None => return Res::Open("dataset does not exist".into()),
                Some(d) if d.kind != DsType::Snapshot => {
                    return Res::Open("operation not applicable to datasets of this type".into());
                }
                Some(_) => {}
            }
            if parents && name_problem(&target, false).is_none() {
                if find(st, &target).is_some() {
                    return Res::Ok;
                }
                let comps: Vec<&str> = target.split('/').collect();
                for i in 2..comps.len() {
                    let anc = comps[..i].join("/");
                    if find(st, &anc).is_none() {
                        if let Err(CreateError(m)) = create(st, &anc, BTreeMap::new()) {
                            return Res::Failed(m);
                        }
                        let _ = mount(st, &anc);
                    }
                }
            }
            if let Err(CreateError(m)) = create(st, &target, props) {
                return Res::Failed(m);
            }
            if let Some(d) = find_mut(st, &target) {
                d.origin = Some(src.clone());
            }
            match mount(st, &target) {
                Ok(()) => Res::Ok,
                Err(_) => Res::NotMounted,
            }
        })?;
        match res {
            Res::Ok => Ok(()),
            Res::Open(m) => {
                self.msg(&format!("cannot open '{src}': {m}"));
                Err(Exit(1))
            }
            Res::Failed(m) => {
                self.msg(&format!("cannot create '{target}': {m}"));
                Err(Exit(1))
            }
            Res::NotMounted => {
                self.msg("clone successfully created, but not mounted");
                Err(Exit(1))
            }
        }
    }

    // ---- list and get -----------------------------------------------------------

    /// `-t` values.
    fn types(&self, spec: &str, allow_snap_alias: bool) -> Flow<(bool, bool)> {
        let (mut fs, mut snap) = (false, false);
        for t in spec.split(',') {
            match t {
                "filesystem" => fs = true,
                "volume" | "bookmark" => {}
                "snapshot" => snap = true,
                "snap" if allow_snap_alias => snap = true,
                "all" => {
                    fs = true;
                    snap = true;
                }
                other => {
                    self.msg(&format!("invalid type '{other}'"));
                    return Err(self.usage());
                }
            }
        }
        Ok((fs, snap))
    }

    /// `zfs_for_each`: the datasets named by the operands (names or paths),
    /// or all of them; recursively with `-r`/`-d`. Errors are printed and
    /// counted.
    fn select<'s>(
        &self,
        st: &'s State,
        operands: &[String],
        recurse: bool,
        depth: Option<usize>,
        types: (bool, bool),
        failed: &mut bool,
    ) -> Vec<&'s ZfsDataset> {
        let wanted = |d: &ZfsDataset| match d.kind {
            DsType::Filesystem => types.0,
            DsType::Snapshot => types.1,
        };
        let mut out: Vec<&ZfsDataset> = Vec::new();
        if operands.is_empty() {
            out = st.datasets.iter().filter(|d| wanted(d)).collect();
            out.sort_by(|a, b| zfs_compare(st, a, b));
            if let Some(max) = depth {
                out.retain(|d| d.name.matches(['/', '@']).count() <= max);
            }
            return out;
        }
        for op in operands {
            let name = if op.starts_with('/') || op.starts_with("./") {
                if std::fs::metadata(op).is_err() {
                    self.msg(&format!("{op}: No such file or directory"));
                    *failed = true;
                    continue;
                }
                let Ok(abs) = std::fs::canonicalize(op) else {
                    self.msg(&format!("{op}: No such file or directory"));
                    *failed = true;
                    continue;
                };
                match containing_fs(st, &abs.to_string_lossy()) {
                    Some(n) => n,
                    None => {
                        self.msg(&format!("'{op}': not a ZFS filesystem"));
                        *failed = true;
                        continue;
                    }
                }
            } else {
                op.clone()
            };
            let Some(d) = find(st, &name) else {
                self.msg(&format!("cannot open '{name}': dataset does not exist"));
                *failed = true;
                continue;
            };
            if wanted(d) && !out.iter().any(|x| x.name == d.name) {
                out.push(d);
            }
            if recurse {
                let base = name.matches(['/', '@']).count();
                for c in descendants(st, &name) {
                    let deep = c.name.matches(['/', '@']).count() - base;
                    if wanted(c)
                        && depth.is_none_or(|m| deep <= m)
                        && !out.iter().any(|x| x.name == c.name)
                    {
                        out.push(c);
                    }
                }
            }
        }
        out
    }

    fn depth(&self, v: &str) -> Flow<usize> {
        match v.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(n as usize),
            Ok(_) => {
                self.msg("Depth can not be negative.");
                Err(self.usage())
            }
            Err(_) => {
                self.msg(&format!("{v} is not an integer"));
                Err(self.usage())
            }
        }
    }

    /// `zprop_get_list` over a `-o`/property list.
    fn prop_list(&self, spec: &str) -> Flow<Vec<String>> {
        let mut out = Vec::new();
        for p in spec.split(',') {
            match canonical_prop(p) {
                Some(c) => out.push(c),
                None if p.contains(':') => out.push(p.to_string()),
                None => {
                    self.msg(&format!("bad property list: invalid property '{p}'"));
                    return Err(self.usage());
                }
            }
        }
        Ok(out)
    }

    fn list(&mut self, args: &[String]) -> Flow {
        let (opts, optind) = self.options(args, "HS:d:o:prs:t:", Missing::Getopt)?;
        let mut scripted = false;
        let mut literal = false;
        let mut recurse = false;
        let mut depth = None;
        let mut fields = "name,used,available,referenced,mountpoint".to_string();
        let mut types = (true, false);
        let mut sort: Vec<(String, bool)> = Vec::new();
        for (c, a) in &opts {
            let a = a.clone().unwrap_or_default();
            match c {
                'H' => scripted = true,
                'p' => literal = true,
                'r' => recurse = true,
                'd' => {
                    depth = Some(self.depth(&a)?);
                    recurse = true;
                }
                'o' => fields = a,
                't' => types = self.types(&a, true)?,
                's' | 'S' => match canonical_prop(&a) {
                    Some(p) => sort.push((p, *c == 'S')),
                    None => {
                        self.msg(&format!("invalid property '{a}'"));
                        return Err(self.usage());
                    }
                },
                _ => {}
            }
        }
        let fields = self.prop_list(&fields)?;
        let st = self.read()?;
        let mut failed = false;
        let mut sel = self.select(&st, &args[optind..], recurse, depth, types, &mut failed);
        for (p, desc) in sort.iter().rev() {
            sel.sort_by(|a, b| {
                let va = prop_value(&st, a, p, true).0;
                let vb = prop_value(&st, b, p, true).0;
                let o = match (va.parse::<u64>(), vb.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => va.cmp(&vb),
                };
                if *desc { o.reverse() } else { o }
            });
        }
        let rows: Vec<Vec<String>> = sel
            .iter()
            .map(|d| {
                fields
                    .iter()
                    .map(|f| prop_value(&st, d, f, literal).0)
                    .collect()
            })
            .collect();
        let mut out = String::new();
        if scripted {
            for r in &rows {
                out.push_str(&r.join("\t"));
                out.push('\n');
            }
        } else if !rows.is_empty() {
            let headers: Vec<String> = fields.iter().map(|f| column_name(f)).collect();
            let widths: Vec<usize> = (0..fields.len())
                .map(|i| {
                    rows.iter()
                        .map(|r| r[i].len())
                        .chain(std::iter::once(headers[i].len()))
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| -> String {
                let mut l = String::new();
                for (i, c) in cells.iter().enumerate() {
                    if i > 0 {
                        l.push_str("  ");
                    }
                    let last = i + 1 == cells.len();
                    if right_aligned(&fields[i]) {
                        l.push_str(&format!("{c:>w$}", w = widths[i]));
                    } else if last {
                        l.push_str(c);
                    } else {
                        l.push_str(&format!("{c:<w$}", w = widths[i]));
                    }
                }
                l.push('\n');
                l
            };
            out.push_str(&line(&headers));
            for r in &rows {
                out.push_str(&line(r));
            }
        }
        if rows.is_empty() && !scripted && !failed {
            out.push_str("no datasets available\n");
        }
        self.ctx.out(&out);
        if failed { Err(Exit(1)) } else { Ok(()) }
    }

    fn get(&mut self, args: &[String]) -> Flow {
        let (opts, optind) = self.options(args, ":d:o:s:rt:Hp", Missing::Colon)?;
        let mut scripted = false;
        let mut literal = false;
        let mut recurse = false;
        let mut depth = None;
        let mut columns = vec!["name", "property", "value", "source"];
        let mut sources: Option<Vec<String>> = None;
        let mut types = (true, true);
        for (c, a) in &opts {
            let a = a.clone().unwrap_or_default();
            match c {
                'H' => scripted = true,
                'p' => literal = true,
                'r' => recurse = true,
                'd' => {
                    depth = Some(self.depth(&a)?);
                    recurse = true;
                }
                'o' => {
                    columns.clear();
                    for col in a.split(',') {
                        match col {
                            "name" | "property" | "value" | "received" | "source" => {
                                columns.push(match col {
                                    "name" => "name",
                                    "property" => "property",
                                    "value" => "value",
                                    "received" => "received",
                                    _ => "source",
                                })
                            }
                            "all" => {
                                if !columns.is_empty() {
                                    self.msg(
                                        "\"all\" conflicts with specific fields given to -o option",
                                    );
                                    return Err(self.usage());
                                }
                                columns = vec!["name", "property", "value", "received", "source"];
                            }
                            other => {
                                self.msg(&format!("invalid column name '{other}'"));
                                return Err(self.usage());
                            }
                        }
                    }
                }
                's' => {
                    let mut v = Vec::new();
                    for s in a.split(',') {
                        if ![
                            "local",
                            "default",
                            "inherited",
                            "received",
                            "temporary",
                            "none",
                        ]
                        .contains(&s)
                        {
                            self.msg(&format!("invalid source '{s}'"));
                            return Err(self.usage());
                        }
                        v.push(s.to_string());
                    }
                    sources = Some(v);
                }
                't' => types = self.types(&a, false)?,
                _ => {}
            }
        }
        let operands = &args[optind..];
        let Some(props) = operands.first() else {
            self.msg("missing property argument");
            return Err(self.usage());
        };
        let props = if props == "all" {
            PROPS[1..].iter().map(|s| s.to_string()).collect()
        } else {
            self.prop_list(props)?
        };
        let st = self.read()?;
        let mut failed = false;
        let sel = self.select(&st, &operands[1..], recurse, depth, types, &mut failed);
        let mut rows: Vec<Vec<String>> = Vec::new();
        for d in &sel {
            for p in &props {
                let (value, source) = prop_value(&st, d, p, literal);
                if let Some(want) = &sources {
                    let kind = match &source {
                        Source::Local => "local",
                        Source::Default => "default",
                        Source::Inherited(_) => "inherited",
                        Source::None => "none",
                    };
                    if !want.iter().any(|w| w == kind) {
                        continue;
                    }
                }
                rows.push(
                    columns
                        .iter()
                        .map(|c| match *c {
                            "name" => d.name.clone(),
                            "property" => p.clone(),
                            "value" => value.clone(),
                            "received" => "-".into(),
                            _ => source.text(),
                        })
                        .collect(),
                );
            }
        }
        let mut out = String::new();
        if scripted {
            for r in &rows {
                out.push_str(&r.join("\t"));
                out.push('\n');
            }
        } else {
            let headers: Vec<String> = columns.iter().map(|c| c.to_ascii_uppercase()).collect();
            let widths: Vec<usize> = (0..columns.len())
                .map(|i| {
                    rows.iter()
                        .map(|r| r[i].len())
                        .chain(std::iter::once(headers[i].len()))
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| -> String {
                let mut l = String::new();
                for (i, c) in cells.iter().enumerate() {
                    if i + 1 == cells.len() {
                        l.push_str(c);
                    } else {
                        l.push_str(&format!("{c:<w$}  ", w = widths[i]));
                    }
                }
                l.push('\n');
                l
            };
            if !rows.is_empty() {
                out.push_str(&line(&headers));
            }
            for r in &rows {
                out.push_str(&line(r));
            }
        }
        self.ctx.out(&out);
        if failed { Err(Exit(1)) } else { Ok(()) }
    }
}

/// The mounted filesystem whose mountpoint is the longest prefix of the
/// path (the file system that holds it, as mnttab would say).
fn containing_fs(st: &State, path: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for d in &st.datasets {
        if d.kind != DsType::Filesystem || !d.mounted {
            continue;
        }
        let mp = d
            .mounted_at
            .clone()
            .unwrap_or_else(|| mountpoint(st, &d.name).0);
        let inside =
            mp == "/" || path == mp || path.starts_with(&format!("{}/", mp.trim_end_matches('/')));
        if inside && best.as_ref().is_none_or(|(l, _)| mp.len() > *l) {
            best = Some((mp.len(), d.name.clone()));
        }
    }
    best.map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        State {
            datasets: vec![
                ZfsDataset::new(
                    "rpool",
                    DsType::Filesystem,
                    [("mountpoint".to_string(), "/rp".to_string())].into(),
                ),
                ZfsDataset::new("rpool/a", DsType::Filesystem, BTreeMap::new()),
                ZfsDataset::new(
                    "rpool/a/b",
                    DsType::Filesystem,
                    [("mountpoint".to_string(), "none".to_string())].into(),
                ),
                ZfsDataset::new("rpool/a/b/c", DsType::Filesystem, BTreeMap::new()),
            ],
            ..State::default()
        }
    }

    #[test]
    fn mountpoints_inherit() {
        let st = state();
        assert_eq!(mountpoint(&st, "rpool").0, "/rp");
        assert_eq!(
            mountpoint(&st, "rpool/a"),
            ("/rp/a".into(), Source::Inherited("rpool".into()))
        );
        assert_eq!(mountpoint(&st, "rpool/a/b").0, "none");
        assert_eq!(
            mountpoint(&st, "rpool/a/b/c"),
            ("none".into(), Source::Inherited("rpool/a/b".into()))
        );
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(name_problem("rpool/a", false), None);
        assert_eq!(
            name_problem("rpool/a@s", false).as_deref(),
            Some("snapshot delimiter '@' is not expected here")
        );
        assert_eq!(
            name_problem("rpool//a", false).as_deref(),
            Some("empty component in name")
        );
        assert_eq!(
            name_problem("rpool/a*", false).as_deref(),
            Some("invalid character '*' in name")
        );
        assert_eq!(
            name_problem("/rpool", false).as_deref(),
            Some("leading slash in name")
        );
    }

    #[test]
    fn creation_dates() {
        assert_eq!(creation_text(0), "Thu Jan  1 00:00 1970");
        assert_eq!(creation_text(1_700_000_000), "Tue Nov 14 22:13 2023");
    }
}
