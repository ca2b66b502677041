//! `zmgr host check` and `zmgr host setup`: what the global zone needs before the first
//! create, checked read-only, and made when missing.
//!
//! - the zonepath base is the mountpoint of a mounted ZFS filesystem (zoneadm creates each
//!   zone's dataset under it; the ipkg brand refuses a zonepath without one);
//! - each pool's stub link exists, as an etherstub or a physical link;
//! - a pool over an etherstub has its gateway address on a global-zone interface over the
//!   stub (this host routes the private network);
//! - a pool with `nat "LINK"`: IPv4 forwarding on, an ipnat `map` rule for the pool's network
//!   on LINK in the NAT rules file, and IP Filter online;
//! - each publisher origin is a well-formed URI.
//!
//! `setup` makes only what `check` found missing, each step recorded with its undo like a
//! create, and undone in reverse when a later step fails. It never changes a link, address or
//! rule it did not make: what exists but is wrong is reported for a person.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::exec::CommandLine;
use crate::host::{dladm, ipadm, routeadm, svc, zfs};
use crate::model::pool::Pool;
use crate::ops::session::Session;
use crate::store::registry::Registry;

/// How a prerequisite stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    /// Not there; `host setup` can make it.
    Missing,
    /// There, but not as needed; a person must look.
    Wrong,
}

/// One prerequisite of the host.
#[derive(Debug, Clone, Serialize)]
pub struct Prerequisite {
    /// What is checked: "zonepath base /zones", "pool lan: stub stub0"…
    pub subject: String,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// The commands that fix it, as typed; for a person when the status is `wrong`.
    pub fix: Vec<String>,
    /// What `setup` does for a missing prerequisite.
    #[serde(skip)]
    steps: Vec<Step>,
}

impl Prerequisite {
    fn ok(subject: impl Into<String>, detail: impl Into<String>) -> Prerequisite {
        Prerequisite {
            subject: subject.into(),
            status: Status::Ok,
            detail: detail.into(),
            fix: Vec::new(),
            steps: Vec::new(),
        }
    }

    fn wrong(
        subject: impl Into<String>,
        detail: impl Into<String>,
        fix: Vec<String>,
    ) -> Prerequisite {
        Prerequisite {
            subject: subject.into(),
            status: Status::Wrong,
            detail: detail.into(),
            fix,
            steps: Vec::new(),
        }
    }

    fn missing(
        session: &Session,
        subject: impl Into<String>,
        detail: impl Into<String>,
        steps: Vec<Step>,
    ) -> Prerequisite {
        Prerequisite {
            subject: subject.into(),
            status: Status::Missing,
            detail: detail.into(),
            fix: steps.iter().map(|s| s.shown(session)).collect(),
            steps,
        }
    }
}

/// One change `setup` makes, and how to take it back.
#[derive(Debug, Clone)]
enum Step {
    Run {
        command: CommandLine,
        undo: Option<CommandLine>,
    },
    /// Adds a marked block of `map` rules for a pool to the NAT rules file.
    NatRules {
        file: PathBuf,
        pool: String,
        rules: Vec<String>,
    },
}

impl Step {
    fn run(command: CommandLine, undo: CommandLine) -> Step {
        Step::Run {
            command,
            undo: Some(undo),
        }
    }

    fn shown(&self, session: &Session) -> String {
        match self {
            Step::Run { command, .. } => session.display(command),
            Step::NatRules { file, rules, .. } => {
                format!("add to {}: {}", file.display(), rules.join("; "))
            }
        }
    }
}

/// What `host check` found.
#[derive(Debug, Clone, Serialize)]
pub struct HostReport {
    pub prerequisites: Vec<Prerequisite>,
}

impl HostReport {
    pub fn is_ready(&self) -> bool {
        self.prerequisites.iter().all(|p| p.status == Status::Ok)
    }

    /// The error `host check` ends with when anything is not ok.
    pub fn problem(&self) -> Option<Error> {
        let open = self
            .prerequisites
            .iter()
            .filter(|p| p.status != Status::Ok)
            .count();
        (open > 0).then(|| {
            Error::failed(format!(
                "{open} host prerequisite{} not met",
                if open == 1 { " is" } else { "s are" }
            ))
            .with_help("`zmgr host setup` makes what is missing; what is wrong needs a person")
        })
    }
}

/// Checks the host for the registry's config and its pools (or only `pool`), read-only.
pub fn check(session: &Session, registry: &Registry, pool: Option<&str>) -> Result<HostReport> {
    let pools: Vec<&Pool> = match pool {
        Some(name) => vec![registry.pool(name)?],
        None => registry.pools.values().collect(),
    };
    let runner = session.runner();
    let mut out = Vec::new();

    // The zonepath base.
    let config = &registry.config;
    let base = &config.zonepath_base.value;
    let datasets = zfs::filesystems(runner)?;
    let subject = format!("zonepath base {}", base.display());
    match zfs::mounted_at(&datasets, base) {
        Some(d) => out.push(Prerequisite::ok(
            subject,
            format!("ZFS dataset {} is mounted there", d.name),
        )),
        None => match datasets
            .iter()
            .find(|d| d.name == config.zonepath_dataset.value)
        {
            Some(d) => out.push(Prerequisite::wrong(
                subject,
                format!(
                    "no ZFS dataset is mounted there; {} (zonepath-dataset) is mounted at {}",
                    d.name, d.mountpoint
                ),
                vec![format!("zfs set mountpoint={} {}", base.display(), d.name)],
            )),
            None => out.push(Prerequisite::missing(
                session,
                subject,
                "no ZFS dataset is mounted there: the ipkg brand refuses such a zonepath",
                vec![Step::run(
                    zfs::create(&config.zonepath_dataset.value, base),
                    zfs::destroy(&config.zonepath_dataset.value),
                )],
            )),
        },
    }

    if !pools.is_empty() {
        let links = dladm::links(runner)?;
        let vnics = dladm::vnics(runner)?;
        let addresses = ipadm::addresses(runner)?;
        for p in &pools {
            check_pool(session, registry, p, &links, &vnics, &addresses, &mut out)?;
        }
    }

    for p in registry.publishers.values() {
        for o in &p.origins {
            let subject = format!("publisher {}: origin {}", p.name.value, o.value);
            match crate::model::publisher::uri_error(&o.value) {
                None => out.push(Prerequisite::ok(subject, "a well-formed URI")),
                Some(why) => out.push(Prerequisite::wrong(
                    subject,
                    why,
                    vec![format!(
                        "zmgr publisher remove {} {}",
                        p.name.value, o.value
                    )],
                )),
            }
        }
    }
    Ok(HostReport { prerequisites: out })
}

/// The link `host setup` makes for a pool's gateway address over an etherstub.
pub fn gateway_link(pool: &Pool) -> String {
    format!(
        "{}_gw0",
        pool.stub
            .value
            .trim_end_matches(|c: char| c.is_ascii_digit())
    )
}

fn check_pool(
    session: &Session,
    registry: &Registry,
    p: &Pool,
    links: &[dladm::Link],
    vnics: &[dladm::Vnic],
    addresses: &[ipadm::Address],
    out: &mut Vec<Prerequisite>,
) -> Result<()> {
    let name = &p.name.value;
    let stub = &p.stub.value;
    let subject = format!("pool {name}: stub {stub}");
    let class = links
        .iter()
        .find(|l| &l.name == stub)
        .map(|l| l.class.as_str());
    let etherstub = match class {
        Some("etherstub") => {
            out.push(Prerequisite::ok(subject, "an etherstub"));
            true
        }
        Some(c @ ("phys" | "aggr" | "vlan")) => {
            out.push(Prerequisite::ok(subject, format!("a {c} link")));
            false
        }
        Some(other) => {
            out.push(Prerequisite::wrong(
                subject,
                format!(
                    "{stub} is a {other} link; zone VNICs go over an etherstub or a physical link"
                ),
                vec![format!(
                    "name another link in the pool's `stub`, in {}",
                    p.file.path().display()
                )],
            ));
            false
        }
        None => {
            out.push(Prerequisite::missing(
                session,
                subject,
                "no such link",
                vec![Step::run(
                    dladm::create_etherstub(stub),
                    dladm::delete_etherstub(stub),
                )],
            ));
            true
        }
    };

    // Over an etherstub, this host is the router of the pool's network: the gateway address
    // must be on an interface over the stub. Over a physical link the gateway is elsewhere.
    if let (Some(gw), true) = (p.gateway.as_ref().map(|g| g.value), etherstub) {
        let subject = format!("pool {name}: gateway {gw}");
        let over_stub = |interface: &str| {
            interface == stub || vnics.iter().any(|v| v.link == interface && &v.over == stub)
        };
        match addresses.iter().find(|a| a.ip() == Some(gw)) {
            Some(a) if over_stub(a.interface()) => out.push(Prerequisite::ok(
                subject,
                format!("configured as {} over {stub}", a.addrobj),
            )),
            Some(a) => out.push(Prerequisite::wrong(
                subject,
                format!(
                    "{gw} is configured as {}, which is not over {stub}",
                    a.addrobj
                ),
                vec![format!("ipadm delete-addr {}", a.addrobj)],
            )),
            None => {
                let link = gateway_link(p);
                if let Some(why) = crate::model::names::link_name_error(&link) {
                    out.push(Prerequisite::wrong(
                        subject,
                        format!("not configured, and the gateway link zmgr would make cannot be named: {why}"),
                        vec![format!("dladm create-vnic -l {stub} LINK; ipadm create-addr -T static -a {gw}/{} LINK/v4", p.prefix_len())],
                    ));
                    return Ok(());
                }
                let addrobj = format!("{link}/{}", if gw.is_ipv4() { "v4" } else { "v6" });
                let mut steps = Vec::new();
                let exists = links.iter().any(|l| l.name == link);
                if !exists {
                    steps.push(Step::run(
                        dladm::create_vnic(stub, &link),
                        dladm::delete_vnic(&link),
                    ));
                }
                steps.push(Step::run(
                    ipadm::create_static(&addrobj, &format!("{gw}/{}", p.prefix_len())),
                    // The interface create-addr plumbed goes with its address.
                    ipadm::delete_if(&link),
                ));
                out.push(Prerequisite::missing(
                    session,
                    subject,
                    "no interface of this host has the gateway address",
                    steps,
                ));
            }
        }
    }

    if let Some(nat) = &p.nat {
        check_nat(session, registry, p, &nat.value, links, out)?;
    }
    Ok(())
}

fn check_nat(
    session: &Session,
    registry: &Registry,
    p: &Pool,
    outside: &str,
    links: &[dladm::Link],
    out: &mut Vec<Prerequisite>,
) -> Result<()> {
    let name = &p.name.value;
    let runner = session.runner();
    if !links.iter().any(|l| l.name == outside) {
        out.push(Prerequisite::wrong(
            format!("pool {name}: NAT link {outside}"),
            "no such link",
            vec![format!(
                "name the outside link in the pool's `nat`, in {}",
                p.file.path().display()
            )],
        ));
    }
    if !p.network.value.addr().is_ipv4() {
        out.push(Prerequisite::wrong(
            format!("pool {name}: NAT"),
            "ipnat maps IPv4 networks; this pool is IPv6",
            vec![format!("remove `nat` from {}", p.file.path().display())],
        ));
        return Ok(());
    }

    let subject = format!("pool {name}: IPv4 forwarding");
    let fwd = routeadm::ipv4_forwarding(runner)?;
    if fwd.current && fwd.persistent {
        out.push(Prerequisite::ok(subject, "enabled"));
    } else {
        out.push(Prerequisite::missing(
            session,
            subject,
            format!(
                "{} now, {} after a reboot",
                if fwd.current { "enabled" } else { "disabled" },
                if fwd.persistent {
                    "enabled"
                } else {
                    "disabled"
                }
            ),
            vec![Step::run(
                routeadm::enable_ipv4_forwarding(),
                routeadm::disable_ipv4_forwarding(),
            )],
        ));
    }

    let file = &registry.config.ipnat_conf.value;
    let text = read_rules(file)?;
    let network = p.network.value.trunc().to_string();
    let subject = format!("pool {name}: NAT rule in {}", file.display());
    let ipfilter = svc::state(runner, svc::IPFILTER)?;
    if has_map_rule(&text, outside, &network) {
        out.push(Prerequisite::ok(
            subject,
            format!("maps {network} on {outside}"),
        ));
    } else {
        let mut steps = vec![Step::NatRules {
            file: file.clone(),
            pool: name.clone(),
            rules: nat_rules(outside, &network),
        }];
        // IP Filter reads the file when it starts, or when refreshed.
        if ipfilter == "online" {
            steps.push(Step::Run {
                command: svc::refresh(svc::IPFILTER),
                undo: Some(svc::refresh(svc::IPFILTER)),
            });
        }
        out.push(Prerequisite::missing(
            session,
            subject,
            format!("no `map {outside} {network} -> …` rule"),
            steps,
        ));
    }

    let subject = format!("pool {name}: IP Filter ({})", svc::IPFILTER);
    match ipfilter.as_str() {
        "online" => out.push(Prerequisite::ok(subject, "online")),
        "disabled" => out.push(Prerequisite::missing(
            session,
            subject,
            "disabled",
            vec![Step::run(
                svc::enable(svc::IPFILTER),
                svc::disable(svc::IPFILTER),
            )],
        )),
        other => out.push(Prerequisite::wrong(
            subject,
            other.to_string(),
            vec![format!("svcs -xv {}", svc::IPFILTER)],
        )),
    }
    Ok(())
}

/// The NAT rules file's text; empty when it does not exist yet.
fn read_rules(file: &Path) -> Result<String> {
    match std::fs::read_to_string(file) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::io("read", file, e)),
    }
}

/// Whether some `map OUTSIDE NETWORK -> …` rule is in `text` (comments skipped).
pub fn has_map_rule(text: &str, outside: &str, network: &str) -> bool {
    text.lines().any(|line| {
        let words: Vec<&str> = line
            .split('#')
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        matches!(words.as_slice(), ["map", o, n, "->", ..] if *o == outside && *n == network)
    })
}

/// The rules for a pool's network, as ipnat(5) shows them: TCP and UDP get ports from a
/// range (the man page warns against `auto` with a /32 target), everything else (ICMP) is
/// mapped by the second rule.
pub fn nat_rules(outside: &str, network: &str) -> Vec<String> {
    vec![
        format!("map {outside} {network} -> 0/32 portmap tcp/udp 1025:65000"),
        format!("map {outside} {network} -> 0/32"),
    ]
}

fn block_marks(pool: &str) -> (String, String) {
    (
        format!("# BEGIN zmgr pool {pool}: written by `zmgr host setup`"),
        format!("# END zmgr pool {pool}"),
    )
}

/// `text` with the pool's marked block of `rules` at the end (a person's rules untouched).
pub fn with_rules(text: &str, pool: &str, rules: &[String]) -> String {
    let (begin, end) = block_marks(pool);
    let mut out = without_rules(text, pool);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out += &format!("{begin}\n");
    for r in rules {
        out += &format!("{r}\n");
    }
    out += &format!("{end}\n");
    out
}

/// `text` without the pool's marked block.
pub fn without_rules(text: &str, pool: &str) -> String {
    let (begin, end) = block_marks(pool);
    let mut out = String::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == begin {
            inside = true;
        } else if inside && bare == end {
            inside = false;
        } else if !inside {
            out += line;
        }
    }
    out
}

/// What `host setup` did, or with `dry_run` would do.
#[derive(Debug, Clone, Serialize)]
pub struct SetupReport {
    /// Each change, as typed (commands) or described (file edits), in order.
    pub changes: Vec<String>,
    /// What needs a person: prerequisites that exist but are wrong.
    pub wrong: Vec<Prerequisite>,
    pub dry_run: bool,
}

/// `zmgr host setup`: makes what `check` found missing, in order, undoing its own steps in
/// reverse if one fails.
pub fn setup(
    session: &mut Session,
    registry: &Registry,
    pool: Option<&str>,
    dry_run: bool,
) -> Result<SetupReport> {
    let report = check(session, registry, pool)?;
    let wrong: Vec<Prerequisite> = report
        .prerequisites
        .iter()
        .filter(|p| p.status == Status::Wrong)
        .cloned()
        .collect();
    let steps: Vec<Step> = report
        .prerequisites
        .into_iter()
        .filter(|p| p.status == Status::Missing)
        .flat_map(|p| p.steps)
        .collect();
    let changes: Vec<String> = steps.iter().map(|s| s.shown(session)).collect();
    if dry_run {
        return Ok(SetupReport {
            changes,
            wrong,
            dry_run,
        });
    }
    let mut done: Vec<&Step> = Vec::new();
    for step in &steps {
        if let Err(cause) = apply(session, step) {
            let undone = undo(session, &done);
            return Err(Error::Setup {
                cause: Box::new(cause),
                undone: undone.0,
                failed: undone.1,
            });
        }
        done.push(step);
    }
    Ok(SetupReport {
        changes,
        wrong,
        dry_run,
    })
}

fn apply(session: &mut Session, step: &Step) -> Result<()> {
    if crate::host::interrupt::requested() {
        return Err(Error::Interrupted);
    }
    match step {
        Step::Run { command, .. } => {
            let shown = session.display(command);
            session.run_step(&shown, command)?;
        }
        Step::NatRules { file, pool, rules } => {
            session.note(&format!(
                "adding the NAT rules of pool {pool} to {}",
                file.display()
            ));
            let text = read_rules(file)?;
            if let Some(dir) = file.parent() {
                crate::fs::ensure_dir(dir)?;
            }
            crate::fs::write_atomic(file, with_rules(&text, pool, rules).as_bytes())?;
        }
    }
    Ok(())
}

/// Takes back `done` in reverse: (what was undone, what could not be).
fn undo(session: &mut Session, done: &[&Step]) -> (Vec<String>, Vec<String>) {
    let _shield = crate::host::interrupt::Shield::up();
    let mut undone = Vec::new();
    let mut failed = Vec::new();
    for step in done.iter().rev() {
        match step {
            Step::Run {
                command,
                undo: Some(u),
            } => {
                let shown = session.display(command);
                match session.run(u) {
                    Ok(_) => undone.push(shown),
                    Err(e) => failed.push(format!("{shown}: {e}")),
                }
            }
            Step::Run { undo: None, .. } => {}
            Step::NatRules { file, pool, .. } => {
                let result = read_rules(file).and_then(|t| {
                    crate::fs::write_atomic(file, without_rules(&t, pool).as_bytes())
                });
                match result {
                    Ok(()) => undone.push(format!(
                        "the NAT rules of pool {pool} in {}",
                        file.display()
                    )),
                    Err(e) => failed.push(format!("the NAT rules of pool {pool}: {e}")),
                }
            }
        }
    }
    (undone, failed)
}

/// The address a gateway check looks for, for tests and messages.
pub fn gateway_cidr(p: &Pool) -> Option<String> {
    p.gateway
        .as_ref()
        .map(|g| format!("{}/{}", g.value, p.prefix_len()))
}

/// Whether `ip` is configured on this host (for the checks of create's dry run).
pub fn has_address(addresses: &[ipadm::Address], ip: IpAddr) -> bool {
    addresses.iter().any(|a| a.ip() == Some(ip))
}

/// What `host check` and `host setup` read: the pools they look at (all, or `pool`).
pub fn needs(pool: Option<&str>) -> impl Fn(&Registry) -> crate::store::needs::Needs + '_ {
    use crate::store::needs::{Needs, Want};
    move |_| Needs {
        config: true,
        pools: pool.map_or(Want::All, Want::one),
        ..Needs::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nat_rules_are_a_marked_block_that_comes_and_goes() {
        let mine = "# the site's own rules\nmap e1000g0 10.1.0.0/16 -> 0/32\n";
        let rules = nat_rules("e1000g0", "192.168.10.0/24");
        let with = with_rules(mine, "lan", &rules);
        assert_eq!(
            with,
            "# the site's own rules\nmap e1000g0 10.1.0.0/16 -> 0/32\n# BEGIN zmgr pool lan: written by `zmgr host setup`\nmap e1000g0 192.168.10.0/24 -> 0/32 portmap tcp/udp 1025:65000\nmap e1000g0 192.168.10.0/24 -> 0/32\n# END zmgr pool lan\n"
        );
        assert!(has_map_rule(&with, "e1000g0", "192.168.10.0/24"));
        assert!(has_map_rule(mine, "e1000g0", "10.1.0.0/16"));
        assert!(!has_map_rule(
            "# map e1000g0 192.168.10.0/24 -> 0/32\n",
            "e1000g0",
            "192.168.10.0/24"
        ));
        assert_eq!(without_rules(&with, "lan"), mine);
        // Written twice, the block is there once.
        assert_eq!(with_rules(&with, "lan", &rules), with);
        // A file without a final newline keeps its last line whole.
        assert!(
            with_rules("map a0 10.0.0.0/8 -> 0/32", "lan", &rules)
                .starts_with("map a0 10.0.0.0/8 -> 0/32\n# BEGIN")
        );
    }
}
