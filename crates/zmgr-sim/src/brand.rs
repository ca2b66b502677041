//! What zoneadm does on disk and the brand hooks it runs, played on the
//! state:
//!
//! - `create_zfs_zonepath` (illumos-gate usr/src/cmd/zoneadm/zfs.c): the
//!   zonepath's dataset, made when the zonepath's parent is a mounted
//!   filesystem's mountpoint.
//! - the ipkg/nlipkg install hook, `pkgcreatezone` (OpenIndiana pkg5
//!   `src/brand/pkgcreatezone` and `src/brand/common.ksh`, with
//!   illumos-gate `usr/src/lib/brand/shared/zone/common.ksh`): its getopts,
//!   the `entire` check in the preferred publisher, `create_active_ds`, the
//!   image and its publishers, the package list, the messages.
//! - OmniOS on-demand VNICs (the brand library `vnic.ksh`: `demand_vnics`,
//!   `config_vnics`, `unconfig_vnics`).

use std::collections::BTreeMap;

use crate::config::Net;
use crate::faults::Failure;
use crate::getopt::{Getopt, Opt};
use crate::settings::Settings;
use crate::state::{Publisher, State};
use crate::zfs;

/// ZONE_SUBPROC_* (sys/zone.h): a brand hook's exit statuses.
pub const SUBPROC_USAGE: i32 = 253;
pub const SUBPROC_NOTCOMPLETE: i32 = 254;
pub const SUBPROC_FATAL: i32 = 255;

/// The publisher the simulated global zone has; install copies it into a
/// zone image when no `-P` is given.
pub const GZ_PUBLISHER: (&str, &str) = ("openindiana.org", "https://pkg.openindiana.org/hipster/");

/// The `entire` incorporation of the simulated global zone, as
/// `get_entire_incorp` prints it (`pkg info` FMRI without the publisher).
pub const ENTIRE_FMRI: &str = "entire@0.5.11-2024.0.0.0";

/// The packages pkgcreatezone installs besides `entire` and the `-e` ones
/// (OpenIndiana pkg5 src/brand/pkgcreatezone, `pkglist`).
pub const BASE_PACKAGES: [&str; 25] = [
    "SUNWcs",
    "SUNWcsd",
    "service/management/sysding",
    "system/network",
    "system/extended-system-utilities",
    "compress/bzip2",
    "compress/gzip",
    "compress/zip",
    "compress/unzip",
    "package/pkg",
    "developer/linker",
    "developer/dtrace",
    "service/network/network-clients",
    "network/ftp",
    "shell/bash",
    "editor/vim",
    "network/ssh",
    "service/network/ssh",
    "system/network/nis",
    "network/dns/bind",
    "naming/ldap",
    "system/file-system/autofs",
    "system/file-system/nfs",
    "system/network/routing",
    "text/doctools",
];

/// pkgcreatezone's `m_usage`.
const BRAND_USAGE: &str = "\n        install [-h]\n        install [-c certificate_file] [-k key_file] [-P publisher=uri]\n                [-e extrapkg [...]]\n        install {-a archive|-d path} {-p|-u} [-s|-v]";

/// The ipkg brand's `f_no_ds` (OpenIndiana pkg5 src/brand/common.ksh).
const F_NO_DS: &str = "the zonepath must be a ZFS dataset.\nThe parent directory of the zonepath must be a ZFS dataset so that the\nzonepath ZFS dataset can be created properly.";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// A piece of output, with its newlines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub stream: Stream,
    pub text: String,
}

fn out(t: impl Into<String>) -> Text {
    Text {
        stream: Stream::Out,
        text: t.into(),
    }
}

fn err(t: impl Into<String>) -> Text {
    Text {
        stream: Stream::Err,
        text: t.into(),
    }
}

/// zoneadm's `create_zfs_zonepath`: when the zonepath's parent folder is
/// the mountpoint of a mounted filesystem, creates `PARENT-DS/BASENAME`
/// (it inherits the zonepath as its mountpoint), mounts it and makes it
/// mode 700. Silent when the parent is no such mountpoint or the dataset
/// exists.
pub fn create_zfs_zonepath(st: &mut State, zonepath: &str) -> Vec<Text> {
    let path = std::path::Path::new(zonepath);
    let (Some(parent), Some(base)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    if !parent.is_dir() {
        return Vec::new();
    }
    let parent = parent.to_string_lossy();
    let Some(pds) = zfs::mounted_at(st, &parent).map(|d| d.name.clone()) else {
        return Vec::new();
    };
    let name = format!("{pds}/{}", base.to_string_lossy());
    if zfs::find(st, &name).is_some() {
        return Vec::new();
    }
    let props: BTreeMap<String, String> = [
        ("sharenfs".to_string(), "off".to_string()),
        ("sharesmb".to_string(), "off".to_string()),
    ]
    .into();
    if let Err(zfs::CreateError(m)) = zfs::create(st, &name, props) {
        return vec![err(format!("cannot create ZFS dataset {name}: {m}\n"))];
    }
    if let Err((_, why)) = zfs::mount(st, &name) {
        zfs::destroy_tree(st, &name);
        return vec![err(format!("cannot mount ZFS dataset {name}: {why}\n"))];
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(zonepath, std::fs::Permissions::from_mode(0o700));
    }
    vec![out("A ZFS file system has been created for this zone.\n")]
}

/// What the install hook did.
#[derive(Debug, Default)]
pub struct Install {
    /// Its output, in order, up to where it stopped.
    pub output: Vec<Text>,
    /// Its exit status.
    pub exit: i32,
    /// The preferred publisher from `-P` (`name=origin`), if any.
    pub publisher_arg: Option<String>,
    /// The `-e` packages.
    pub extras: Vec<String>,
    /// The words after the first operand, which getopts never read.
    pub ignored: Vec<String>,
    /// The image it made (on success).
    pub publishers: Vec<Publisher>,
    pub packages: Vec<String>,
    /// `ZONEPATH/root`, when it mounted the zone's boot environment there.
    pub root_dir: Option<String>,
}

/// The hook's command line as zoneadm builds it (`install_func`: the brand's
/// `<install>` with `%z`/`%R` filled in, then each option as ` -X` and its
/// argument glued on, then the operands), which `do_subproc` hands to
/// `/bin/sh -c`.
pub fn hook_command(brand: &str, zone: &str, zonepath: &str, passed: &[String]) -> String {
    let mut cmd = format!("/usr/lib/brand/{brand}/pkgcreatezone -z {zone} -R {zonepath}");
    for p in passed {
        cmd.push(' ');
        cmd.push_str(p);
    }
    cmd
}

fn usage_failure(msg: &str) -> Vec<Text> {
    // fail_usage: the message, a newline, "brand-specific usage: " and the
    // usage, all on stderr.
    vec![err(format!("{msg}\nbrand-specific usage: {BRAND_USAGE}\n"))]
}

/// `fail_fatal` (shared common.ksh `error()`): `ERROR: ` and the printf
/// format on stdout.
fn fatal(msg: &str) -> Text {
    out(format!("ERROR: {msg}\n"))
}

/// pkgcreatezone with its argument words (after the program name). The
/// datasets it makes are made on `st`; a `fault` fails the package install.
pub fn pkgcreatezone(
    st: &mut State,
    words: &[String],
    settings: &Settings,
    fault: Option<&Failure>,
) -> Install {
    let mut r = Install::default();
    let mut g = Getopt::new(words, "a:c:d:e:hk:P:pR:suvz:", 0);
    let (mut zonename, mut zonepath) = (String::new(), String::new());
    let (mut silent, mut verbose, mut preserve, mut unconfig) = (false, false, false, false);
    let mut archive = false;
    for o in g.by_ref() {
        match o {
            Opt::Flag('a', Some(a)) => {
                if !std::path::Path::new(&a).is_file() && a.contains('=') {
                    r.output =
                        usage_failure("-a publisher=uri option is obsolete, use -P instead.");
                    r.exit = SUBPROC_USAGE;
                    return r;
                }
                archive = true;
            }
            Opt::Flag('d', _) => archive = true,
            Opt::Flag('e', Some(e)) => r.extras.push(e),
            Opt::Flag('P', Some(p)) => r.publisher_arg = Some(p),
            Opt::Flag('p', _) => preserve = true,
            Opt::Flag('R', Some(p)) => zonepath = p,
            Opt::Flag('s', _) => silent = true,
            Opt::Flag('u', _) => unconfig = true,
            Opt::Flag('v', _) => verbose = true,
            Opt::Flag('z', Some(z)) => zonename = z,
            Opt::Flag('c' | 'k', _) => {}
            // -h, an unknown option, or one without its argument: `*)`.
            _ => {
                r.output = usage_failure("");
                r.exit = SUBPROC_USAGE;
                return r;
            }
        }
    }
    r.ignored = words[g.optind..].to_vec();
    if zonepath.is_empty() || zonename.is_empty() {
        r.output = vec![err("Brand error: No zone path or name\n")];
        r.exit = SUBPROC_USAGE;
        return r;
    }
    if silent && verbose {
        r.output = usage_failure("cannot specify both -s and -v options");
        r.exit = SUBPROC_USAGE;
        return r;
    }
    if unconfig && preserve {
        r.output = usage_failure("cannot specify both -u and -p options");
        r.exit = SUBPROC_USAGE;
        return r;
    }
    if !archive && (preserve || unconfig) {
        r.output = usage_failure("cannot specify both default and -p|-u options");
        r.exit = SUBPROC_USAGE;
        return r;
    }
    // The global zone has `entire`, so its preferred publisher is checked.
    let (publisher, origin) = match &r.publisher_arg {
        Some(p) => {
            // `echo $pub_and_origins | IFS="=" read publisher pub_origins`
            let (name, origins) = p.split_once('=').unwrap_or((p.as_str(), ""));
            if name.is_empty() || origins.is_empty() {
                r.output = usage_failure("Syntax error in publisher information.");
                r.exit = SUBPROC_USAGE;
                return r;
            }
            (name.to_string(), Some(origins.to_string()))
        }
        None => (GZ_PUBLISHER.0.to_string(), None),
    };
    r.output
        .push(out("Sanity Check: Looking for 'entire' incorporation.\n"));
    if !settings.publishers_with_entire.contains(&publisher) {
        r.output.push(fatal(&format!(
            "Unable to locate the incorporation '{ENTIRE_FMRI}' in the preferred publisher '{publisher}'.\nUse -P to supply a publisher which contains this package.\n"
        )));
        r.exit = SUBPROC_FATAL;
        return r;
    }
    // create_active_ds
    let Some(zpds) = zfs::with_mountpoint(st, &zonepath) else {
        r.output.push(fatal(F_NO_DS));
        r.exit = SUBPROC_FATAL;
        return r;
    };
    if zpds.starts_with("rpool/ROOT/") {
        r.output.push(fatal(
            "Installing a zone inside of the root pool's 'ROOT' dataset is unsupported.",
        ));
        r.exit = SUBPROC_FATAL;
        return r;
    }
    let gzbe = zfs::find(st, zfs::BE)
        .and_then(|d| d.props.get(zfs::BE_UUID_PROP).cloned())
        .unwrap_or_else(|| "opensolaris".into());
    let roots = format!("{zpds}/ROOT");
    if zfs::find(st, &roots).is_none() {
        let props: BTreeMap<String, String> = [
            ("mountpoint".to_string(), "legacy".to_string()),
            ("zoned".to_string(), "on".to_string()),
        ]
        .into();
        if let Err(zfs::CreateError(m)) = zfs::create(st, &roots, props) {
            r.output
                .push(err(format!("cannot create '{roots}': {m}\n")));
            r.output
                .push(fatal("Unable to create the zone's ZFS dataset."));
            r.exit = SUBPROC_FATAL;
            return r;
        }
    }
    let zbe = (0..100)
        .map(|n| {
            if n == 0 {
                format!("{roots}/zbe")
            } else {
                format!("{roots}/zbe-{n}")
            }
        })
        .find(|n| {
            let props: BTreeMap<String, String> = [
                ("org.opensolaris.libbe:active".to_string(), "on".to_string()),
                ("org.opensolaris.libbe:parentbe".to_string(), gzbe.clone()),
                ("canmount".to_string(), "noauto".to_string()),
            ]
            .into();
            zfs::create(st, n, props).is_ok()
        });
    let Some(zbe) = zbe else {
        r.output
            .push(fatal("Unable to create the zone's ZFS dataset."));
        r.exit = SUBPROC_FATAL;
        return r;
    };
    let zoneroot = format!("{zonepath}/root");
    if std::fs::create_dir_all(&zoneroot).is_err() {
        r.output
            .push(err("ERROR: Unable to mount the zone's ZFS dataset.
"));
        r.exit = SUBPROC_NOTCOMPLETE;
        return r;
    }
    zfs::mount_legacy(st, &zbe, &zoneroot);
    seed_image(&zoneroot);
    r.root_dir = Some(zoneroot.clone());
    r.output
        .push(out(format!("       Image: Preparing at {zoneroot}.\n")));
    r.publishers = match origin {
        Some(o) => vec![Publisher {
            name: publisher,
            origins: vec![o],
            mirrors: Vec::new(),
        }],
        None => vec![Publisher {
            name: GZ_PUBLISHER.0.into(),
            origins: vec![GZ_PUBLISHER.1.into()],
            mirrors: Vec::new(),
        }],
    };
    for p in &r.publishers {
        for o in &p.origins {
            r.output
                .push(out(format!("   Publisher: Using {} ({o}).\n", p.name)));
        }
    }
    r.output
        .push(out("       Cache: Using /var/pkg/publisher.\n"));
    r.output
        .push(out("  Installing: Packages (output follows)\n"));
    let mut packages = vec!["entire".to_string()];
    packages.extend(BASE_PACKAGES.iter().map(|s| s.to_string()));
    for e in &r.extras {
        let e = crate::pkg::stem(e);
        if !packages.contains(&e) {
            packages.push(e);
        }
    }
    if let Some(f) = fault {
        // pkg install fails; pkg_err_check: fail_fatal "$f_pkg".
        let msg = f
            .message
            .clone()
            .unwrap_or_else(|| "pkg: transport error".into());
        r.output.push(err(format!("{msg}\n")));
        r.output.push(fatal("failed to install package\n"));
        r.exit = match f.exit {
            SUBPROC_USAGE | SUBPROC_NOTCOMPLETE | SUBPROC_FATAL => f.exit,
            _ => SUBPROC_FATAL,
        };
        return r;
    }
    r.output
        .push(out(format!("Packages to install: {:>5}\n", packages.len())));
    for p in &packages {
        r.output.push(out(format!("Installing package: {p}\n")));
    }
    r.output
        .push(out(" Postinstall: Copying SMF seed repository ... done.\n"));
    r.packages = packages;
    r.exit = 0;
    r
}

/// What the clone hook made.
#[derive(Debug, Default)]
pub struct Cloned {
    /// Its output, in order.
    pub output: Vec<Text>,
    /// Its exit status.
    pub exit: i32,
    /// `ZONEPATH/root`, where it mounted the new zone's boot environment.
    pub root_dir: Option<String>,
    /// The snapshot of the source's boot environment it cloned.
    pub snapshot: Option<String>,
}

/// The ipkg brand's clone hook, `/usr/lib/brand/ipkg/clone -z %z -R %R`
/// (illumos-gate `usr/src/lib/brand/ipkg/zone/config.xml`; the script is
/// pkg5 `src/brand/clone`, read in the pyhalov/pkg5 copy): finds the
/// source's active boot environment (`get_zonepath_ds`, `get_active_ds`),
/// creates `ZPDS/NAME` and `ZPDS/NAME/ROOT` (`mountpoint=legacy`,
/// `zoned=on`), snapshots the source's boot environment as
/// `NAME_snap` (`NAME_snapN` when taken), clones it to
/// `ZPDS/NAME/ROOT/zbe` (or `zbe-N`) with the libbe properties and
/// `canmount=noauto`, and mounts it on `ZONEPATH/root` (the simulator
/// copies the source root's files there, as the clone shares them).
///
/// `clone_fails` plays a `zfs clone` that fails (a `zfs clone` fault rule): the
/// script tries its 100 names, then `fail_fatal "$f_zfs_create"`, after its
/// `zfs snapshot`, which stays on the source (the script has no `trap` yet,
/// so nothing removes it).
pub fn clone_hook(
    st: &mut State,
    zone: &str,
    zonepath: &str,
    src_zonepath: &str,
    clone_fails: bool,
) -> Cloned {
    let mut r = Cloned::default();
    let gzbe = zfs::find(st, zfs::BE)
        .and_then(|d| d.props.get(zfs::BE_UUID_PROP).cloned())
        .unwrap_or_else(|| "opensolaris".into());
    let Some(src_zpds) = zfs::with_mountpoint(st, src_zonepath) else {
        r.output.push(fatal(F_NO_DS));
        r.exit = SUBPROC_FATAL;
        return r;
    };
    let src_roots = format!("{src_zpds}/ROOT/");
    let active = st
        .datasets
        .iter()
        .find(|d| {
            d.name.starts_with(&src_roots)
                && !d.name[src_roots.len()..].contains(['/', '@'])
                && d.props
                    .get("org.opensolaris.libbe:active")
                    .map(String::as_str)
                    == Some("on")
                && d.props.get("org.opensolaris.libbe:parentbe") == Some(&gzbe)
        })
        .map(|d| d.name.clone());
    let Some(active) = active else {
        // pkg5 src/brand/common.ksh, get_active_ds: fail_fatal "$f_no_active_ds".
        r.output.push(fatal("no active dataset."));
        r.exit = SUBPROC_FATAL;
        return r;
    };
    let path = std::path::Path::new(zonepath);
    let (Some(pdir), Some(zpname)) = (path.parent(), path.file_name()) else {
        r.output.push(fatal(F_NO_DS));
        r.exit = SUBPROC_FATAL;
        return r;
    };
    let Some(zpds) = zfs::with_mountpoint(st, &pdir.to_string_lossy()) else {
        r.output.push(fatal(F_NO_DS));
        r.exit = SUBPROC_FATAL;
        return r;
    };
    let top = format!("{zpds}/{}", zpname.to_string_lossy());
    // "We need to tolerate errors while creating the datasets".
    if zfs::create(st, &top, BTreeMap::new()).is_ok() {
        let _ = zfs::mount(st, &top);
    }
    let roots = format!("{top}/ROOT");
    let _ = zfs::create(
        st,
        &roots,
        [
            ("mountpoint".to_string(), "legacy".to_string()),
            ("zoned".to_string(), "on".to_string()),
        ]
        .into(),
    );
    let snap = (0..100)
        .map(|n| {
            if n == 0 {
                format!("{active}@{zone}_snap")
            } else {
                format!("{active}@{zone}_snap{n}")
            }
        })
        .find(|s| zfs::snapshot_one(st, s));
    let Some(snap) = snap else {
        r.output
            .push(fatal("Unable to create the zone's ZFS dataset."));
        r.exit = SUBPROC_FATAL;
        return r;
    };
    r.snapshot = Some(snap.clone());
    let zbe = (0..100)
        .map(|n| {
            if n == 0 {
                format!("{roots}/zbe")
            } else {
                format!("{roots}/zbe-{n}")
            }
        })
        .find(|n| {
            let props: BTreeMap<String, String> = [
                ("org.opensolaris.libbe:active".to_string(), "on".to_string()),
                ("org.opensolaris.libbe:parentbe".to_string(), gzbe.clone()),
                ("canmount".to_string(), "noauto".to_string()),
            ]
            .into();
            !clone_fails && zfs::clone_one(st, &snap, n, props).is_ok()
        });
    let Some(zbe) = zbe else {
        r.output
            .push(fatal("Unable to create the zone's ZFS dataset."));
        r.exit = SUBPROC_FATAL;
        return r;
    };
    let zoneroot = format!("{zonepath}/root");
    if std::fs::create_dir_all(&zoneroot).is_err() {
        r.output
            .push(fatal("Unable to mount the zone's ZFS dataset."));
        r.exit = SUBPROC_NOTCOMPLETE;
        return r;
    }
    zfs::mount_legacy(st, &zbe, &zoneroot);
    copy_tree(
        std::path::Path::new(&format!("{src_zonepath}/root")),
        std::path::Path::new(&zoneroot),
    );
    r.root_dir = Some(zoneroot);
    r.exit = 0;
    r
}

/// Copies the files of `from` into `to` (folders and regular files; links
/// are not followed).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let dest = to.join(e.file_name());
        if ft.is_dir() {
            if std::fs::create_dir_all(&dest).is_ok() {
                copy_tree(&e.path(), &dest);
            }
        } else if ft.is_file() {
            let _ = std::fs::copy(e.path(), &dest);
        }
    }
}

/// A few files every illumos image has in /etc and that hooks read or replace: the name
/// service switch examples of `system/library` (`nsswitch.files`, `nsswitch.dns`), and
/// `nsswitch.conf` as a new image has it, a copy of `nsswitch.files`. The simulator's
/// texts are shortened (the source files carry a licence header and comments); the
/// databases and their sources are illumos's: files everywhere, `files dns` for hosts and
/// ipnodes in the DNS variant.
fn seed_image(root: &str) {
    const DATABASES: [&str; 19] = [
        "passwd",
        "group",
        "hosts",
        "ipnodes",
        "networks",
        "protocols",
        "rpc",
        "ethers",
        "netmasks",
        "bootparams",
        "publickey",
        "netgroup",
        "automount",
        "aliases",
        "services",
        "auth_attr",
        "prof_attr",
        "project",
        "printers",
    ];
    let text = |dns: bool| -> String {
        let mut s = format!(
            "#\n# /etc/nsswitch.{}: {}\n#\n",
            if dns { "dns" } else { "files" },
            if dns {
                "DNS for hosts lookups, files for everything else"
            } else {
                "files for every database"
            }
        );
        for db in DATABASES {
            let source = match db {
                "hosts" | "ipnodes" if dns => "files dns",
                "printers" => "user files",
                _ => "files",
            };
            s += &format!("{:<12}{source}\n", format!("{db}:"));
        }
        s
    };
    let etc = std::path::Path::new(root).join("etc");
    if std::fs::create_dir_all(&etc).is_err() {
        return;
    }
    for (name, dns) in [
        ("nsswitch.files", false),
        ("nsswitch.dns", true),
        ("nsswitch.conf", false),
    ] {
        let _ = std::fs::write(etc.join(name), text(dns));
    }
}

/// The closing lines pkgcreatezone prints after a successful install
/// (`m_complete`, then `m_postnote`/`m_postnote2` for unlabeled zones).
pub fn done_text(seconds: f64) -> String {
    format!(
        "        Done: Installation completed in {seconds:.3} seconds.\n\n  Next Steps: Boot the zone, then log into the zone console (zlogin -C)\n              to complete the configuration process.\n"
    )
}

// ---- on-demand VNICs -------------------------------------------------------------

/// Brands whose state-change hooks create a net's VNIC from `global-nic`:
/// the OmniOS brands (the ipkg and nlipkg hooks of illumos-gate and
/// OpenIndiana have no such step).
pub fn has_demand_vnics(brand: &str) -> bool {
    matches!(
        brand,
        "lipkg" | "sparse" | "pkgsrc" | "illumos" | "lx" | "bhyve" | "kvm" | "emu"
    )
}

/// `demand_vnics`: nets with `global-nic` that are not shared-IP ones (a
/// net with an `address` is).
fn demand_vnics(nets: &[Net]) -> Vec<&Net> {
    nets.iter()
        .filter(|n| !n.global_nic.is_empty() && n.address.is_empty())
        .collect()
}

/// `config_vnics`, run before the zone is readied: creates each missing
/// on-demand VNIC over its global NIC (with the configured MAC address and
/// VLAN), and records an assigned MAC in the zone's configuration. Returns
/// the VNICs it made, or the lines it printed when it failed
/// (`fail_fatal`), having deleted what it made.
pub fn config_vnics(st: &mut State, zone: &str) -> Result<Vec<String>, Vec<String>> {
    let Some(z) = st.zone(zone) else {
        return Ok(Vec::new());
    };
    if !has_demand_vnics(&z.config.brand) {
        return Ok(Vec::new());
    }
    let nets: Vec<Net> = demand_vnics(&z.config.net).into_iter().cloned().collect();
    let mut made = Vec::new();
    let fail = |st: &mut State, made: &[String], lines: Vec<String>| {
        st.links.retain(|l| !made.contains(&l.name));
        Err(lines)
    };
    for n in nets {
        let global = n.global_nic.clone();
        if global == "auto" {
            if n.allowed_address.is_empty() {
                return fail(
                    st,
                    &made,
                    vec!["ERROR: Cannot use 'auto' global NIC without allowed-address.".into()],
                );
            }
            // `route -n get ADDRESS` finds the interface; the simulator has
            // no routing table, so it finds none.
            return fail(
                st,
                &made,
                vec![format!(
                    "ERROR: Could not determine global-nic for {}",
                    n.physical
                )],
            );
        }
        if st
            .link(&n.physical)
            .is_some_and(|l| l.class == crate::state::LinkClass::Vnic)
        {
            continue;
        }
        let mac = (!n.mac_addr.is_empty()).then_some(n.mac_addr.as_str());
        let vid = (!n.vlan_id.is_empty() && n.vlan_id != "0").then_some(n.vlan_id.as_str());
        match crate::dladm::create_vnic_in(st, &n.physical, &global, mac, vid) {
            Ok(assigned) => {
                made.push(n.physical.clone());
                if n.mac_addr.is_empty()
                    && let Some(z) = st.zone_mut(zone)
                    && let Some(net) = z.config.net.iter_mut().find(|x| x.physical == n.physical)
                {
                    net.mac_addr = assigned;
                }
            }
            Err(e) => {
                return fail(
                    st,
                    &made,
                    vec![
                        format!("dladm: {e}"),
                        format!("ERROR: Could not create VNIC {}/{global}", n.physical),
                    ],
                );
            }
        }
    }
    Ok(made)
}

/// `unconfig_vnics`, run after the zone halts: deletes the on-demand VNICs
/// (a failure is only logged by the hook).
pub fn unconfig_vnics(st: &mut State, zone: &str) {
    let Some(z) = st.zone(zone) else {
        return;
    };
    if !has_demand_vnics(&z.config.brand) {
        return;
    }
    let names: Vec<String> = demand_vnics(&z.config.net)
        .iter()
        .map(|n| n.physical.clone())
        .collect();
    st.links.retain(|l| {
        !(names.contains(&l.name) && l.class == crate::state::LinkClass::Vnic && l.zone.is_none())
    });
    if let Some(z) = st.zone_mut(zone) {
        z.demand_vnics.clear();
    }
}
