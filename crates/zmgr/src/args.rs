//! The command line's grammar: every verb, option and argument, with the help texts that
//! `--help` and the man pages show.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use zmgr_core::error::Result;

use crate::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "zmgr",
    version,
    about = "Zone manager for illumos: zones from KDL templates, addresses from named pools, a flat-file registry",
    long_about = None,
    after_help = "The registry is plain KDL under /etc/zmgr (or --root / ZMGR_ROOT). \
--root and --sandbox on the command line win over ZMGR_ROOT and ZMGR_SANDBOX. \
Exit status: 0 success, 1 an operation failed, 2 usage or configuration error."
)]
pub struct Cli {
    /// Registry root [default: /etc/zmgr]
    #[arg(
        long,
        global = true,
        env = "ZMGR_ROOT",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub root: Option<PathBuf>,

    /// Run against the simulator in DIR: registry DIR/etc/zmgr, simulator state DIR/sim (a new or empty DIR is set up on first use)
    #[arg(
        long,
        global = true,
        env = "ZMGR_SANDBOX",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub sandbox: Option<PathBuf>,

    /// Stream the output of the commands a site script runs: `zmgr -v NAME ARGS…` (other
    /// verbs that run commands take -v after their name)
    #[arg(short = 'v', long)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

impl Command {
    /// Whether the verb's `-v` asks to stream the output of the commands it runs.
    pub fn streams(&self) -> bool {
        let stream = match self {
            Command::Create { stream, .. }
            | Command::Destroy { stream, .. }
            | Command::Import { stream, .. }
            | Command::Reconcile { stream, .. }
            | Command::Snapshot { stream, .. }
            | Command::Rollback { stream, .. }
            | Command::Set { stream, .. }
            | Command::Add { stream, .. }
            | Command::Remove { stream, .. }
            | Command::Run { stream, .. }
            | Command::Host(HostCommand::Setup { stream, .. }) => stream,
            Command::Boot(a) | Command::Halt(a) => &a.stream,
            Command::Shutdown { args, .. } | Command::Reboot { args, .. } => &args.stream,
            _ => return false,
        };
        stream.verbose
    }
}

/// `-v` of the verbs that run system commands worth watching.
#[derive(Debug, Args, Default, Clone, Copy)]
pub struct Stream {
    /// Stream the output of the commands zmgr runs (zoneadm install, zfs, …) as they run
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the registry: config.kdl, the default templates, a publisher and an example pool
    ///
    /// Existing files are never overwritten; running init again changes nothing.
    Init,
    /// Validate every registry file and every reference between them
    ///
    /// Reports all problems at once. Exits 0 when the registry is clean (warnings allowed),
    /// 2 when there are errors.
    Check {
        /// Print the problems and counts as JSON (exit status as without)
        #[arg(long)]
        json: bool,
    },
    /// List the zones in the registry, or those matching the filters
    List {
        /// Only zones whose name matches this glob (`web*`, `db0[1-3]`)
        #[arg(value_name = "GLOB")]
        pattern: Option<String>,
        /// Only zones in these states (comma-separated)
        #[arg(long, value_name = "STATE,…")]
        state: Vec<String>,
        /// Only zones made from this template
        #[arg(long, value_name = "T", add = crate::candidates::templates())]
        template: Option<String>,
        /// Only zones with an address of this pool
        #[arg(long, value_name = "P", add = crate::candidates::pools())]
        pool: Option<String>,
        /// Only zones of this brand
        #[arg(long, value_name = "B")]
        brand: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Create a zone: allocate its address, create its VNIC, configure, install and boot it
    ///
    /// Runs as a transaction: on any failure or interrupt every step already done is undone, in
    /// reverse, and the address is free again.
    Create {
        /// Zone name
        name: String,
        /// Template [default: config.kdl's default-template]
        #[arg(long, short = 't', add = crate::candidates::templates())]
        template: Option<String>,
        /// One interface, from this pool, instead of the template's
        #[arg(long, add = crate::candidates::pools())]
        pool: Option<String>,
        /// Take this address for the first interface instead of the lowest free one
        #[arg(long, value_name = "ADDR")]
        ip: Option<std::net::IpAddr>,
        /// An interface from POOL (at ADDR); repeat for several. Replaces the template's
        /// interfaces; the first carries the default route
        #[arg(long, value_name = "POOL[=ADDR]", conflicts_with_all = ["pool", "ip"])]
        net: Vec<zmgr_core::ops::create::NetRequest>,
        /// Take a requested address outside its pool's ranges (inside its network; never
        /// the gateway, network, broadcast, reserved or excluded addresses)
        #[arg(long)]
        force_range: bool,
        /// First VNIC's name [default: derived from the zone name, e.g. web01_0; the next
        /// are web01_1, …]
        #[arg(long, value_name = "LINK")]
        vnic: Option<String>,
        /// Do not boot the zone now, and set its zonecfg autoboot to false
        #[arg(long)]
        no_boot: bool,
        /// Clone this installed, halted zone of the template's brand (`zoneadm clone`: a ZFS
        /// clone of its boot environment) instead of installing [default: the template's
        /// clone-from]
        #[arg(long, value_name = "ZONE", add = crate::candidates::zones())]
        clone: Option<String>,
        /// Print the plan (address, zonecfg file, every command) and change nothing
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// On failure, leave what was made in place for debugging
        #[arg(long)]
        keep_on_failure: bool,
        /// Print the result (or the plan) as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// Destroy zones: halt, uninstall, delete the configuration and VNICs, free the addresses
    ///
    /// Asks for confirmation when standard input is a terminal, unless --yes; never asks
    /// otherwise. Several zones are destroyed in parallel (--jobs at once), each reported.
    Destroy {
        #[command(flatten)]
        zones: ZoneSelection,
        /// Print the commands and change nothing
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// Do not ask for confirmation
        #[arg(long, short = 'y')]
        yes: bool,
        /// Print the result as JSON (one zone named: its object; else an array, one per zone)
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// Adopt zones made by hand (or by scripts) into the registry
    ///
    /// Reads `zoneadm list -cp` and each zone's `zonecfg info`; matches the brand to a template
    /// and each address to the pool whose network holds it. Zones already in the registry and
    /// bhyve/kvm zones are skipped. An address that the registry gives to another zone is a
    /// conflict: that zone is not imported, and import exits 1 after the others are done.
    Import {
        /// Zones to import [default: all]
        names: Vec<String>,
        /// Print the entries it would write and change nothing
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// Print the outcome for each zone as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// Compare the registry with the system; with --fix, repair what is safe
    ///
    /// Lists entries whose zone is gone, zones left in `creating` by a crash, state drift,
    /// VNICs zmgr made that the zone does not use, registered addresses the zone's
    /// configuration no longer carries, and zones not in the registry. --fix repairs state
    /// drift and the leftovers of crashed creates, and says what needs a person. Exits 0 when
    /// nothing is left to do.
    Reconcile {
        /// Repair state drift and crashed creates
        #[arg(long)]
        fix: bool,
        /// Print the differences as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// Boot zones
    Boot(LifecycleArgs),
    /// Halt zones at once (zoneadm halt), bypassing their shutdown scripts
    Halt(LifecycleArgs),
    /// Shut zones down gracefully (zoneadm shutdown); halt those still up after --timeout
    Shutdown {
        #[command(flatten)]
        args: LifecycleArgs,
        /// Seconds the graceful shutdown may take before the zone is halted
        #[arg(long, value_name = "S", default_value_t = 60)]
        timeout: u64,
    },
    /// Reboot zones gracefully (zoneadm shutdown -r), or at once with --force (zoneadm reboot)
    Reboot {
        #[command(flatten)]
        args: LifecycleArgs,
        /// Reboot at once (zoneadm reboot), bypassing the zone's shutdown scripts
        #[arg(long)]
        force: bool,
        /// Seconds the graceful shutdown may take before zoneadm reboot
        #[arg(long, value_name = "S", default_value_t = 60, conflicts_with = "force")]
        timeout: u64,
    },
    /// Log in to a running zone (zlogin), or run one command in it; replaces zmgr with zlogin
    ///
    /// Without a command, an interactive login when standard input is a terminal. The exit
    /// status is zlogin's (the command's).
    Login {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        /// The command and its arguments, after `--`
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Connect to a zone's console (zlogin -C); `~.` disconnects. Replaces zmgr with zlogin
    Console {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
    },
    /// Take a ZFS snapshot of a halted zone (its zonepath dataset and boot environments),
    /// named zmgr-SNAP; or, with --delete, delete one
    ///
    /// SNAP defaults to the time in UTC (20250102T030405Z). zmgr never touches snapshots
    /// whose names do not start with zmgr-.
    Snapshot {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        /// Snapshot name: letters, digits, `-`, `_`, `.` and `:` [default: the UTC time]
        snap: Option<String>,
        /// Delete the snapshot SNAP instead of taking one
        #[arg(long, requires = "snap")]
        delete: bool,
        /// Print the command and change nothing
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// List the snapshots zmgr made of a zone, oldest first
    Snapshots {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        /// Print them as JSON
        #[arg(long)]
        json: bool,
    },
    /// Roll a halted zone back to one of its zmgr snapshots
    ///
    /// Refused when later snapshots exist, naming them; --force destroys the later zmgr
    /// snapshots first. A later snapshot zmgr did not make always stops it.
    Rollback {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        /// Snapshot name (as `zmgr snapshots` lists it)
        snap: String,
        /// Destroy the zone's later zmgr snapshots, then roll back
        #[arg(long)]
        force: bool,
        /// Print the commands and change nothing
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// Change a zone's settings: autoboot, bootargs, limitpriv, cpu-shares, max-lwps,
    /// capped-cpu, capped-memory.physical|swap|locked
    ///
    /// One zonecfg transaction; values are checked as a template's are. An empty VALUE
    /// clears the setting. A running zone gets the change at its next boot.
    Set {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        /// KEY=VALUE, one or more
        #[arg(required = true, value_name = "KEY=VALUE")]
        settings: Vec<zmgr_core::ops::modify::Setting>,
        /// Print the zonecfg commands and change nothing
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// Add a file system, a dataset or an interface to a zone
    ///
    /// `fs dir=/data special=/export/data type=lofs [options=ro,nodevices]`,
    /// `dataset name=POOL/DATASET`, `net pool=POOL [address=ADDRESS]` (its VNIC and an
    /// address from the pool, held in the registry).
    Add {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        /// fs, dataset or net
        kind: zmgr_core::ops::modify::Kind,
        /// KEY=VALUE properties
        #[arg(value_name = "KEY=VALUE")]
        props: Vec<String>,
        /// Print the commands and change nothing
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// Remove a file system, a dataset or an interface from a zone
    ///
    /// `fs dir=PATH`, `dataset name=DATASET`, `net physical=LINK` or `net address=ADDRESS`
    /// (the zone must be halted; its VNIC is deleted and its address freed).
    Remove {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        /// fs, dataset or net
        kind: zmgr_core::ops::modify::Kind,
        /// The KEY=VALUE that names it
        #[arg(value_name = "KEY=VALUE")]
        props: Vec<String>,
        /// Print the commands and change nothing
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
    /// Print a zone's configuration as zonecfg holds it (`zonecfg export`)
    Config {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        /// Print `zonecfg info`, parsed, and the export as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one zone's registry entry
    Show {
        /// Zone name
        #[arg(add = crate::candidates::zones())]
        name: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Zone templates
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Address pools: size, use and the next free address
    #[command(subcommand)]
    Pool(PoolCommand),
    /// IPS publishers used by templates
    #[command(subcommand)]
    Publisher(PublisherCommand),
    /// The global zone: what creates need (a ZFS dataset for zones, stub links, gateways, NAT)
    #[command(subcommand)]
    Host(HostCommand),
    /// Run a Rhai script with arguments (in the script's ARGS array)
    Run {
        /// Script file
        file: PathBuf,
        /// Arguments for the script
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
        #[command(flatten)]
        stream: Stream,
    },
    /// List the site scripts: every ROOT/scripts/NAME.rhai runs as `zmgr NAME ARGS…`
    Scripts,
    /// Scripting tools
    #[command(subcommand)]
    Script(ScriptCommand),
    /// Write the manual pages (zmgr(8), one per verb, zmgr-files(5), zmgr-scripting(7)) into DIR
    #[command(hide = true)]
    Man {
        /// The folder to write the pages into (made if missing)
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
    /// A site script, ROOT/scripts/NAME.rhai
    #[command(external_subcommand)]
    Site(Vec<String>),
}

#[derive(Debug, Subcommand)]
pub enum HostCommand {
    /// Check each prerequisite of the host, read-only: ok, missing or wrong, with the fix
    ///
    /// The zonepath base is a mounted ZFS dataset; each pool's stub link exists; a pool over
    /// an etherstub has its gateway address on an interface over the stub; a pool with `nat`
    /// has IPv4 forwarding, an ipnat map rule and IP Filter; publisher origins are URIs.
    /// Exits 0 when all is ok, 1 otherwise.
    Check {
        /// Check this pool only (and the host-wide prerequisites)
        #[arg(long, value_name = "POOL", add = crate::candidates::pools())]
        pool: Option<String>,
        /// Print the prerequisites as JSON
        #[arg(long)]
        json: bool,
    },
    /// Make what `host check` finds missing; never changes what it did not make
    ///
    /// Each step is printed; if one fails, the steps already made are undone in reverse.
    /// What exists but is wrong is reported for a person. Running it again changes nothing.
    Setup {
        /// Set up this pool only (and the host-wide prerequisites)
        #[arg(long, value_name = "POOL", add = crate::candidates::pools())]
        pool: Option<String>,
        /// Print the changes and make none
        #[arg(long, short = 'n')]
        dry_run: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        stream: Stream,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScriptCommand {
    /// Print the scripting API reference, generated from the engine
    Api,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// List the templates
    List(OutputArgs),
    /// Show one template
    Show {
        /// Template name
        #[arg(add = crate::candidates::templates())]
        name: String,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// List the pools with their size, use and next free address
    List(OutputArgs),
    /// Show one pool, its ranges and the zones holding its addresses
    Show {
        /// Pool name
        #[arg(add = crate::candidates::pools())]
        name: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Reserve the lowest free address of a pool by hand (a `reserve` line in its file)
    ///
    /// Prints the address. No zone gets it until it is released.
    Reserve {
        /// Pool name
        #[arg(add = crate::candidates::pools())]
        pool: String,
    },
    /// Give back an address reserved with `pool reserve`
    Release {
        /// Pool name
        #[arg(add = crate::candidates::pools())]
        pool: String,
        /// The reserved address
        address: std::net::IpAddr,
    },
    /// Publish a shared pool's definition to etcd, for every host to check
    ///
    /// Network, gateway, ranges, reserved and excluded addresses, from this host's
    /// pools/NAME.kdl. A host whose file differs refuses to allocate from the pool.
    Publish {
        /// Pool name
        #[arg(add = crate::candidates::pools())]
        name: String,
        /// Print what was published as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PublisherCommand {
    /// List the publishers
    List(OutputArgs),
    /// Show one publisher
    Show {
        /// Publisher name
        #[arg(add = crate::candidates::publishers())]
        name: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Add a publisher, or add origins to an existing one (its comments are kept)
    Add {
        /// Publisher name, e.g. openindiana.org
        name: String,
        /// Origin URIs, preferred first
        #[arg(required = true, value_name = "URI")]
        uris: Vec<String>,
    },
    /// Remove a publisher, or only the given origins of it
    Remove {
        /// Publisher name
        #[arg(add = crate::candidates::publishers())]
        name: String,
        /// Origins to remove; without any, the whole publisher goes
        #[arg(value_name = "URI")]
        uris: Vec<String>,
    },
}

/// The zones a lifecycle verb acts on: names and selectors.
#[derive(Debug, Args)]
pub struct ZoneSelection {
    /// Zone names
    #[arg(value_name = "NAME", add = crate::candidates::zones())]
    pub names: Vec<String>,
    /// Also every zone made from this template
    #[arg(long, value_name = "T", add = crate::candidates::templates())]
    pub all_of_template: Option<String>,
    /// Also every zone with an address of this pool (with --all-of-template: zones of both)
    #[arg(long, value_name = "P", add = crate::candidates::pools())]
    pub pool: Option<String>,
    /// How many zones to handle at once
    #[arg(long, value_name = "N", default_value_t = zmgr_core::ops::bulk::DEFAULT_JOBS)]
    pub jobs: usize,
}

impl ZoneSelection {
    pub fn selection(&self) -> zmgr_core::ops::bulk::Selection {
        zmgr_core::ops::bulk::Selection {
            names: self.names.clone(),
            template: self.all_of_template.clone(),
            pool: self.pool.clone(),
        }
    }
}

/// `boot`, `halt`, `shutdown` and `reboot`: the zones, a dry run, JSON.
#[derive(Debug, Args)]
pub struct LifecycleArgs {
    #[command(flatten)]
    pub zones: ZoneSelection,
    #[command(flatten)]
    pub stream: Stream,
    /// Print the commands and change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Print one object per zone, as a JSON array: zone, ok, and state or error
    #[arg(long)]
    pub json: bool,
}

/// `--json`, or illumos-style `-p -o field,…`, or a table (optionally `-o field,…`).
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Parsable output: fields joined by `:`, no header (needs -o)
    #[arg(short = 'p', long = "parsable")]
    pub parsable: bool,
    /// Fields to print, comma-separated (`-o all` for every field in a table)
    #[arg(
        short = 'o',
        long = "output",
        value_delimiter = ',',
        value_name = "FIELD,…"
    )]
    pub fields: Vec<String>,
}

impl OutputArgs {
    pub fn format(&self) -> Result<Format> {
        Format::from_options(self.json, self.parsable, self.fields.clone())
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own checks of the grammar (unique names, …), which it makes only when a command
    /// is built in a debug build.
    #[test]
    fn the_grammar_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// Every positional argument of every verb says what it is in `--help`.
    #[test]
    fn every_positional_has_a_description() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_positionals() {
                if arg.get_help().is_none() && !arg.is_hide_set() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "zmgr", &mut missing);
        assert!(
            missing.is_empty(),
            "positionals without a description: {missing:?}"
        );
    }

    /// Every verb that takes `--json` has an example in docs/cli.md's "JSON output", which
    /// the integration tests run and match its output against.
    #[test]
    fn every_json_verb_has_a_documented_example() {
        fn walk(cmd: &clap::Command, path: &str, verbs: &mut Vec<String>) {
            if cmd.get_arguments().any(|a| a.get_long() == Some("json")) {
                verbs.push(path.to_string());
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), verbs);
            }
        }
        let mut verbs = Vec::new();
        walk(&super::Cli::command(), "zmgr", &mut verbs);
        assert!(verbs.len() > 20, "{verbs:?}");
        let doc = include_str!("../../../docs/cli.md");
        let section = doc
            .split_once("\n## JSON output")
            .expect("docs/cli.md has a JSON output section")
            .1;
        let undocumented: Vec<&String> = verbs
            .iter()
            .filter(|v| !section.contains(&format!("\n`{v} ")))
            .collect();
        assert!(
            undocumented.is_empty(),
            "verbs with --json and no example in docs/cli.md: {undocumented:?}"
        );
    }
}
