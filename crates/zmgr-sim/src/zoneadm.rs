//! `zoneadm`: listing zones and moving them through the zone state machine.

use std::time::Instant;

use crate::brand;
use crate::config::IpType;
use crate::ctx::{self, Ctx, Exit};
use crate::getopt::{Getopt, Opt};
use crate::random;
use crate::state::{InstallRecord, LinkClass, State, Zone, ZoneState};
use crate::zfs;
use crate::zshell;

type Flow<T = ()> = Result<T, Exit>;

const Z_USAGE: i32 = 2;

/// Subcommands with their short usage (`None` for the private ones that
/// the usage message leaves out) and long help.
const SUBCOMMANDS: [(&str, Option<&str>, &str); 17] = [
    ("help", Some("help"), "Print usage message."),
    (
        "boot",
        Some("boot [-- boot_arguments]"),
        "Activates (boots) specified zone.  See zoneadm(8) for valid boot\n\targuments.",
    ),
    (
        "halt",
        Some("halt"),
        "Halts specified zone, bypassing shutdown scripts and removing runtime\n\tresources of the zone.",
    ),
    (
        "ready",
        Some("ready"),
        "Prepares a zone for running applications but does not start any user\n\tprocesses in the zone.",
    ),
    (
        "shutdown",
        Some("shutdown [-r [-- boot_arguments]]"),
        "Gracefully shutdown the zone or reboot if the '-r' option is specified.\n\tSee zoneadm(8) for valid boot arguments.",
    ),
    (
        "reboot",
        Some("reboot [-- boot_arguments]"),
        "Restarts the zone (equivalent to a halt / boot sequence).\n\tFails if the zone is not active.  See zoneadm(8) for valid boot\n\targuments.",
    ),
    (
        "list",
        Some("list [-cinpv]"),
        "Lists the current zones, or a specific zone if indicated.  By default,\n\tall running zones are listed, though this can be expanded to all\n\tinstalled zones with the -i option or all configured zones with the\n\t-c option.  When used with the general -z <zone> and/or -u <uuid-match>\n\toptions, lists only the specified matching zone, but lists it\n\tregardless of its state, and the -i and -c options are disallowed.  The\n\t-v option can be used to display verbose information: zone name, id,\n\tcurrent state, root directory and options.  The -p option can be used\n\tto request machine-parsable output.  The -v and -p options are mutually\n\texclusive.  If neither -v nor -p is used, just the zone name is listed.",
    ),
    (
        "verify",
        Some("verify"),
        "Check to make sure the configuration can safely be instantiated\n\ton the machine: physical network interfaces exist, etc.",
    ),
    (
        "install",
        Some("install [-x nodataset] [brand-specific args]"),
        "Install the configuration on to the system.  The -x nodataset option\n\tcan be used to prevent the creation of a new ZFS file system for the\n\tzone (assuming the zonepath is within a ZFS file system).\n\tAll other arguments are passed to the brand installation function;\n\tsee brands(7) for more information.",
    ),
    (
        "uninstall",
        Some("uninstall [-F] [brand-specific args]"),
        "Uninstall the configuration from the system.  The -F flag can be used\n\tto force the action.  All other arguments are passed to the brand\n\tuninstall function; see brands(7) for more information.",
    ),
    ("mount", None, ""),
    ("unmount", None, ""),
    (
        "clone",
        Some("clone [-m method] [-s <ZFS snapshot>] [brand-specific args] zonename"),
        "Clone the installation of another zone.  The -m option can be used to\n\tspecify 'copy' which forces a copy of the source zone.  The -s option\n\tcan be used to specify the name of a ZFS snapshot that was taken from\n\ta previous clone command.  The snapshot will be used as the source\n\tinstead of creating a new ZFS snapshot.  All other arguments are passed\n\tto the brand clone function; see brands(7) for more information.",
    ),
    (
        "move",
        Some("move zonepath"),
        "Move the zone to a new zonepath.",
    ),
    (
        "detach",
        Some("detach [-n] [brand-specific args]"),
        "Detach the zone from the system. The zone state is changed to\n\t'configured' (but the files under the zonepath are untouched).\n\tThe zone can subsequently be attached, or can be moved to another\n\tsystem and attached there.  The -n option can be used to specify\n\t'no-execute' mode.  When -n is used, the information needed to attach\n\tthe zone is sent to standard output but the zone is not actually\n\tdetached.  All other arguments are passed to the brand detach function;\n\tsee brands(7) for more information.",
    ),
    (
        "attach",
        Some("attach [-F] [-n <path>] [brand-specific args]"),
        "Attach the zone to the system.  The zone state must be 'configured'\n\tprior to attach; upon successful completion, the zone state will be\n\t'installed'.",
    ),
    (
        "mark",
        Some("mark incomplete"),
        "Set the state of the zone.  This can be used to force the zone\n\tstate to 'incomplete' administratively if some activity has rendered\n\tthe zone permanently unusable.  The only valid state that may be\n\tspecified is 'incomplete'.",
    ),
];

struct Adm<'a> {
    ctx: &'a mut Ctx,
    zone: Option<String>,
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    let mut adm = Adm { ctx, zone: None };
    match adm.main(args) {
        Ok(()) => 0,
        Err(Exit(c)) => c,
    }
}

/// zoneadm's `usage()`: with `explicit` (the `help` subcommand) each
/// subcommand's long help follows its short usage.
fn usage_text(explicit: bool) -> String {
    let mut o = String::from("usage:\tzoneadm help\n");
    o.push_str("\tzoneadm [-z <zone>] [-u <uuid-match>] list\n");
    o.push_str("\tzoneadm {-z <zone>|-u <uuid-match>} <subcommand>\n");
    o.push_str("\nSubcommands:\n\n");
    for (_, short, long) in SUBCOMMANDS {
        if let Some(u) = short {
            o.push_str(u);
            o.push('\n');
            if explicit {
                o.push_str(&format!("\t{long}\n\n"));
            }
        }
    }
    if !explicit {
        o.push('\n');
    }
    o
}

/// zonepath in `list -p`: `\` and `:` escaped.
fn escape_path(p: &str) -> String {
    let mut o = String::new();
    for c in p.chars() {
        if c == ':' || c == '\\' {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

fn ip_str(t: IpType) -> &'static str {
    match t {
        IpType::Shared => "shared",
        IpType::Exclusive => "excl",
    }
}

impl Adm<'_> {
    /// zoneadm's `zerror`: `zoneadm: zone 'z': msg`.
    fn zerror(&self, msg: &str) {
        match &self.zone {
            Some(z) => self.ctx.err(&format!("zoneadm: zone '{z}': {msg}\n")),
            None => self.ctx.err(&format!("zoneadm: {msg}\n")),
        }
    }

    fn fail(&self, msg: &str) -> Exit {
        self.zerror(msg);
        Exit(1)
    }

    /// A message relayed from zoneadmd.
    fn zoneadmd_msg(&self, msg: &str) {
        let z = self.zone.as_deref().unwrap_or("");
        self.ctx.err(&format!("zone '{z}': {msg}\n"));
    }

    /// `sub_usage()` without leaving.
    fn print_sub_usage(&self, short: &str) {
        let sub = short.split(' ').next().unwrap_or_default();
        let long = SUBCOMMANDS
            .iter()
            .find(|(n, _, _)| *n == sub)
            .map(|(_, _, l)| *l)
            .unwrap_or_default();
        self.ctx.err(&format!("usage:\t{short}\n\t{long}\n"));
    }

    /// `usage:\tSHORT` and the subcommand's long help.
    fn sub_usage(&self, short: &str) -> Exit {
        let sub = short.split(' ').next().unwrap_or_default();
        let long = SUBCOMMANDS
            .iter()
            .find(|(n, _, _)| *n == sub)
            .map(|(_, _, l)| *l)
            .unwrap_or_default();
        self.ctx.err(&format!("usage:\t{short}\n\t{long}\n"));
        Exit(Z_USAGE)
    }

    fn read(&self) -> Flow<State> {
        self.ctx
            .store
            .read()
            .map_err(|e| self.fail(&format!("cannot read state: {e}")))
    }

    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> Flow<R> {
        self.ctx
            .store
            .update(f)
            .map_err(|e| self.fail(&format!("cannot update state: {e}")))
    }

    fn main(&mut self, args: &[String]) -> Flow {
        let mut g = Getopt::new(args, "?R:u:z:", 0);
        for o in g.by_ref() {
            match o {
                Opt::Flag('z', Some(z)) => self.zone = Some(z),
                Opt::Flag('R', Some(r)) => {
                    if !r.starts_with('/') {
                        self.zerror(&format!("root path must be absolute: {r}"));
                        return Err(Exit(Z_USAGE));
                    }
                }
                Opt::Flag('u', _) => {}
                Opt::Flag('?', _) => {
                    self.ctx.out(&usage_text(true));
                    return Err(Exit(Z_USAGE));
                }
                Opt::Unknown(c) => {
                    self.ctx.err(&format!("zoneadm: illegal option -- {c}\n"));
                    self.ctx.err(&usage_text(false));
                    return Err(Exit(Z_USAGE));
                }
                _ => {
                    self.ctx.err(&usage_text(false));
                    return Err(Exit(Z_USAGE));
                }
            }
        }
        let rest = &args[g.optind..];
        let Some(sub) = rest.first() else {
            self.ctx.err(&usage_text(false));
            return Err(Exit(Z_USAGE));
        };
        let sub_args = &rest[1..];
        if !SUBCOMMANDS.iter().any(|(n, _, _)| n == sub) {
            self.zerror(&format!("{sub} is not a valid command"));
            return Err(Exit(Z_USAGE));
        }
        if sub == "help" {
            match sub_args.first() {
                None => self.ctx.out(&usage_text(true)),
                Some(topic) => match SUBCOMMANDS
                    .iter()
                    .find(|(n, s, _)| n == topic && s.is_some())
                {
                    Some((_, Some(short), long)) => {
                        self.ctx.out(&format!("usage:\t{short}\n\t{long}\n"));
                    }
                    _ => {
                        self.ctx.err(&usage_text(false));
                        return Err(Exit(Z_USAGE));
                    }
                },
            }
            return Ok(());
        }
        if sub != "list" {
            let Some(zone) = &self.zone else {
                self.zerror("no zone specified");
                return Err(Exit(Z_USAGE));
            };
            if zone == "global" {
                return Err(self.fail(&format!("{sub} operation is invalid for the global zone.")));
            }
            if zone.starts_with("SUNW") {
                return Err(self.fail(&format!(
                    "{sub} operation is invalid for zones starting with SUNW."
                )));
            }
        }
        if let Some(z) = &self.zone
            && z != "global"
        {
            let st = self.read()?;
            if st.zone(z).is_none() {
                self.ctx
                    .err(&format!("zoneadm: {z}: No such zone configured\n"));
                return Err(Exit(1));
            }
        }
        if sub == "list" {
            return self.list(sub_args);
        }
        let zone = self.zone.clone().unwrap_or_default();
        match sub.as_str() {
            "install" => self.install(&zone, sub_args),
            "uninstall" => self.uninstall(&zone, sub_args),
            "boot" => self.boot(&zone, sub_args, false),
            "ready" => self.ready(&zone, sub_args),
            "halt" => self.halt(&zone, sub_args),
            "shutdown" => self.shutdown(&zone, sub_args),
            "reboot" => self.boot(&zone, sub_args, true),
            "verify" => self.verify(&zone, sub_args),
            "mark" => self.mark(&zone, sub_args),
            "move" => self.move_zone(&zone, sub_args),
            "detach" => self.detach(&zone, sub_args),
            "attach" => self.attach(&zone, sub_args),
            "clone" => self.clone_zone(&zone, sub_args),
            "mount" => self.mount(&zone, sub_args, true),
            _ => self.mount(&zone, sub_args, false),
        }
    }

    /// Fault rules for a subcommand other than install.
    fn fault(&self, zone: &str, sub: &str, default: &str) -> Flow {
        if let Some(f) = self.ctx.fault("zoneadm", sub, Some(zone)).failure {
            self.zerror(f.message.as_deref().unwrap_or(default));
            return Err(Exit(f.exit));
        }
        Ok(())
    }

    fn state_of(&self, zone: &str) -> Flow<ZoneState> {
        let st = self.read()?;
        match st.zone(zone) {
            Some(z) => Ok(z.state),
            None => {
                self.ctx
                    .err(&format!("zoneadm: {zone}: No such zone configured\n"));
                Err(Exit(1))
            }
        }
    }

    fn no_operands(
        &self,
        args: &[String],
        short: &str,
        spec: &str,
    ) -> Flow<Vec<(char, Option<String>)>> {
        let mut g = Getopt::new(args, spec, 0);
        let mut opts = Vec::new();
        for o in g.by_ref() {
            match o {
                Opt::Flag(c, a) if c != '?' => opts.push((c, a)),
                _ => return Err(self.sub_usage(short)),
            }
        }
        if g.optind != args.len() {
            return Err(self.sub_usage(short));
        }
        Ok(opts)
    }

    // ---- list ---------------------------------------------------------------

    fn list(&mut self, args: &[String]) -> Flow {
        // With -z only -p and -v make sense.
        let spec = if self.zone.is_some() { "?pv" } else { "?cinpv" };
        let mut g = Getopt::new(args, spec, 0);
        let (mut all, mut installed, mut no_global, mut parsable, mut verbose) =
            (false, false, false, false, false);
        for o in g.by_ref() {
            match o {
                Opt::Flag('c', _) => all = true,
                Opt::Flag('i', _) => installed = true,
                Opt::Flag('n', _) => no_global = true,
                Opt::Flag('p', _) => parsable = true,
                Opt::Flag('v', _) => verbose = true,
                _ => return Err(self.sub_usage("list [-cinpv]")),
            }
        }
        if g.optind != args.len() {
            return Err(self.sub_usage("list [-cinpv]"));
        }
        if parsable && verbose {
            return Err(self.fail("list -p and -v are mutually exclusive."));
        }
        self.fault(
            self.zone.clone().unwrap_or_default().as_str(),
            "list",
            "list failed",
        )?;
        let st = self.read()?;
        struct Row {
            id: Option<u32>,
            name: String,
            state: &'static str,
            path: String,
            uuid: String,
            brand: String,
            ip: &'static str,
            did: u32,
        }
        let global = Row {
            id: Some(0),
            name: "global".into(),
            state: "running",
            path: "/".into(),
            uuid: String::new(),
            brand: st.global.brand.clone(),
            ip: "shared",
            did: 0,
        };
        let row = |z: &Zone| Row {
            id: if z.state.has_id() { z.zone_id } else { None },
            name: z.name.clone(),
            state: z.state.as_str(),
            path: z.config.zonepath.clone(),
            uuid: z.uuid.clone(),
            brand: z.config.brand.clone(),
            ip: ip_str(z.config.ip_type),
            did: z.debug_id,
        };
        let mut rows = Vec::new();
        match &self.zone {
            Some(name) if name == "global" => rows.push(global),
            Some(name) => {
                if let Some(z) = st.zone(name) {
                    rows.push(row(z));
                }
            }
            None => {
                if !no_global {
                    rows.push(global);
                }
                let mut running: Vec<&Zone> = st
                    .zones
                    .iter()
                    .filter(|z| z.state == ZoneState::Running)
                    .collect();
                running.sort_by_key(|z| z.zone_id);
                rows.extend(running.iter().map(|z| row(z)));
                for z in &st.zones {
                    if z.state == ZoneState::Running {
                        continue;
                    }
                    if all || (installed && z.state >= ZoneState::Installed) {
                        rows.push(row(z));
                    }
                }
            }
        }
        let mut out = String::new();
        // zone_print puts the header before the first zone it prints.
        if verbose && !rows.is_empty() {
            out.push_str(&format!(
                "{:>4} {:<16} {:<10} {:<30} {:<8} {:<6}\n",
                "ID", "NAME", "STATUS", "PATH", "BRAND", "IP"
            ));
        }
        for r in rows {
            let id = r.id.map(|i| i.to_string()).unwrap_or_else(|| "-".into());
            if parsable {
                out.push_str(&format!(
                    "{id}:{}:{}:{}:{}:{}:{}:{}\n",
                    r.name,
                    r.state,
                    escape_path(&r.path),
                    r.uuid,
                    r.brand,
                    r.ip,
                    r.did
                ));
            } else if verbose {
                out.push_str(&format!(
                    "{id:>4} {:<16} {:<10} {:<30} {:<8} {:<6}\n",
                    r.name, r.state, r.path, r.brand, r.ip
                ));
            } else {
                out.push_str(&r.name);
                out.push('\n');
            }
        }
        self.ctx.out(&out);
        Ok(())
    }

    // ---- install / uninstall --------------------------------------------------

    /// `install_func`: zoneadm's own options, the state checks, the move
    /// to `incomplete`, `create_zfs_zonepath`, then the brand's install hook
    /// (brand.rs), whose output is printed over the fault rule's delay.
    fn install(&mut self, zone: &str, args: &[String]) -> Flow {
        let short = "install [-x nodataset] [brand-specific args]";
        // getopt over "?x:" and the brand's installopts, with opterr off:
        // everything but -x nodataset is handed on to the hook.
        let mut g = Getopt::new(args, "?x:a:c:d:e:hk:P:p:suv", 0);
        let mut passed: Vec<String> = Vec::new();
        let mut do_dataset = true;
        let mut brand_help = false;
        for o in g.by_ref() {
            match o {
                Opt::Flag('?', _) => {
                    self.print_sub_usage(short);
                    brand_help = true;
                    passed.push("-?".into());
                }
                Opt::Flag('x', Some(x)) if x == "nodataset" => do_dataset = false,
                Opt::Flag('a' | 'd', _) => {
                    return Err(
                        self.fail("installing from an archive or directory is not simulated.")
                    );
                }
                // addopt: " -X" with the argument glued on.
                Opt::Flag(c, a) => passed.push(format!("-{c}{}", a.unwrap_or_default())),
                Opt::Unknown(c) | Opt::MissingArg(c) => passed.push(format!("-{c}")),
            }
        }
        passed.extend(args[g.optind..].iter().cloned());
        let st = self.read()?;
        let z = st.zone(zone).expect("checked");
        let (zonepath, brand_name) = (z.config.zonepath.clone(), z.config.brand.clone());
        if !brand_help {
            match z.state {
                ZoneState::Configured => {}
                ZoneState::Incomplete => {
                    return Err(self.fail("zone is incomplete; uninstall required."));
                }
                ZoneState::Installed => return Err(self.fail("is already installed.")),
                s => {
                    return Err(self.fail(&format!(
                        "install operation is invalid for {} zones.",
                        s.as_str()
                    )));
                }
            }
        }
        // do_subproc runs the hook's command line with /bin/sh -c.
        let cmdline = brand::hook_command(&brand_name, zone, &zonepath, &passed);
        let (words, extra_cmds, sh_error) = match zshell::parse(&cmdline) {
            Ok(cmds) => {
                let words = cmds[0].words[1..].to_vec();
                let extra: Vec<String> = cmds[1..]
                    .iter()
                    .filter_map(|c| c.words.first().cloned())
                    .collect();
                (words, extra, None)
            }
            Err(e) => (Vec::new(), Vec::new(), Some(e)),
        };
        let started = ctx::now();
        let outcome = self.ctx.fault_no_sleep("zoneadm", "install", Some(zone));
        let settings = self.ctx.settings.clone();
        let dir = self.ctx.store.dir().to_path_buf();
        let record_args = args.to_vec();
        // The state checks again, the move to `incomplete`, the zonepath's
        // dataset and the hook's work on the datasets, under one lock.
        let res = self.update(|st| {
            zfs::ensure(st, &dir);
            let z = st.zone_mut(zone)?;
            if !brand_help {
                if z.state != ZoneState::Configured {
                    return Some(Err(z.state));
                }
                z.state = ZoneState::Incomplete;
                z.uuid = random::uuid();
                z.install = Some(InstallRecord {
                    args: record_args,
                    publishers: Vec::new(),
                    extra_packages: Vec::new(),
                    started,
                    finished: None,
                    succeeded: false,
                    log: Vec::new(),
                    ignored_args: Vec::new(),
                    brand_exit: None,
                });
            }
            let mut pre = Vec::new();
            if do_dataset && !brand_help {
                pre = brand::create_zfs_zonepath(st, &zonepath);
            }
            let inst = match &sh_error {
                Some(e) => brand::Install {
                    output: vec![brand::Text {
                        stream: brand::Stream::Err,
                        text: format!("sh: {e}\n"),
                    }],
                    exit: 2,
                    ..Default::default()
                },
                None => brand::pkgcreatezone(st, &words, &settings, outcome.failure.as_ref()),
            };
            Some(Ok((pre, inst)))
        })?;
        let (pre, mut inst) = match res {
            None => {
                self.ctx
                    .err(&format!("zoneadm: {zone}: No such zone configured\n"));
                return Err(Exit(1));
            }
            Some(Err(state)) => {
                let m = match state {
                    ZoneState::Incomplete => "zone is incomplete; uninstall required.".into(),
                    ZoneState::Installed => "is already installed.".into(),
                    s => format!("install operation is invalid for {} zones.", s.as_str()),
                };
                return Err(self.fail(&m));
            }
            Some(Ok(x)) => x,
        };
        // Words after the hook's command that sh ran as commands of their own.
        for w in &extra_cmds {
            inst.output.push(brand::Text {
                stream: brand::Stream::Err,
                text: format!("sh: {w}: not found\n"),
            });
            inst.exit = 127;
        }
        let texts: Vec<brand::Text> = pre.into_iter().chain(inst.output.clone()).collect();
        let step = outcome.delay.div_f64((texts.len() + 1) as f64);
        let clock = Instant::now();
        let mut printed = Vec::new();
        for t in &texts {
            ctx::sleep(step);
            match t.stream {
                brand::Stream::Out => self.ctx.out(&t.text),
                brand::Stream::Err => self.ctx.err(&t.text),
            }
            printed.extend(t.text.lines().map(str::to_string));
        }
        ctx::sleep(step);
        let exit = inst.exit;
        if exit == 0 {
            let done = brand::done_text(clock.elapsed().as_secs_f64());
            self.ctx.out(&done);
            printed.extend(done.lines().map(str::to_string));
        }
        if brand_help {
            return Err(Exit(if exit == 0 { 0 } else { 1 }));
        }
        if exit == brand::SUBPROC_USAGE {
            self.print_sub_usage(short);
        }
        let zone_s = zone.to_string();
        let destroyed = self.update(|st| {
            let mut destroyed = false;
            let zp_ds = zfs::with_mountpoint(st, &zonepath);
            let Some(z) = st.zone_mut(&zone_s) else {
                return false;
            };
            z.root_dir = inst.root_dir.clone();
            if let Some(rec) = &mut z.install {
                rec.finished = Some(ctx::now());
                rec.succeeded = exit == 0;
                rec.log = printed;
                rec.publishers = inst.publisher_arg.iter().cloned().collect();
                rec.extra_packages = inst.extras.clone();
                rec.ignored_args = inst.ignored.clone();
                rec.brand_exit = Some(exit);
            }
            if exit == 0 {
                z.state = ZoneState::Installed;
                z.image.publishers = inst.publishers.clone();
                z.image.packages = inst.packages.clone();
            } else if exit == brand::SUBPROC_NOTCOMPLETE {
                // cleanup_zonepath, then back to configured.
                z.state = ZoneState::Configured;
                z.uuid.clear();
                z.image = Default::default();
                if let Some(dir) = z.root_dir.take() {
                    let _ = std::fs::remove_dir_all(&dir);
                }
                if let Some(ds) = zp_ds {
                    zfs::destroy_tree(st, &ds);
                    destroyed = true;
                }
            }
            destroyed
        })?;
        if destroyed {
            self.ctx
                .out("The ZFS file system for this zone has been destroyed.\n");
        }
        if exit == 0 { Ok(()) } else { Err(Exit(1)) }
    }

    fn uninstall(&mut self, zone: &str, args: &[String]) -> Flow {
        let opts = self.no_operands(args, "uninstall [-F] [-h] [brand-specific args]", "Fh")?;
        if opts.iter().any(|(c, _)| *c == 'h') {
            self.ctx
                .err("usage:\tuninstall [-F] [-h] [brand-specific args]\n");
            return Err(Exit(Z_USAGE));
        }
        let force = opts.iter().any(|(c, _)| *c == 'F');
        match self.state_of(zone)? {
            ZoneState::Configured => {
                return Err(self.fail("is already in state 'configured'."));
            }
            ZoneState::Incomplete | ZoneState::Installed => {}
            s => {
                return Err(self.fail(&format!(
                    "uninstall operation is invalid for {} zones.",
                    s.as_str()
                )));
            }
        }
        if !force {
            if !self.ctx.stdin_is_tty() {
                return Err(
                    self.fail("Input not from terminal and -F not specified: uninstall not done.")
                );
            }
            self.ctx.out(&format!(
                "Are you sure you want to uninstall zone {zone} (y/[n])? "
            ));
            let answer = self.ctx.read_stdin_line().unwrap_or_default();
            if !answer.starts_with(['y', 'Y']) {
                return Ok(());
            }
        }
        self.fault(zone, "uninstall", "uninstall failed")?;
        let ok = self.update(|st| {
            let Some(z) = st.zone_mut(zone) else {
                return false;
            };
            if !matches!(z.state, ZoneState::Incomplete | ZoneState::Installed) {
                return false;
            }
            z.state = ZoneState::Configured;
            z.uuid.clear();
            z.image = Default::default();
            if let Some(dir) = z.root_dir.take() {
                // The zone's boot environment goes, with its files.
                let _ = std::fs::remove_dir_all(&dir);
            }
            // The brand's uninstall destroys the zonepath's dataset, and the
            // snapshot a cloned boot environment came from.
            let zonepath = z.config.zonepath.clone();
            if let Some(ds) = zfs::with_mountpoint(st, &zonepath) {
                zfs::destroy_tree_and_origins(st, &ds);
            }
            true
        })?;
        if !ok {
            let state = self.state_of(zone)?;
            return Err(self.fail(&format!(
                "uninstall operation is invalid for {} zones.",
                state.as_str()
            )));
        }
        Ok(())
    }

    // ---- boot / ready / halt / shutdown / reboot --------------------------------

    /// zoneadmd readying the zone: the brand's pre-state hook (OmniOS
    /// on-demand VNICs), an ID, the exclusive-IP links assigned, shared-IP
    /// nets without an IP interface skipped. Errors are zoneadmd's lines.
    fn bring_up(st: &mut State, zone: &str, target: ZoneState) -> Result<(), Vec<String>> {
        if st.zone(zone).is_none() {
            return Err(vec!["No such zone configured".into()]);
        }
        let made = brand::config_vnics(st, zone)?;
        let z = st.zone(zone).expect("checked");
        let excl = z.config.ip_type == IpType::Exclusive;
        let links: Vec<String> = z.config.net.iter().map(|n| n.physical.clone()).collect();
        let undo = |st: &mut State, msg: String| {
            st.links.retain(|l| !made.contains(&l.name));
            Err(vec![msg])
        };
        if excl {
            for l in &links {
                match st.link(l) {
                    None => {
                        return undo(
                            st,
                            format!("failed to add network device: {l}: object not found"),
                        );
                    }
                    Some(link) if link.class == LinkClass::Etherstub => {
                        return undo(
                            st,
                            format!("failed to add network device: {l}: invalid argument"),
                        );
                    }
                    Some(link) if link.zone.as_deref().is_some_and(|o| o != zone) => {
                        return undo(st, format!("failed to add network device: {l}: link busy"));
                    }
                    Some(_) => {}
                }
            }
        }
        let skipped = if excl {
            Vec::new()
        } else {
            shared_nets_without_ip(st, zone)
        };
        let id = match st.zone(zone).and_then(|z| z.zone_id) {
            Some(id) => id,
            None => {
                let id = st.next_zone_id;
                st.next_zone_id += 1;
                id
            }
        };
        if excl {
            for l in &links {
                if let Some(link) = st.link_mut(l) {
                    link.zone = Some(zone.to_string());
                }
            }
        }
        let z = st.zone_mut(zone).expect("checked");
        z.zone_id = Some(id);
        z.state = target;
        z.skipped_nets = skipped;
        z.demand_vnics.extend(made);
        if target == ZoneState::Running {
            z.booted_at_ms = Some(crate::zlogin::now_ms());
        }
        Ok(())
    }

    fn take_down(st: &mut State, zone: &str) {
        st.release_links(zone);
        if let Some(z) = st.zone_mut(zone) {
            z.state = ZoneState::Installed;
            z.zone_id = None;
            z.booted_at_ms = None;
            z.skipped_nets.clear();
        }
        brand::unconfig_vnics(st, zone);
    }

    /// verify_handle's warnings for shared-IP nets whose physical link has
    /// no IP interface in the global zone (printed; the zone still boots).
    fn net_warnings(&self, zone: &str) -> Flow {
        let st = self.read()?;
        for n in shared_nets_without_ip(&st, zone) {
            self.ctx.err(&format!(
                "WARNING: skipping network interface '{n}' which may not be present/plumbed in the global zone.\n"
            ));
        }
        Ok(())
    }

    /// zoneadmd's reply lines, then zoneadm's `call to zoneadmd failed`.
    fn zoneadmd_failed(&self, lines: &[String]) -> Exit {
        for m in lines {
            self.zoneadmd_msg(m);
        }
        self.fail("call to zoneadmd failed")
    }

    /// `--` and boot arguments after the options.
    fn boot_opts(&self, args: &[String], short: &str, spec: &str) -> Flow {
        let mut g = Getopt::new(args, spec, 0);
        for o in g.by_ref() {
            if !matches!(o, Opt::Flag(c, _) if c != '?') {
                return Err(self.sub_usage(short));
            }
        }
        if g.optind != args.len() && args.get(g.optind - 1).is_none_or(|a| a != "--") {
            return Err(self.sub_usage(short));
        }
        Ok(())
    }

    fn boot(&mut self, zone: &str, args: &[String], reboot: bool) -> Flow {
        let (sub, short) = if reboot {
            ("reboot", "reboot [-- boot_arguments]")
        } else {
            ("boot", "boot [-- boot_arguments]")
        };
        self.boot_opts(args, short, "XWw")?;
        let state = self.state_of(zone)?;
        if reboot {
            // zoneadm checks the kernel knows the zone; zoneadmd checks
            // that it is running.
            if !state.has_id() {
                return Err(self.fail("not running"));
            }
            if state != ZoneState::Running {
                self.zoneadmd_msg(&format!(
                    "reboot operation is invalid for zones in state '{}'",
                    state.as_str()
                ));
                return Err(Exit(1));
            }
        } else {
            if state < ZoneState::Installed {
                return Err(self.fail("must be installed before boot."));
            }
            if state == ZoneState::Running {
                self.zoneadmd_msg("zone is already booted");
                return Ok(());
            }
        }
        if !reboot {
            self.net_warnings(zone)?;
        }
        self.fault(zone, sub, "call to zoneadmd failed")?;
        let res = self.update(|st| {
            if reboot {
                Self::take_down(st, zone);
            }
            Self::bring_up(st, zone, ZoneState::Running)
        })?;
        if let Err(m) = res {
            return Err(self.zoneadmd_failed(&m));
        }
        Ok(())
    }

    fn ready(&mut self, zone: &str, args: &[String]) -> Flow {
        self.no_operands(args, "ready", "")?;
        match self.state_of(zone)? {
            s if s < ZoneState::Installed => {
                return Err(self.fail("must be installed before ready."));
            }
            ZoneState::Ready => {
                self.zoneadmd_msg("zone is already ready");
                return Ok(());
            }
            ZoneState::Installed => {}
            _ => return Err(self.fail("ready operation is invalid for running zones.")),
        }
        self.net_warnings(zone)?;
        self.fault(zone, "ready", "call to zoneadmd failed")?;
        let res = self.update(|st| Self::bring_up(st, zone, ZoneState::Ready))?;
        if let Err(m) = res {
            return Err(self.zoneadmd_failed(&m));
        }
        Ok(())
    }

    fn halt(&mut self, zone: &str, args: &[String]) -> Flow {
        self.no_operands(args, "halt", "X")?;
        match self.state_of(zone)? {
            s if s < ZoneState::Installed => {
                return Err(self.fail("must be installed before halt."));
            }
            ZoneState::Installed => {
                self.zoneadmd_msg("zone is already halted");
                return Ok(());
            }
            _ => {}
        }
        self.fault(zone, "halt", "call to zoneadmd failed")?;
        self.update(|st| Self::take_down(st, zone))?;
        Ok(())
    }

    fn shutdown(&mut self, zone: &str, args: &[String]) -> Flow {
        let short = "shutdown [-r [-- boot_arguments]]";
        let mut g = Getopt::new(args, "r", 0);
        let mut restart = false;
        for o in g.by_ref() {
            match o {
                Opt::Flag('r', _) => restart = true,
                _ => return Err(self.sub_usage(short)),
            }
        }
        if g.optind != args.len() && (!restart || args.get(g.optind - 1).is_none_or(|a| a != "--"))
        {
            return Err(self.sub_usage(short));
        }
        if self.state_of(zone)? != ZoneState::Running {
            return Err(self.fail("not running"));
        }
        self.fault(zone, "shutdown", "call to zoneadmd failed")?;
        let res = self.update(|st| {
            Self::take_down(st, zone);
            if restart {
                Self::bring_up(st, zone, ZoneState::Running)
            } else {
                Ok(())
            }
        })?;
        if let Err(m) = res {
            return Err(self.zoneadmd_failed(&m));
        }
        Ok(())
    }

    // ---- verify / mark / move / detach / attach / clone / mount ------------------

    fn verify(&mut self, zone: &str, args: &[String]) -> Flow {
        self.no_operands(args, "verify", "")?;
        let state = self.state_of(zone)?;
        if state == ZoneState::Incomplete {
            return Err(self.fail("zone is incomplete; uninstall required."));
        }
        if state > ZoneState::Installed {
            return Err(self.fail(&format!(
                "verify operation is invalid for {} zones.",
                state.as_str()
            )));
        }
        if self
            .ctx
            .fault("zoneadm", "verify", Some(zone))
            .failure
            .is_some()
        {
            self.ctx
                .err(&format!("zoneadm: zone {zone} failed to verify\n"));
            return Err(Exit(1));
        }
        self.net_warnings(zone)?;
        let st = self.read()?;
        let z = st.zone(zone).expect("checked");
        if z.config.zonepath.is_empty() {
            self.zerror("zonepath not specified");
            self.ctx
                .err(&format!("zoneadm: zone {zone} failed to verify\n"));
            return Err(Exit(1));
        }
        Ok(())
    }

    fn mark(&mut self, zone: &str, args: &[String]) -> Flow {
        let short = "mark incomplete";
        let mut g = Getopt::new(args, "F", 0);
        let mut force = false;
        for o in g.by_ref() {
            match o {
                Opt::Flag('F', _) => force = true,
                _ => return Err(self.sub_usage(short)),
            }
        }
        let target = match &args[g.optind..] {
            [t] if t == "incomplete" => ZoneState::Incomplete,
            [t] if force && t == "configured" => ZoneState::Configured,
            [t] if force && t == "installed" => ZoneState::Installed,
            _ => return Err(self.sub_usage(short)),
        };
        let state = self.state_of(zone)?;
        if state > ZoneState::Installed {
            return Err(self.fail(&format!(
                "mark operation is invalid for {} zones.",
                state.as_str()
            )));
        }
        if !force && state != ZoneState::Installed {
            return Err(self.fail("must be installed before mark."));
        }
        self.fault(zone, "mark", "mark failed")?;
        self.update(|st| {
            if let Some(z) = st.zone_mut(zone) {
                z.state = target;
            }
        })?;
        Ok(())
    }

    fn require_installed(&self, zone: &str, op: &str) -> Flow {
        match self.state_of(zone)? {
            ZoneState::Installed => Ok(()),
            s if s < ZoneState::Installed => {
                Err(self.fail(&format!("must be installed before {op}.")))
            }
            s => Err(self.fail(&format!(
                "{op} operation is invalid for {} zones.",
                s.as_str()
            ))),
        }
    }

    fn move_zone(&mut self, zone: &str, args: &[String]) -> Flow {
        let [path] = args else {
            return Err(self.sub_usage("move zonepath"));
        };
        if !path.starts_with('/') {
            return Err(self.fail(&format!("zonepath {path} is not an absolute path.")));
        }
        self.require_installed(zone, "move")?;
        self.fault(zone, "move", "move failed")?;
        self.update(|st| {
            if let Some(z) = st.zone_mut(zone) {
                z.config.zonepath = path.clone();
            }
        })?;
        Ok(())
    }

    fn detach(&mut self, zone: &str, args: &[String]) -> Flow {
        self.no_operands(args, "detach [-n] [brand-specific args]", "n")?;
        self.require_installed(zone, "detach")?;
        self.fault(zone, "detach", "detach failed")?;
        self.update(|st| {
            if let Some(z) = st.zone_mut(zone) {
                z.state = ZoneState::Configured;
            }
        })?;
        Ok(())
    }

    fn attach(&mut self, zone: &str, args: &[String]) -> Flow {
        self.no_operands(
            args,
            "attach [-F] [-n <path>] [brand-specific args]",
            "Fn:uU",
        )?;
        match self.state_of(zone)? {
            ZoneState::Configured => {}
            ZoneState::Installed => return Err(self.fail("is already installed.")),
            ZoneState::Incomplete => {
                return Err(self.fail("zone is incomplete; uninstall required."));
            }
            s => {
                return Err(self.fail(&format!(
                    "attach operation is invalid for {} zones.",
                    s.as_str()
                )));
            }
        }
        self.fault(zone, "attach", "attach failed")?;
        self.update(|st| {
            if let Some(z) = st.zone_mut(zone) {
                z.state = ZoneState::Installed;
                if z.uuid.is_empty() {
                    z.uuid = random::uuid();
                }
            }
        })?;
        Ok(())
    }

    /// `clone_func` (illumos-gate `usr/src/cmd/zoneadm/zoneadm.c`): the
    /// target must be configured; the source not the global zone nor
    /// `SUNW…`, not ready or running (`clone operation is invalid for
    /// running zones.`), installed (`zone SRC is STATE; installed is
    /// required.`) and of the target's brand (`validate_clone`,
    /// `valid_brand_clone`). Then the target goes `incomplete`, the brand's
    /// clone hook runs (brand.rs `clone_hook`) and, when it succeeds, the
    /// target is `installed`. A failing hook leaves it `incomplete`, with
    /// what the hook made.
    fn clone_zone(&mut self, zone: &str, args: &[String]) -> Flow {
        let short = "clone [-m method] [-s <ZFS snapshot>] [brand-specific args] zonename";
        // getopt over "?m:s:" with opterr off: unknown options are the brand's.
        let mut g = Getopt::new(args, "?m:s:", 0);
        for o in g.by_ref() {
            if let Opt::Flag('?', _) = o {
                return Err(self.sub_usage(short));
            }
        }
        let [source] = &args[g.optind..] else {
            return Err(self.sub_usage(short));
        };
        match self.state_of(zone)? {
            ZoneState::Configured => {}
            ZoneState::Incomplete => {
                return Err(self.fail("zone is incomplete; uninstall required."));
            }
            ZoneState::Installed => return Err(self.fail("is already installed.")),
            s => {
                return Err(self.fail(&format!(
                    "clone operation is invalid for {} zones.",
                    s.as_str()
                )));
            }
        }
        if source == "global" {
            return Err(self.fail("clone operation is invalid for the global zone."));
        }
        if source.starts_with("SUNW") {
            return Err(self.fail("clone operation is invalid for zones starting with SUNW."));
        }
        let st = self.read()?;
        let Some(src) = st.zone(source) else {
            // zperror2(source_zone, "could not get state")
            self.ctx.err(&format!(
                "zoneadm: {source}: could not get state: No such zone configured\n"
            ));
            return Err(Exit(1));
        };
        if matches!(src.state, ZoneState::Ready | ZoneState::Running) {
            return Err(self.fail(&format!(
                "clone operation is invalid for {} zones.",
                src.state.as_str()
            )));
        }
        if src.state != ZoneState::Installed {
            self.ctx.err(&format!(
                "zoneadm: zone {source} is {}; installed is required.\n",
                src.state.as_str()
            ));
            return Err(Exit(1));
        }
        let target = st.zone(zone).expect("checked");
        if src.config.brand != target.config.brand {
            self.ctx.err(&format!(
                "zoneadm: Zones '{source}' and '{zone}' have different brand types.\n"
            ));
            return Err(Exit(1));
        }
        let (image, src_zonepath) = (src.image.clone(), src.config.zonepath.clone());
        let zonepath = target.config.zonepath.clone();
        let outcome = self.ctx.fault_no_sleep("zoneadm", "clone", Some(zone));
        // The hook's own `zfs clone`, between its snapshot and its datasets' completion.
        let clone_fails = self
            .ctx
            .fault_no_sleep("zfs", "clone", Some(zone))
            .failure
            .is_some();
        let dir = self.ctx.store.dir().to_path_buf();
        let zone_s = zone.to_string();
        let res = self.update(|st| {
            zfs::ensure(st, &dir);
            let z = st.zone_mut(&zone_s)?;
            if z.state != ZoneState::Configured {
                return Some(Err(z.state));
            }
            z.state = ZoneState::Incomplete;
            z.uuid = random::uuid();
            let cloned = brand::clone_hook(st, &zone_s, &zonepath, &src_zonepath, clone_fails);
            if let Some(z) = st.zone_mut(&zone_s) {
                z.root_dir = cloned.root_dir.clone();
            }
            Some(Ok(cloned))
        })?;
        let cloned = match res {
            None => {
                self.ctx
                    .err(&format!("zoneadm: {zone}: No such zone configured\n"));
                return Err(Exit(1));
            }
            Some(Err(_)) => return Err(self.fail("is already installed.")),
            Some(Ok(c)) => c,
        };
        for t in &cloned.output {
            match t.stream {
                brand::Stream::Out => self.ctx.out(&t.text),
                brand::Stream::Err => self.ctx.err(&t.text),
            }
        }
        // A delay rule acts while the hook works: what it made is there.
        ctx::sleep(outcome.delay);
        if cloned.exit != 0 {
            return Err(Exit(1));
        }
        if let Some(f) = outcome.failure {
            // The hook fails after its ZFS work (its trap_exit: the zone
            // stays incomplete).
            self.zerror(f.message.as_deref().unwrap_or("clone failed"));
            return Err(Exit(f.exit));
        }
        self.update(|st| {
            if let Some(z) = st.zone_mut(zone) {
                z.state = ZoneState::Installed;
                z.image = image;
            }
        })?;
        Ok(())
    }

    fn mount(&mut self, zone: &str, args: &[String], mount: bool) -> Flow {
        let op = if mount { "mount" } else { "unmount" };
        self.no_operands(args, op, "f")?;
        let state = self.state_of(zone)?;
        let (from, to) = if mount {
            (ZoneState::Installed, ZoneState::Mounted)
        } else {
            (ZoneState::Mounted, ZoneState::Installed)
        };
        if state != from {
            return Err(self.fail(&format!(
                "{op} operation is invalid for zones in state '{}'",
                state.as_str()
            )));
        }
        self.fault(zone, op, "call to zoneadmd failed")?;
        self.update(|st| {
            if let Some(z) = st.zone_mut(zone) {
                z.state = to;
            }
        })?;
        Ok(())
    }
}

/// The shared-IP nets of a zone whose physical link has no IP interface
/// in the global zone (`zonecfg_ifname_exists` fails), loopback aside.
fn shared_nets_without_ip(st: &State, zone: &str) -> Vec<String> {
    let Some(z) = st.zone(zone) else {
        return Vec::new();
    };
    if z.config.ip_type != IpType::Shared {
        return Vec::new();
    }
    z.config
        .net
        .iter()
        .filter(|n| n.physical != "lo0" && !st.ip_interfaces.contains(&n.physical))
        .map(|n| n.physical.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zonepath_escaping() {
        assert_eq!(escape_path("/zones/a:b"), "/zones/a\\:b");
        assert_eq!(escape_path("/zones/a\\b"), "/zones/a\\\\b");
    }
}
