//! A fake illumos host for unit tests, in the style of omicron's illumos-utils fakes: no
//! mocking framework, but a small model of the system that answers the commands zmgr builds,
//! so that the operations can be tested without spawning anything.
//!
//! [`FakeHost`] implements [`Runner`] and is
//! - **stateful**: zones (state, brand, zonepath, IP type, their `net` resources and the rest
//!   of their configuration) and links (etherstubs, physical links, VNICs), changed by the
//!   commands as illumos changes them and printed in the formats the parsers of `host::*`
//!   read (`zoneadm list -cp`, `dladm show-vnic -p -o …`, `zonecfg info`);
//! - **recording**: every command it was given, with its standard input ([`FakeHost::calls`],
//!   [`FakeHost::log`], [`FakeHost::changes`]);
//! - **scripted**: a [`Fault`] makes chosen commands fail, be stopped as by an interrupt, or
//!   fail after taking effect; [`FakeHost::replay`] answers a command with verbatim text,
//!   such as a `zonecfg info` copied from a real host.
//!
//! It is stricter than illumos where that catches mistakes: `zonecfg delete -F` of a zone
//! that is still installed is refused (illumos would orphan the zone's files), `halt` and
//! `boot` of a zone already in the target state fail, and a command the model does not know
//! fails with a message that says so.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::command::{CommandLine, Commands, ExecError, Output, Stream, Tool, shell_quote};
use crate::host::exec::Runner;
use crate::model::template::IpType;
use crate::model::zone::ZoneState;

/// What a datalink of the fake host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkClass {
    Phys,
    Etherstub,
    Vnic,
}

#[derive(Debug, Clone)]
struct Link {
    class: LinkClass,
    /// The link a VNIC is made over; empty for the others.
    over: String,
    mac: String,
}

/// One `net` resource of a zone's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeNet {
    pub physical: String,
    /// `address` (shared-IP zones).
    pub address: Option<String>,
    /// `allowed-address` (exclusive-IP zones).
    pub allowed_address: Option<String>,
    pub defrouter: Option<String>,
    /// Any other property, as `info` prints it (`property`, `mac-addr`…), in order.
    pub other: Vec<(String, String)>,
}

impl FakeNet {
    pub fn new(physical: &str) -> FakeNet {
        FakeNet {
            physical: physical.to_string(),
            ..FakeNet::default()
        }
    }

    pub fn address(mut self, address: &str) -> FakeNet {
        self.address = Some(address.to_string());
        self
    }

    pub fn allowed_address(mut self, address: &str) -> FakeNet {
        self.allowed_address = Some(address.to_string());
        self
    }

    pub fn defrouter(mut self, router: &str) -> FakeNet {
        self.defrouter = Some(router.to_string());
        self
    }
}

/// A resource of a zone's configuration other than `net` (`attr`, `fs`, `rctl`…), with its
/// properties as `info` prints them, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeResource {
    pub kind: String,
    pub properties: Vec<(String, String)>,
}

/// A zone of the fake host: its state and its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeZone {
    pub name: String,
    pub state: ZoneState,
    pub brand: String,
    pub zonepath: String,
    pub ip_type: IpType,
    pub autoboot: bool,
    /// Global properties other than the ones above (`limitpriv`, `cpu-shares`…), in order.
    pub properties: Vec<(String, String)>,
    pub nets: Vec<FakeNet>,
    pub resources: Vec<FakeResource>,
    /// Packages installed beyond the brand's base set (`install -e`, `pkg -R … install`).
    pub packages: Vec<String>,
    /// The image's publishers in search order: (name, origins then mirrors as `m:URI`), from
    /// `install -P` and `pkg -R … set-publisher`.
    pub publishers: Vec<(String, Vec<String>)>,
}

impl FakeZone {
    /// An installed exclusive-IP zone at `/zones/NAME`, with no net.
    pub fn new(name: &str, brand: &str) -> FakeZone {
        FakeZone {
            name: name.to_string(),
            state: ZoneState::Installed,
            brand: brand.to_string(),
            zonepath: format!("/zones/{name}"),
            ip_type: IpType::Exclusive,
            autoboot: false,
            properties: Vec::new(),
            nets: Vec::new(),
            resources: Vec::new(),
            packages: Vec::new(),
            publishers: Vec::new(),
        }
    }

    pub fn state(mut self, state: ZoneState) -> FakeZone {
        self.state = state;
        self
    }

    pub fn ip_type(mut self, ip_type: IpType) -> FakeZone {
        self.ip_type = ip_type;
        self
    }

    pub fn zonepath(mut self, zonepath: &str) -> FakeZone {
        self.zonepath = zonepath.to_string();
        self
    }

    pub fn net(mut self, net: FakeNet) -> FakeZone {
        self.nets.push(net);
        self
    }
}

/// A scripted fault: the commands of one tool whose arguments hold every given word fail
/// (every one, or only the nth), with an exit status and standard error of the test's
/// choosing, or are stopped as by an interrupt.
#[derive(Debug, Clone)]
pub struct Fault {
    tool: Tool,
    words: Vec<String>,
    nth: Option<usize>,
    effect: Effect,
    after_effect: bool,
}

#[derive(Debug, Clone)]
enum Effect {
    Fail { status: i32, stderr: Option<String> },
    Interrupt,
    Hang,
}

impl Fault {
    /// Every command of `tool` with `word` among its arguments fails with exit status 1.
    pub fn on(tool: Tool, word: &str) -> Fault {
        Fault {
            tool,
            words: vec![word.to_string()],
            nth: None,
            effect: Effect::Fail {
                status: 1,
                stderr: None,
            },
            after_effect: false,
        }
    }

    /// Also requires `word` among the arguments (a zone's or a VNIC's name).
    pub fn and(mut self, word: &str) -> Fault {
        self.words.push(word.to_string());
        self
    }

    /// Only the `n`th matching command fails (1 is the first); the others run.
    pub fn nth(mut self, n: usize) -> Fault {
        self.nth = Some(n);
        self
    }

    /// The exit status (1 unless given).
    pub fn status(mut self, status: i32) -> Fault {
        if let Effect::Fail { status: s, .. } = &mut self.effect {
            *s = status;
        }
        self
    }

    /// What the command prints on standard error (a line naming the fault unless given).
    pub fn stderr(mut self, text: &str) -> Fault {
        if let Effect::Fail { stderr, .. } = &mut self.effect {
            *stderr = Some(text.to_string());
        }
        self
    }

    /// The command is stopped as by Ctrl-C: [`ExecError::Interrupted`], as the real runner
    /// reports a command it stopped.
    pub fn interrupt(mut self) -> Fault {
        self.effect = Effect::Interrupt;
        self
    }

    /// The command does not end by itself (a `zoneadm shutdown` still waiting for the
    /// zone): it runs until an interrupt or the caller's `give_up` stops it, which
    /// [`Runner::run_streaming_until`] asks as often as the real runner does, and then ends
    /// as stopped ([`ExecError::Interrupted`]). Its effect never happens.
    pub fn hang(mut self) -> Fault {
        self.effect = Effect::Hang;
        self
    }

    /// The command takes effect before it fails (a zonecfg that committed, a VNIC that was
    /// made); a failing `zoneadm install` leaves the zone `incomplete`, as illumos does.
    pub fn after_effect(mut self) -> Fault {
        self.after_effect = true;
        self
    }

    fn matches(&self, cmd: &CommandLine) -> bool {
        cmd.tool == self.tool && self.words.iter().all(|w| cmd.args.contains(w))
    }
}

/// A command's output, given verbatim instead of the model's answer.
#[derive(Debug, Clone)]
struct Replay {
    tool: Tool,
    args: Vec<String>,
    stdout: String,
}

/// How a command of the fake ends.
#[derive(Debug, Default)]
struct Reply {
    stdout: String,
    stderr: String,
    end: End,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum End {
    #[default]
    Ok,
    Failed(i32),
    Interrupted,
    /// Runs until stopped ([`Fault::hang`]).
    Hang,
}

/// How often a hanging command asks whether to stop before the fake gives up on the test.
const HANG_POLLS: usize = 100_000;

/// A refusal by the modelled tool: exit status 1 and a message.
#[derive(Debug)]
struct Refusal {
    status: i32,
    stderr: String,
}

fn refuse(message: impl Into<String>) -> Refusal {
    let mut stderr = message.into();
    // An empty message stands for "not modelled" until `execute` names the command.
    if !stderr.is_empty() && !stderr.ends_with('\n') {
        stderr.push('\n');
    }
    Refusal { status: 1, stderr }
}

type Answer = Result<String, Refusal>;

fn unsupported(tool: Tool, args: &[String]) -> Refusal {
    let words: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
    refuse(format!(
        "fake host: `{} {}` is not modelled",
        tool.name(),
        words.join(" ")
    ))
}

/// A zone with what the kernel and zonecfg add to it.
#[derive(Debug, Clone)]
struct Zone {
    zone: FakeZone,
    /// Kernel zone ID while it is up.
    id: Option<u64>,
    uuid: String,
}

#[derive(Debug, Default)]
struct State {
    zones: BTreeMap<String, Zone>,
    links: BTreeMap<String, Link>,
    faults: Vec<(Fault, usize)>,
    replays: Vec<Replay>,
    log: Vec<CommandLine>,
    next_id: u64,
    next_mac: u32,
    next_uuid: u32,
    /// How many times a booted zone's services answer `offline` before `online`.
    services_offline_polls: usize,
    /// ZFS filesystems: name → mountpoint.
    datasets: BTreeMap<String, String>,
    /// The `svcs` questions each zone was asked since it booted.
    services_polls: BTreeMap<String, usize>,
}

/// The fake host. Shared between a session and the test through an `Arc`; every method
/// takes `&self`.
#[derive(Debug, Default)]
pub struct FakeHost {
    commands: Commands,
    state: Mutex<State>,
}

impl FakeHost {
    /// A host with the global zone only and no links.
    /// A host with the global zone, no links, and the pool `rpool` with `rpool/zones`
    /// mounted at /zones (where zonepaths live unless a test says otherwise).
    pub fn new() -> FakeHost {
        let host = FakeHost::default();
        host.add_dataset("rpool", "/rpool");
        host.add_dataset("rpool/zones", "/zones");
        host
    }

    /// Adds a ZFS filesystem mounted at `mountpoint`.
    pub fn add_dataset(&self, name: &str, mountpoint: &str) -> &FakeHost {
        self.lock()
            .datasets
            .insert(name.to_string(), mountpoint.to_string());
        self
    }

    /// Removes a ZFS filesystem.
    pub fn remove_dataset(&self, name: &str) -> &FakeHost {
        self.lock().datasets.remove(name);
        self
    }

    /// A host with one etherstub, the usual pool stub.
    pub fn with_etherstub(name: &str) -> FakeHost {
        let host = FakeHost::new();
        host.add_link(name, LinkClass::Etherstub);
        host
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock leaves a state worth looking at.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an etherstub or a physical link (a VNIC: see [`FakeHost::add_vnic`]).
    pub fn add_link(&self, name: &str, class: LinkClass) -> &FakeHost {
        let mut st = self.lock();
        let link = st.new_link(class, "");
        st.links.insert(name.to_string(), link);
        self
    }

    /// Adds a VNIC over `over`, as if made with `dladm create-vnic` (not logged).
    pub fn add_vnic(&self, name: &str, over: &str) -> &FakeHost {
        let mut st = self.lock();
        let link = st.new_link(LinkClass::Vnic, over);
        st.links.insert(name.to_string(), link);
        self
    }

    /// Adds (or replaces) a zone, as if made by hand (not logged).
    pub fn add_zone(&self, zone: FakeZone) -> &FakeHost {
        let mut st = self.lock();
        let uuid = st.new_uuid();
        let id = zone.state.is_up().then(|| st.new_id());
        st.zones.insert(zone.name.clone(), Zone { zone, id, uuid });
        self
    }

    /// Makes the `n`th (or every) matching command fail, see [`Fault`].
    pub fn fault(&self, fault: Fault) -> &FakeHost {
        self.lock().faults.push((fault, 0));
        self
    }

    /// After each boot, a zone's services answer `offline` to the first `polls` questions
    /// (`zlogin Z 'svcs -H -o state FMRI'`), then `online`, as SMF comes up after
    /// `zoneadm boot` returned.
    pub fn services_after(&self, polls: usize) -> &FakeHost {
        self.lock().services_offline_polls = polls;
        self
    }

    /// Answers `tool args` with `stdout`, verbatim, instead of the model's answer; the model's
    /// state is not changed by a replayed command. Faults come first.
    pub fn replay(&self, tool: Tool, args: &[&str], stdout: &str) -> &FakeHost {
        self.lock().replays.push(Replay {
            tool,
            args: args.iter().map(|a| a.to_string()).collect(),
            stdout: stdout.to_string(),
        });
        self
    }

    /// The zones, the global zone left out, by name.
    pub fn zones(&self) -> Vec<FakeZone> {
        self.lock().zones.values().map(|z| z.zone.clone()).collect()
    }

    pub fn zone(&self, name: &str) -> Option<FakeZone> {
        self.lock().zones.get(name).map(|z| z.zone.clone())
    }

    /// The state of a zone, `None` when it is not configured.
    pub fn state(&self, name: &str) -> Option<ZoneState> {
        self.lock().zones.get(name).map(|z| z.zone.state)
    }

    /// The names of the VNICs, sorted.
    pub fn vnics(&self) -> Vec<String> {
        self.lock()
            .links
            .iter()
            .filter(|(_, l)| l.class == LinkClass::Vnic)
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The link a VNIC is made over, `None` when there is no such VNIC.
    pub fn vnic_over(&self, name: &str) -> Option<String> {
        self.lock()
            .links
            .get(name)
            .filter(|l| l.class == LinkClass::Vnic)
            .map(|l| l.over.clone())
    }

    /// Every command run, in order, with its standard input.
    pub fn calls(&self) -> Vec<CommandLine> {
        self.lock().log.clone()
    }

    /// Every command run, as `tool arg arg` (words quoted as a shell would need them).
    pub fn log(&self) -> Vec<String> {
        self.lock().log.iter().map(render).collect()
    }

    /// Like [`FakeHost::log`], without the commands that only look (`zoneadm list`,
    /// `dladm show-vnic`, `zonecfg info`, `svcs` in a zone).
    pub fn changes(&self) -> Vec<String> {
        self.lock()
            .log
            .iter()
            .filter(|c| !is_query(c))
            .map(render)
            .collect()
    }

    /// Forgets the commands run so far (after a test's setup).
    pub fn clear_log(&self) {
        self.lock().log.clear();
    }
}

/// A command as `tool arg arg`, without the tool's path.
pub fn render(cmd: &CommandLine) -> String {
    std::iter::once(cmd.tool.name().to_string())
        .chain(cmd.args.iter().map(|a| shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a command only reads the system's state.
fn is_query(cmd: &CommandLine) -> bool {
    let first = cmd.args.first().map(String::as_str);
    match cmd.tool {
        Tool::Zoneadm => first == Some("list"),
        Tool::Dladm => matches!(first, Some("show-vnic" | "show-link")),
        Tool::Zfs => first == Some("list"),
        Tool::Zonecfg => cmd.args.get(2).map(String::as_str) == Some("info"),
        Tool::Zlogin => cmd.args.get(1).is_some_and(|c| c.starts_with("svcs ")),
        _ => false,
    }
}

impl Runner for FakeHost {
    fn commands(&self) -> &Commands {
        &self.commands
    }

    fn run_streaming(
        &self,
        cmd: &CommandLine,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> Result<Output, ExecError> {
        self.run_streaming_until(cmd, on_line, &|| false)
    }

    fn run_streaming_until(
        &self,
        cmd: &CommandLine,
        on_line: &mut dyn FnMut(Stream, &str),
        give_up: &dyn Fn() -> bool,
    ) -> Result<Output, ExecError> {
        let reply = {
            let mut st = self.lock();
            st.log.push(cmd.clone());
            st.answer(cmd)
        };
        for line in reply.stdout.lines() {
            on_line(Stream::Stdout, line);
        }
        for line in reply.stderr.lines() {
            on_line(Stream::Stderr, line);
        }
        let command = cmd.display(self.commands());
        if reply.end == End::Hang {
            // The real runner's loop, without the waiting: asked until one says stop.
            for _ in 0..HANG_POLLS {
                if crate::host::interrupt::requested()
                    || (!crate::host::interrupt::shielded() && give_up())
                {
                    return Err(ExecError::Interrupted { command });
                }
            }
            panic!("fake host: `{}` hangs and nothing stops it", render(cmd));
        }
        match reply.end {
            End::Ok => Ok(Output {
                stdout: reply.stdout,
                stderr: reply.stderr,
            }),
            End::Failed(status) => Err(ExecError::Failed {
                command,
                status: format!("exit status {status}"),
                code: Some(status),
                stdout: reply.stdout,
                stderr: reply.stderr,
            }),
            End::Interrupted | End::Hang => Err(ExecError::Interrupted { command }),
        }
    }
}

impl State {
    fn new_link(&mut self, class: LinkClass, over: &str) -> Link {
        self.next_mac += 1;
        let m = self.next_mac;
        Link {
            class,
            over: over.to_string(),
            mac: format!(
                "2:8:20:{:x}:{:x}:{:x}",
                (m >> 16) & 0xff,
                (m >> 8) & 0xff,
                m & 0xff
            ),
        }
    }

    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn new_uuid(&mut self) -> String {
        self.next_uuid += 1;
        format!("4c1f2d3e-0000-4000-8000-{:012x}", self.next_uuid)
    }

    /// The first fault that fires for `cmd`; every matching fault counts the command.
    fn fault_for(&mut self, cmd: &CommandLine) -> Option<Fault> {
        let mut fired = None;
        for (fault, seen) in &mut self.faults {
            if !fault.matches(cmd) {
                continue;
            }
            *seen += 1;
            if fired.is_none() && fault.nth.is_none_or(|n| n == *seen) {
                fired = Some(fault.clone());
            }
        }
        fired
    }

    fn answer(&mut self, cmd: &CommandLine) -> Reply {
        let fault = self.fault_for(cmd);
        let outcome = match &fault {
            Some(f) if !f.after_effect => None,
            _ => Some(self.execute(cmd)),
        };
        let Some(fault) = fault else {
            return match outcome.expect("executed without a fault") {
                Ok(stdout) => Reply {
                    stdout,
                    ..Reply::default()
                },
                Err(r) => Reply {
                    stderr: r.stderr,
                    end: End::Failed(r.status),
                    ..Reply::default()
                },
            };
        };
        if matches!(outcome, Some(Ok(_))) && is_install(cmd) {
            // An install that fails half way leaves the zone incomplete.
            if let Some(z) = self.zones.get_mut(&cmd.args[1]) {
                z.zone.state = ZoneState::Incomplete;
            }
        }
        let stdout = match outcome {
            Some(Ok(out)) => out,
            _ => String::new(),
        };
        match fault.effect {
            Effect::Interrupt => Reply {
                stdout,
                stderr: String::new(),
                end: End::Interrupted,
            },
            Effect::Hang => Reply {
                stdout: String::new(),
                stderr: String::new(),
                end: End::Hang,
            },
            Effect::Fail { status, stderr } => Reply {
                stdout,
                stderr: stderr.unwrap_or_else(|| {
                    format!(
                        "{}: injected failure of `{}`\n",
                        cmd.tool.name(),
                        render(cmd)
                    )
                }),
                end: End::Failed(status),
            },
        }
    }

    fn execute(&mut self, cmd: &CommandLine) -> Answer {
        if let Some(r) = self
            .replays
            .iter()
            .find(|r| r.tool == cmd.tool && r.args == cmd.args)
        {
            return Ok(r.stdout.clone());
        }
        let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
        let answer = match cmd.tool {
            Tool::Zoneadm => self.zoneadm(&args),
            Tool::Zonecfg => self.zonecfg(&args, cmd.stdin.as_deref()),
            Tool::Dladm => self.dladm(&args),
            Tool::Pkg => self.pkg(&args),
            Tool::Zlogin => self.zlogin(&args),
            Tool::Zfs => self.zfs(&args),
            // Host preparation is tested through the simulator.
            Tool::Ipadm | Tool::Routeadm | Tool::Svcadm | Tool::Svcs => Err(refuse("")),
        };
        answer.map_err(|r| match r.stderr.as_str() {
            "" => unsupported(cmd.tool, &cmd.args),
            _ => r,
        })
    }

    // ---- zoneadm ----

    fn zoneadm(&mut self, args: &[&str]) -> Answer {
        match args {
            ["list", flags @ ..] => self.list(flags),
            ["-z", zone, sub, rest @ ..] => self.zoneadm_zone(zone, sub, rest),
            _ => Err(refuse("")),
        }
    }

    /// `zoneadm list -cp`: the global zone, then the others, parsable.
    fn list(&self, flags: &[&str]) -> Answer {
        let letters: String = flags
            .iter()
            .map(|f| f.strip_prefix('-').unwrap_or("?"))
            .collect();
        let mut sorted: Vec<char> = letters.chars().collect();
        sorted.sort_unstable();
        if sorted != ['c', 'p'] {
            return Err(refuse(""));
        }
        let mut out = String::from("0:global:running:/::ipkg:shared\n");
        for z in self.zones.values() {
            let id = z.id.map_or("-".to_string(), |i| i.to_string());
            out += &format!(
                "{id}:{}:{}:{}:{}:{}:{}\n",
                escape(&z.zone.name),
                z.zone.state,
                escape(&z.zone.zonepath),
                z.uuid,
                escape(&z.zone.brand),
                match z.zone.ip_type {
                    IpType::Exclusive => "excl",
                    IpType::Shared => "shared",
                }
            );
        }
        Ok(out)
    }

    fn zoneadm_zone(&mut self, zone: &str, sub: &str, rest: &[&str]) -> Answer {
        if zone == "global" {
            return Err(refuse(format!(
                "zoneadm: zone 'global': {sub} operation is invalid for the global zone."
            )));
        }
        let Some(state) = self.zones.get(zone).map(|z| z.zone.state) else {
            return Err(refuse(format!("zoneadm: {zone}: No such zone configured")));
        };
        let zerror = |m: &str| refuse(format!("zoneadm: zone '{zone}': {m}"));
        let invalid = || {
            refuse(format!(
                "zoneadm: zone '{zone}': {sub} operation is invalid for {state} zones."
            ))
        };
        match (sub, rest) {
            ("install", rest) => {
                let (publisher, packages) = install_packages(rest).ok_or_else(|| {
                    refuse(format!(
                        "usage:\tinstall [-h] [-x nodataset] [-P publisher=uri] [-e extrapkg ...]\nzoneadm: zone '{zone}': bad install arguments"
                    ))
                })?;
                match state {
                    ZoneState::Configured => {}
                    ZoneState::Installed => return Err(zerror("is already installed.")),
                    ZoneState::Incomplete => {
                        return Err(zerror("zone is incomplete; uninstall required."));
                    }
                    _ => return Err(invalid()),
                }
                let z = self.zone_mut(zone);
                z.state = ZoneState::Installed;
                z.packages.extend(packages);
                z.publishers = publisher.map(|(n, o)| (n, vec![o])).into_iter().collect();
                Ok(format!(
                    "       Image: Preparing at {}/root.\n        Done: Installation completed in 1.000 seconds.\n",
                    z.zonepath
                ))
            }
            ("uninstall", ["-F"]) => match state {
                ZoneState::Installed | ZoneState::Incomplete => {
                    let z = self.zone_mut(zone);
                    z.state = ZoneState::Configured;
                    z.packages.clear();
                    z.publishers.clear();
                    Ok(String::new())
                }
                ZoneState::Configured => Err(zerror("is already in state 'configured'.")),
                _ => Err(invalid()),
            },
            ("uninstall", []) => Err(zerror(
                "Input not from terminal and -F not specified: uninstall not done.",
            )),
            ("boot", []) => {
                match state {
                    ZoneState::Installed => {}
                    ZoneState::Running => return Err(zerror("zone is already booted")),
                    s if !s.is_installed() || s == ZoneState::Incomplete => {
                        return Err(zerror("must be installed before boot."));
                    }
                    _ => return Err(invalid()),
                }
                let z = &self.zones[zone].zone;
                if z.ip_type == IpType::Exclusive
                    && let Some(n) = z
                        .nets
                        .iter()
                        .find(|n| !self.links.contains_key(&n.physical))
                {
                    return Err(refuse(format!(
                        "zone '{zone}': failed to add network device: {}: object not found\nzoneadm: zone '{zone}': call to zoneadmd failed",
                        n.physical
                    )));
                }
                let id = self.new_id();
                let z = self.zones.get_mut(zone).expect("checked above");
                z.zone.state = ZoneState::Running;
                z.id = Some(id);
                // SMF starts anew with every boot.
                self.services_polls.remove(zone);
                Ok(String::new())
            }
            ("halt", []) => {
                if !state.is_up() {
                    return Err(match state {
                        ZoneState::Installed => zerror("zone is already halted"),
                        _ => zerror("must be installed before halt."),
                    });
                }
                let z = self.zones.get_mut(zone).expect("checked above");
                z.zone.state = ZoneState::Installed;
                z.id = None;
                Ok(String::new())
            }
            // zoneadmd's graceful way: the zone's services stop, and it is down (and, with
            // -r, booted again).
            ("shutdown", rest @ ([] | ["-r"])) => {
                if state != ZoneState::Running {
                    return Err(zerror("not running"));
                }
                let again = !rest.is_empty();
                let id = if again { Some(self.new_id()) } else { None };
                let z = self.zones.get_mut(zone).expect("checked above");
                z.id = id;
                if !again {
                    z.zone.state = ZoneState::Installed;
                }
                Ok(String::new())
            }
            ("reboot", []) => {
                if state != ZoneState::Running {
                    return Err(zerror("not running"));
                }
                let id = self.new_id();
                self.zones.get_mut(zone).expect("checked above").id = Some(id);
                Ok(String::new())
            }
            _ => Err(refuse("")),
        }
    }

    fn zone_mut(&mut self, zone: &str) -> &mut FakeZone {
        &mut self.zones.get_mut(zone).expect("the caller checked").zone
    }

    // ---- zonecfg ----

    fn zonecfg(&mut self, args: &[&str], stdin: Option<&str>) -> Answer {
        match args {
            ["-z", zone, "-f", "-"] => self.configure(zone, stdin.unwrap_or_default()),
            ["-z", zone, "info"] => match self.zones.get(*zone) {
                Some(z) => Ok(info_text(&z.zone)),
                None => Err(refuse(format!("{zone}: No such zone configured"))),
            },
            ["-z", zone, "delete", rest @ ..] => {
                if rest != ["-F"] {
                    return Err(refuse(
                        "Input not from terminal and -F not specified:\ndelete command ignored, exiting.",
                    ));
                }
                match self.zones.get(*zone) {
                    None => Err(refuse(format!("{zone}: No such zone configured"))),
                    // Stricter than illumos, which deletes it and orphans the zone's files.
                    Some(z) if z.zone.state.is_installed() => Err(refuse(format!(
                        "{zone}: Zone state is invalid for the requested operation (fake host: the zone is {}; uninstall it first)",
                        z.zone.state
                    ))),
                    Some(_) => {
                        self.zones.remove(*zone);
                        Ok(String::new())
                    }
                }
            }
            _ => Err(refuse("")),
        }
    }

    /// `zonecfg -z ZONE -f -`: runs the command file as `host::zonecfg::create_script`
    /// writes it. What was committed stays, as on illumos; zonecfg commits at the end too.
    fn configure(&mut self, zone: &str, script: &str) -> Answer {
        if zone == "global" {
            return Err(refuse(
                "fake host: the global zone's configuration is not modelled",
            ));
        }
        let mut draft: Option<FakeZone> = self.zones.get(zone).map(|z| z.zone.clone());
        let mut scope: Option<FakeResource> = None;
        let mut dirty = false;
        let mut last = 0;
        for (n, raw) in script.lines().enumerate() {
            last = n + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |m: &str| {
                refuse(format!(
                    "On line {} of -:\nzonecfg:{zone}:{}: {m}",
                    n + 1,
                    n + 1
                ))
            };
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            let rest = rest.trim();
            match word {
                "create" => {
                    if scope.is_some() {
                        return Err(at("create is not allowed inside a resource"));
                    }
                    if !matches!(rest, "" | "-b") {
                        return Err(at(&format!("fake host: `create {rest}` is not modelled")));
                    }
                    if self.zones.contains_key(zone) {
                        return Err(at(&format!(
                            "Zone {zone} already exists; create anyway? Input not from terminal and -F not specified: create command ignored, exiting."
                        )));
                    }
                    let mut z = FakeZone::new(zone, "");
                    z.state = ZoneState::Configured;
                    z.zonepath = String::new();
                    draft = Some(z);
                    dirty = true;
                }
                "set" => {
                    let Some((prop, value)) = rest.split_once('=') else {
                        return Err(at("syntax error: set PROPERTY=VALUE expected"));
                    };
                    let (prop, value) = (prop.trim(), value_text(value.trim()));
                    match (&mut scope, &mut draft) {
                        (_, None) => return Err(at(&format!("{zone}: No such zone configured"))),
                        (Some(res), _) => set_prop(&mut res.properties, prop, value),
                        (None, Some(z)) => set_global(z, prop, value).map_err(|m| at(&m))?,
                    }
                    dirty = true;
                }
                "add" => match &mut scope {
                    None => {
                        if draft.is_none() {
                            return Err(at(&format!("{zone}: No such zone configured")));
                        }
                        if rest != "net" && !crate::model::zonecfg_value::is_resource_type(rest) {
                            return Err(at(&format!("unknown resource type `{rest}`")));
                        }
                        scope = Some(FakeResource {
                            kind: rest.to_string(),
                            properties: Vec::new(),
                        });
                    }
                    Some(res) => {
                        let Some((prop, value)) = rest.split_once(' ') else {
                            return Err(at("syntax error: add PROPERTY (…) expected"));
                        };
                        res.properties
                            .push((prop.to_string(), value.trim().to_string()));
                    }
                },
                "end" => {
                    let Some(res) = scope.take() else {
                        return Err(at("end is only allowed inside a resource"));
                    };
                    let z = draft.as_mut().expect("a resource needs a zone");
                    if res.kind == "net" {
                        let net = net_of(res);
                        if net.physical.is_empty() {
                            return Err(at("net: physical not specified"));
                        }
                        z.nets.push(net);
                    } else {
                        z.resources.push(res);
                    }
                    dirty = true;
                }
                "commit" => {
                    if scope.is_some() {
                        return Err(at("resource incomplete; use end first"));
                    }
                    self.commit(draft.as_ref()).map_err(|m| at(&m))?;
                    dirty = false;
                }
                _ => return Err(at(&format!("fake host: `{line}` is not modelled"))),
            }
        }
        if scope.is_some() {
            return Err(refuse(format!(
                "On line {last} of -:\nzonecfg:{zone}:{last}: resource incomplete"
            )));
        }
        if dirty {
            self.commit(draft.as_ref())
                .map_err(|m| refuse(format!("zonecfg:{zone}: {m}")))?;
        }
        Ok(String::new())
    }

    /// Stores a configuration after checking what zonecfg's verify would.
    fn commit(&mut self, draft: Option<&FakeZone>) -> Result<(), String> {
        let Some(z) = draft else {
            return Err("nothing to commit".into());
        };
        if z.brand.is_empty() {
            return Err("brand not specified".into());
        }
        if !z.zonepath.starts_with('/') {
            return Err(format!("zonepath `{}` is not an absolute path", z.zonepath));
        }
        if z.ip_type == IpType::Shared
            && let Some(n) = z.nets.iter().find(|n| n.address.is_none())
        {
            return Err(format!("net {}: address not specified", n.physical));
        }
        match self.zones.get_mut(&z.name) {
            Some(existing) => existing.zone = z.clone(),
            None => {
                let uuid = self.new_uuid();
                self.zones.insert(
                    z.name.clone(),
                    Zone {
                        zone: z.clone(),
                        id: None,
                        uuid,
                    },
                );
            }
        }
        Ok(())
    }

    // ---- dladm ----

    /// `zfs list -H -t filesystem -o name,mountpoint`: TAB-separated, no header.
    fn zfs(&mut self, args: &[&str]) -> Answer {
        match args {
            ["list", "-H", "-t", "filesystem", "-o", "name,mountpoint"] => Ok(self
                .datasets
                .iter()
                .map(|(n, m)| format!("{n}\t{m}\n"))
                .collect()),
            _ => Err(refuse("")),
        }
    }

    fn dladm(&mut self, args: &[&str]) -> Answer {
        match args {
            ["show-vnic", rest @ ..] => self.show_vnic(rest),
            ["show-link", "-p", "-o", "link,class"] => Ok(self
                .links
                .iter()
                .map(|(name, l)| {
                    let class = match l.class {
                        LinkClass::Phys => "phys",
                        LinkClass::Etherstub => "etherstub",
                        LinkClass::Vnic => "vnic",
                    };
                    format!("{name}:{class}\n")
                })
                .collect()),
            ["create-vnic", "-l", over, name] => {
                if crate::model::names::link_name_error(name).is_some() {
                    return Err(refuse(format!("dladm: invalid link name '{name}'")));
                }
                match self.links.get(*over).map(|l| l.class) {
                    None => return Err(refuse(format!("dladm: invalid link name '{over}'"))),
                    Some(LinkClass::Vnic) => {
                        return Err(refuse(format!(
                            "dladm: vnic creation over {over} failed: operation not supported"
                        )));
                    }
                    Some(_) => {}
                }
                if self.links.contains_key(*name) {
                    return Err(refuse(format!(
                        "dladm: vnic creation over {over} failed: object already exists"
                    )));
                }
                let link = self.new_link(LinkClass::Vnic, over);
                self.links.insert(name.to_string(), link);
                Ok(String::new())
            }
            ["delete-vnic", name] => {
                if self.links.get(*name).map(|l| l.class) != Some(LinkClass::Vnic) {
                    return Err(refuse(format!("dladm: invalid link name '{name}'")));
                }
                if self.user_of(name).is_some() {
                    return Err(refuse("dladm: vnic deletion failed: link busy"));
                }
                self.links.remove(*name);
                Ok(String::new())
            }
            _ => Err(refuse("")),
        }
    }

    /// The zone that has `link` while it is up (an exclusive-IP zone's VNIC).
    fn user_of(&self, link: &str) -> Option<&str> {
        self.zones
            .values()
            .find(|z| {
                z.zone.state.is_up()
                    && z.zone.ip_type == IpType::Exclusive
                    && z.zone.nets.iter().any(|n| n.physical == link)
            })
            .map(|z| z.zone.name.as_str())
    }

    /// `dladm show-vnic -p -o FIELDS`: VNICs, and etherstubs with only LINK filled.
    fn show_vnic(&self, rest: &[&str]) -> Answer {
        let fields: Vec<String> = match rest {
            ["-p", "-o", f] | ["-o", f, "-p"] => {
                f.split(',').map(|x| x.to_ascii_uppercase()).collect()
            }
            _ => return Err(refuse("")),
        };
        let known = ["LINK", "OVER", "MACADDRESS", "VID", "ZONE"];
        if let Some(bad) = fields.iter().find(|f| !known.contains(&f.as_str())) {
            return Err(refuse(format!("dladm: invalid field(s) specified: {bad}")));
        }
        let many = fields.len() > 1;
        let mut out = String::new();
        for (name, link) in &self.links {
            let vnic = match link.class {
                LinkClass::Vnic => true,
                LinkClass::Etherstub => false,
                LinkClass::Phys => continue,
            };
            let values: Vec<String> = fields
                .iter()
                .map(|f| match (f.as_str(), vnic) {
                    ("LINK", _) => name.clone(),
                    (_, false) => String::new(),
                    ("OVER", _) => link.over.clone(),
                    ("MACADDRESS", _) => link.mac.clone(),
                    ("VID", _) => "0".into(),
                    _ => self.user_of(name).unwrap_or("--").to_string(),
                })
                .map(|v| if many { escape(&v) } else { v })
                .collect();
            out += &values.join(":");
            out.push('\n');
        }
        Ok(out)
    }

    // ---- pkg, zlogin ----

    /// `pkg -R ZONEPATH/root install PACKAGE…` into an installed zone's image.
    fn pkg(&mut self, args: &[&str]) -> Answer {
        let (root, sub, rest) = match args {
            ["-R", root, sub @ ("install" | "set-publisher"), rest @ ..] => (*root, *sub, rest),
            _ => return Err(refuse("")),
        };
        let zone = self.zones.values_mut().find(|z| {
            format!("{}/root", z.zone.zonepath) == *root
                && z.zone.state.is_installed()
                && z.zone.state != ZoneState::Incomplete
        });
        let Some(z) = zone else {
            return Err(refuse(format!("pkg: No image rooted at '{root}'")));
        };
        if sub == "set-publisher" {
            // [-g ORIGIN]… [-m MIRROR]… NAME
            let Some((name, opts)) = rest.split_last() else {
                return Err(refuse(""));
            };
            let mut uris = Vec::new();
            for pair in opts.chunks(2) {
                match pair {
                    ["-g", o] => uris.push(o.to_string()),
                    ["-m", m] => uris.push(format!("m:{m}")),
                    _ => return Err(refuse("")),
                }
            }
            match z.zone.publishers.iter_mut().find(|(n, _)| n == name) {
                Some((_, have)) => have.extend(uris),
                None => z.zone.publishers.push((name.to_string(), uris)),
            }
            return Ok(String::new());
        }
        let packages = rest;
        let new: Vec<String> = packages
            .iter()
            .filter(|p| !z.zone.packages.iter().any(|h| h == *p))
            .map(|p| p.to_string())
            .collect();
        if new.is_empty() {
            // pkg(1), EXIT STATUS 4: no changes were made, nothing to do.
            return Err(Refusal {
                status: 4,
                stderr: "\nNo updates necessary for this image.\n".into(),
            });
        }
        let count = new.len();
        z.zone.packages.extend(new);
        Ok(format!("Packages to install: {count:>5}\n"))
    }

    /// `zlogin ZONE WORD…`: runs nothing; a running zone answers with no output.
    fn zlogin(&mut self, args: &[&str]) -> Answer {
        let [zone, words @ ..] = args else {
            return Err(refuse(""));
        };
        if words.is_empty() {
            return Err(refuse("fake host: interactive zlogin is not modelled"));
        }
        match self.zones.get(*zone).map(|z| z.zone.state) {
            None => Err(refuse(format!("zlogin: zone '{zone}' unknown"))),
            Some(ZoneState::Running) => {
                // zmgr passes the command as one string for the zone's shell.
                let line = words.join(" ");
                if line.starts_with("svcs -H -o state ") {
                    let asked = self.services_polls.entry(zone.to_string()).or_default();
                    *asked += 1;
                    let up = *asked > self.services_offline_polls;
                    return Ok(if up { "online\n" } else { "offline\n" }.to_string());
                }
                Ok(String::new())
            }
            Some(s) => Err(refuse(format!(
                "zlogin: login allowed only to running zones ({zone} is '{s}')."
            ))),
        }
    }
}

fn is_install(cmd: &CommandLine) -> bool {
    cmd.tool == Tool::Zoneadm
        && cmd.args.len() >= 3
        && cmd.args[0] == "-z"
        && cmd.args[2] == "install"
}

/// What `install` was given: the publisher of its last `-P` (name, origin), and the packages.
type InstallArgs = (Option<(String, String)>, Vec<String>);

/// The packages of `install [-P NAME=ORIGIN] [-e PACKAGE]…`, read as the brand's getopts
/// reads them (pkg5 `src/brand/pkgcreatezone`): each `-e` takes one package, `-P` may be
/// given again (the last counts), and the first word that is not an option ends the options
/// (the rest is ignored). `None` when an option lacks its argument.
fn install_packages(rest: &[&str]) -> Option<InstallArgs> {
    let mut packages = Vec::new();
    let mut publisher = None;
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            "-P" => {
                let p = rest.get(i + 1)?;
                let (name, origin) = p.split_once('=')?;
                if name.is_empty() || origin.is_empty() {
                    return None;
                }
                publisher = Some((name.to_string(), origin.to_string()));
                i += 2;
            }
            "-e" => {
                packages.push(rest.get(i + 1)?.to_string());
                i += 2;
            }
            _ => break,
        }
    }
    Some((publisher, packages))
}

/// `\:` and `\\` for a field of parsable output.
fn escape(field: &str) -> String {
    field.replace('\\', "\\\\").replace(':', "\\:")
}

/// A value of `set prop=VALUE` as `info` prints it: quotes removed, lists as `[a,b]`.
fn value_text(v: &str) -> String {
    let unquote = |s: &str| {
        s.strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .unwrap_or(s)
            .to_string()
    };
    match v.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        Some(items) => {
            let items: Vec<String> = items.split(',').map(|i| unquote(i.trim())).collect();
            format!("[{}]", items.join(","))
        }
        None => unquote(v),
    }
}

fn set_prop(props: &mut Vec<(String, String)>, prop: &str, value: String) {
    match props.iter_mut().find(|(k, _)| k == prop) {
        Some((_, v)) => *v = value,
        None => props.push((prop.to_string(), value)),
    }
}

fn set_global(z: &mut FakeZone, prop: &str, value: String) -> Result<(), String> {
    match prop {
        "brand" => z.brand = value,
        "zonepath" => z.zonepath = value,
        "autoboot" => {
            z.autoboot = match value.as_str() {
                "true" => true,
                "false" => false,
                v => return Err(format!("autoboot: invalid value `{v}`")),
            }
        }
        "ip-type" => {
            z.ip_type =
                IpType::parse(&value).ok_or_else(|| format!("ip-type: invalid value `{value}`"))?
        }
        "zonename" => return Err("fake host: renaming a zone is not modelled".into()),
        _ => set_prop(&mut z.properties, prop, value),
    }
    Ok(())
}

fn net_of(res: FakeResource) -> FakeNet {
    let mut net = FakeNet::default();
    for (k, v) in res.properties {
        match k.as_str() {
            "physical" => net.physical = v,
            "address" => net.address = Some(v),
            "allowed-address" => net.allowed_address = Some(v),
            "defrouter" => net.defrouter = Some(v),
            _ => net.other.push((k, v)),
        }
    }
    net
}

/// The global properties `info` always prints, empty ones with the space after the colon.
const INFO_GLOBALS: &[&str] = &[
    "bootargs",
    "pool",
    "limitpriv",
    "scheduling-class",
    "ip-type",
    "hostid",
    "fs-allowed",
];

/// The order in which `info` prints resource blocks; other kinds follow.
const INFO_ORDER: &[&str] = &[
    "fs",
    "net",
    "device",
    "dedicated-cpu",
    "capped-cpu",
    "capped-memory",
    "rctl",
    "attr",
    "dataset",
    "admin",
    "security-flags",
];

/// A value as `info` prints it: one with a space in double quotes.
fn info_value(v: &str) -> String {
    let plain = v.starts_with('[') || v.starts_with('(') || !v.contains(char::is_whitespace);
    if plain {
        v.to_string()
    } else {
        format!("\"{v}\"")
    }
}

/// `zonecfg -z ZONE info`, in the layout illumos prints and `zonecfg::parse_info` reads.
fn info_text(z: &FakeZone) -> String {
    let mut s = format!(
        "zonename: {}\nzonepath: {}\nbrand: {}\nautoboot: {}\n",
        z.name, z.zonepath, z.brand, z.autoboot
    );
    let prop = |k: &str| {
        z.properties
            .iter()
            .find(|(p, _)| p == k)
            .map(|(_, v)| v.as_str())
    };
    for k in INFO_GLOBALS {
        let v = match *k {
            "ip-type" => z.ip_type.as_str(),
            _ => prop(k).unwrap_or(""),
        };
        s += &format!("{k}: {}\n", info_value(v));
    }
    // Resource controls set as global properties print as their alias, in brackets.
    for (k, v) in z
        .properties
        .iter()
        .filter(|(k, _)| !INFO_GLOBALS.contains(&k.as_str()))
    {
        s += &format!("[{k}: {}]\n", info_value(v));
    }
    let opt = |s: &mut String, k: &str, v: &Option<String>| match v {
        Some(v) => *s += &format!("\t{k}: {}\n", info_value(v)),
        None => *s += &format!("\t{k} not specified\n"),
    };
    let mut kinds: Vec<&str> = INFO_ORDER.to_vec();
    for r in &z.resources {
        if !kinds.contains(&r.kind.as_str()) {
            kinds.push(&r.kind);
        }
    }
    for kind in kinds {
        if kind == "net" {
            for n in &z.nets {
                s += "net:\n";
                opt(&mut s, "address", &n.address);
                opt(&mut s, "allowed-address", &n.allowed_address);
                opt(&mut s, "defrouter", &n.defrouter);
                s += &format!("\tphysical: {}\n", n.physical);
                for (k, v) in &n.other {
                    s += &format!("\t{k}: {}\n", info_value(v));
                }
            }
            continue;
        }
        for r in z.resources.iter().filter(|r| r.kind == kind) {
            s += &format!("{kind}:\n");
            for (k, v) in &r.properties {
                s += &format!("\t{k}: {}\n", info_value(v));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{dladm, zoneadm, zonecfg};

    fn fake() -> FakeHost {
        FakeHost::with_etherstub("stub0")
    }

    fn spec_script(extras: &crate::model::template::ZonecfgExtras) -> String {
        zonecfg::create_script(&zonecfg::ZoneSpec {
            brand: "ipkg",
            zonepath: "/zones/a:b",
            autoboot: true,
            ip_type: IpType::Exclusive,
            nets: vec![zonecfg::SpecNet {
                physical: "web1_0".into(),
                address: Some("192.0.2.10/24".into()),
                defrouter: Some("192.0.2.1".into()),
            }],
            extras,
        })
        .unwrap()
    }

    #[test]
    fn configured_zone_reads_back_through_the_real_parsers() {
        use crate::model::template::{
            Attr, Resource, ResourceProperty, ResourceValue, ZonecfgExtras,
        };
        let extras = ZonecfgExtras {
            properties: vec![
                ("limitpriv".into(), "default,dtrace_proc".into()),
                ("cpu-shares".into(), "2".into()),
            ],
            attrs: vec![Attr {
                name: "comment".into(),
                ty: "string".into(),
                value: "two words".into(),
            }],
            resources: vec![Resource {
                kind: "fs".into(),
                properties: vec![
                    ResourceProperty {
                        name: "dir".into(),
                        value: ResourceValue::Simple("/data".into()),
                    },
                    ResourceProperty {
                        name: "options".into(),
                        value: ResourceValue::List(vec!["ro".into(), "nodevices".into()]),
                    },
                ],
            }],
        };
        let host = fake();
        host.run(&zonecfg::configure("web1", &spec_script(&extras)))
            .unwrap();
        let listed = zoneadm::find(&host, "web1").unwrap().unwrap();
        assert_eq!(listed.state, ZoneState::Configured);
        assert_eq!(listed.zonepath, "/zones/a:b");
        assert_eq!(listed.ip_type, IpType::Exclusive);
        assert_eq!(listed.id, None);
        let info = zonecfg::info(&host, "web1").unwrap();
        assert_eq!(info.global("brand"), Some("ipkg"));
        assert_eq!(info.global("autoboot"), Some("true"));
        assert_eq!(info.global("limitpriv"), Some("default,dtrace_proc"));
        assert_eq!(info.global("cpu-shares"), Some("2"));
        assert_eq!(info.global("bootargs"), None);
        let nets = info.nets();
        assert_eq!(nets.len(), 1);
        assert_eq!(nets[0].physical, "web1_0");
        assert_eq!(nets[0].addresses, ["192.0.2.10/24"]);
        let net = info.resources_of("net").next().unwrap();
        assert_eq!(net.get("defrouter"), Some("192.0.2.1"));
        assert_eq!(net.get("address"), None);
        let attr = info.resources_of("attr").next().unwrap();
        assert_eq!(attr.get("value"), Some("two words"));
        let fs = info.resources_of("fs").next().unwrap();
        assert_eq!(fs.get("options"), Some("[ro,nodevices]"));
        // The global zone is listed, as illumos does, and left out by `list`.
        let raw = host.run(&zoneadm::list_all()).unwrap().stdout;
        assert!(
            raw.starts_with("0:global:running:/::ipkg:shared\n"),
            "{raw}"
        );
        assert_eq!(zoneadm::list(&host).unwrap().len(), 1);
    }

    #[test]
    fn zone_states_follow_illumos() {
        let host = fake();
        let z = "web1";
        let script = spec_script(&Default::default());
        host.run(&dladm::create_vnic("stub0", "web1_0")).unwrap();
        // The whole of standard error: zonecfg -f starts its messages with "On line N of -:".
        let err = |c: CommandLine| {
            let e = host.run(&c).unwrap_err();
            format!("{e}\n{}", e.stderr().unwrap_or_default())
        };
        assert!(err(zoneadm::boot(z)).contains("No such zone configured"));
        host.run(&zonecfg::configure(z, &script)).unwrap();
        assert!(err(zonecfg::configure(z, &script)).contains("already exists"));
        assert!(err(zoneadm::boot(z)).contains("must be installed before boot."));
        assert!(err(zoneadm::uninstall(z)).contains("is already in state 'configured'."));
        host.run(&zoneadm::install(
            z,
            Some(("p", "http://x")),
            &["pkg:/a".into()],
        ))
        .unwrap();
        assert_eq!(host.zone(z).unwrap().packages, ["pkg:/a"]);
        assert!(err(zoneadm::install(z, None, &[])).contains("is already installed."));
        assert!(err(zonecfg::delete(z)).contains("uninstall it first"));
        assert!(err(zoneadm::halt(z)).contains("already halted"));
        host.run(&zoneadm::boot(z)).unwrap();
        assert_eq!(host.state(z), Some(ZoneState::Running));
        assert_eq!(zoneadm::find(&host, z).unwrap().unwrap().id, Some(1));
        assert!(err(dladm::delete_vnic("web1_0")).contains("link busy"));
        assert!(err(zoneadm::uninstall(z)).contains("invalid for running zones"));
        let zone_field = host
            .run(&CommandLine::new(
                Tool::Dladm,
                ["show-vnic", "-p", "-o", "LINK,ZONE"],
            ))
            .unwrap()
            .stdout;
        assert!(
            zone_field.contains(&format!("web1_0:{}", escape(z))),
            "{zone_field}"
        );
        host.run(&crate::host::zlogin::run(z, &["true".into()]))
            .unwrap();
        host.run(&crate::host::pkg::install_in_image(
            "/zones/a:b/root",
            &["pkg:/b".into()],
        ))
        .unwrap();
        host.run(&zoneadm::halt(z)).unwrap();
        assert!(
            err(crate::host::zlogin::run(z, &["true".into()])).contains("only to running zones")
        );
        host.run(&zoneadm::uninstall(z)).unwrap();
        host.run(&zonecfg::delete(z)).unwrap();
        host.run(&dladm::delete_vnic("web1_0")).unwrap();
        assert!(host.zones().is_empty());
        assert!(host.vnics().is_empty());
    }

    #[test]
    fn vnics_need_a_link_to_go_over_and_a_free_name() {
        let host = fake();
        host.add_vnic("old0", "stub0");
        let err = |c: CommandLine| host.run(&c).unwrap_err().to_string();
        assert!(err(dladm::create_vnic("nosuch0", "a0")).contains("invalid link name 'nosuch0'"));
        assert!(err(dladm::create_vnic("stub0", "old0")).contains("object already exists"));
        assert!(err(dladm::delete_vnic("gone0")).contains("invalid link name 'gone0'"));
        host.run(&dladm::create_vnic("stub0", "new0")).unwrap();
        assert_eq!(host.vnic_over("new0").as_deref(), Some("stub0"));
        let raw = host.run(&dladm::show_vnics()).unwrap().stdout;
        // Etherstubs are listed with only their name.
        assert!(raw.contains("stub0:\n"), "{raw}");
        assert!(raw.contains("new0:stub0\n"), "{raw}");
        let v = dladm::vnics(&host).unwrap();
        assert_eq!(
            v.iter().map(|v| v.link.as_str()).collect::<Vec<_>>(),
            ["new0", "old0"]
        );
        assert!(v.iter().all(|v| v.over == "stub0"));
    }

    #[test]
    fn records_every_command_with_its_input() {
        let host = fake();
        let script = spec_script(&Default::default());
        host.run(&zonecfg::configure("web1", &script)).unwrap();
        let _ = host.run(&zoneadm::list_all());
        let _ = host.run(&zoneadm::boot("web1"));
        let calls = host.calls();
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0].stdin.as_deref(), Some(script.as_str()));
        assert_eq!(
            host.log(),
            [
                "zonecfg -z web1 -f -",
                "zoneadm list -cp",
                "zoneadm -z web1 boot"
            ]
        );
        assert_eq!(
            host.changes(),
            ["zonecfg -z web1 -f -", "zoneadm -z web1 boot"]
        );
        host.clear_log();
        assert!(host.log().is_empty());
        assert!(
            host.run(&CommandLine::new(
                Tool::Zoneadm,
                ["-z", "web1", "mark", "incomplete"]
            ))
            .unwrap_err()
            .to_string()
            .contains("is not modelled")
        );
    }

    #[test]
    fn faults_fail_the_nth_matching_command_like_the_real_runner() {
        let host = fake();
        host.fault(
            Fault::on(Tool::Dladm, "create-vnic")
                .nth(2)
                .status(3)
                .stderr("dladm: vnic creation over stub0 failed: no space\n"),
        );
        host.run(&dladm::create_vnic("stub0", "a0")).unwrap();
        let err = host.run(&dladm::create_vnic("stub0", "b0")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`/usr/sbin/dladm create-vnic -l stub0 b0` failed (exit status 3): dladm: vnic creation over stub0 failed: no space"
        );
        assert!(matches!(err, ExecError::Failed { .. }));
        host.run(&dladm::create_vnic("stub0", "c0")).unwrap();
        assert_eq!(host.vnics(), ["a0", "c0"]);

        // Every matching command, only for the words given; a failure may come after the
        // command took effect.
        host.fault(Fault::on(Tool::Zonecfg, "-f").and("late").after_effect());
        host.fault(
            Fault::on(Tool::Zoneadm, "install")
                .and("late")
                .after_effect()
                .interrupt(),
        );
        let script = spec_script(&Default::default());
        assert!(host.run(&zonecfg::configure("late", &script)).is_err());
        assert_eq!(host.state("late"), Some(ZoneState::Configured));
        let err = host.run(&zoneadm::install("late", None, &[])).unwrap_err();
        assert!(matches!(err, ExecError::Interrupted { .. }), "{err}");
        assert_eq!(host.state("late"), Some(ZoneState::Incomplete));
        host.run(&zonecfg::configure("other", &script)).unwrap();
    }

    #[test]
    fn replays_verbatim_output() {
        let host = fake();
        let text = "zonename: vm1\nzonepath: /zones/vm1\nbrand: bhyve\nip-type: exclusive\nnet:\n\tallowed-address: 10.0.0.112/24\n\tphysical: bhyve0\n\tproperty: (name=gateway,value=\"10.0.0.1\")\n";
        host.replay(Tool::Zonecfg, &["-z", "vm1", "info"], text);
        let info = zonecfg::info(&host, "vm1").unwrap();
        assert_eq!(info.global("brand"), Some("bhyve"));
        assert_eq!(info.nets()[0].addresses, ["10.0.0.112/24"]);
        assert!(host.zone("vm1").is_none());
    }
}
