//! `zmgr create`: a zone, its VNIC and its address, made as one transaction.
//!
//! 1. Plan: validate the name and the derived VNIC names, pick the template and the pool of
//!    each interface, and build the zonecfg command file. Nothing has run yet.
//! 2. Reserve: under the registry lock, allocate every interface's address from the registry
//!    as it is now and write the zone entry in state `creating`. The lock is released before
//!    anything slow.
//! 3. Build: create the VNICs, configure the zone, install it, boot it. Each step first
//!    records how to undo it.
//! 4. Mark the entry `installed` or `running`.
//!
//! Any failure or interrupt undoes the recorded steps in reverse, removing the entry last, so
//! the addresses are free again.

use std::net::IpAddr;
use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::exec::CommandLine;
use crate::kdl::Spanned;
use crate::model::pool::Pool;
use crate::model::template::HookPoint;
use crate::model::template::{IpType, Template};
use crate::model::zone::{Net, ZoneAddress, ZoneEntry, ZoneState};
use crate::ops::hooks::ZoneHooks;
use crate::ops::journal::Journal;
use crate::ops::session::Session;
use crate::ops::teardown::{Part, Step};
use crate::store::ledger::Ledger;
use crate::store::registry::Registry;

/// What the person asked for.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub name: String,
    pub template: Option<String>,
    /// One interface from this pool instead of the template's.
    pub pool: Option<String>,
    /// The first interface's address instead of the lowest free one.
    pub ip: Option<IpAddr>,
    /// The interfaces instead of the template's (`--net POOL[=ADDR]`, repeatable).
    pub nets: Vec<NetRequest>,
    /// A requested address may lie outside its pool's ranges (inside its network).
    pub force_range: bool,
    /// The first VNIC's name instead of the one derived from the zone name.
    pub vnic: Option<String>,
    pub no_boot: bool,
    pub keep_on_failure: bool,
    /// Clone this installed, halted zone (`zoneadm clone`) instead of installing.
    pub clone: Option<String>,
}

/// One interface asked for with `create --net POOL[=ADDR]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetRequest {
    pub pool: String,
    pub ip: Option<IpAddr>,
}

impl std::str::FromStr for NetRequest {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<NetRequest, String> {
        let (pool, ip) = match s.split_once('=') {
            Some((pool, ip)) => (pool, Some(ip)),
            None => (s, None),
        };
        if let Some(why) = crate::model::names::object_name_error("pool", pool) {
            return Err(why);
        }
        let ip = match ip {
            None => None,
            Some(a) => Some(a.parse().map_err(|_| {
                format!(
                    "`{}` is not an IP address; write POOL or POOL=ADDRESS",
                    crate::text::shown(a)
                )
            })?),
        };
        Ok(NetRequest {
            pool: pool.to_string(),
            ip,
        })
    }
}

/// Everything create will do, decided before anything runs.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub zone: String,
    pub template: String,
    pub brand: String,
    /// The zone's interfaces, in order; the first with a gateway carries the default route.
    pub nets: Vec<PlanNet>,
    pub ip_type: IpType,
    pub zonepath: PathBuf,
    pub boot: bool,
    /// The zone whose files the new one gets from `zoneadm clone` (`--clone`, else the
    /// template's `clone-from`), instead of an install.
    pub clone: Option<String>,
    /// The zonecfg command file.
    pub zonecfg: String,
    /// The same, knowing where each line came from.
    #[serde(skip)]
    pub command_file: crate::host::zonecfg::Script,
    /// The template's publishers, in its order (the first is preferred).
    pub publishers: Vec<ImagePublisher>,
    pub packages: Vec<String>,
    /// The template's zonecfg extras plus what pre-install hooks added.
    #[serde(skip)]
    pub extras: crate::model::template::ZonecfgExtras,
    #[serde(skip)]
    pub autoboot: bool,
    /// Each of create's hook points, in the order they run, with the template's scripts.
    pub hooks: Vec<crate::model::template::HookScripts>,
    /// How long post-boot hooks wait for the zone's services (config.kdl `milestone-wait`).
    #[serde(skip)]
    pub services_wait: std::time::Duration,
}

/// One interface of the zone to be made.
#[derive(Debug, Clone)]
pub struct PlanNet {
    pub pool: String,
    pub address: IpAddr,
    pub prefix: u8,
    /// The zone's default router on this interface.
    pub gateway: Option<IpAddr>,
    /// The link: a new VNIC over the pool's stub (exclusive IP), or the pool's link itself.
    pub link: String,
    pub over: String,
}

/// An interface's JSON gives its address with the prefix length, `192.0.2.10/24`, as every
/// zmgr JSON gives an interface's address.
impl Serialize for PlanNet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            pool: &'a str,
            address: ZoneAddress,
            gateway: Option<IpAddr>,
            link: &'a str,
            over: &'a str,
        }
        Json {
            pool: &self.pool,
            address: ZoneAddress {
                ip: self.address,
                prefix: Some(self.prefix),
            },
            gateway: self.gateway,
            link: &self.link,
            over: &self.over,
        }
        .serialize(s)
    }
}

/// A publisher as the zone's image gets it.
#[derive(Debug, Clone, Serialize)]
pub struct ImagePublisher {
    pub name: String,
    /// Preferred first.
    pub origins: Vec<String>,
    pub mirrors: Vec<String>,
}

/// What create did.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub zone: String,
    /// The first interface's address and link (none for a zone without one), for scripts
    /// and readers that expect one.
    pub address: Option<ZoneAddress>,
    pub link: Option<String>,
    /// Each interface: its pool, address and link.
    pub nets: Vec<CreatedNet>,
    pub state: ZoneState,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedNet {
    pub pool: String,
    pub address: ZoneAddress,
    pub link: String,
}

/// The name of a zone's first VNIC: its name with `-` as `_`, plus `0` (or `_0` after a
/// digit, as dladm refuses a number with a leading zero).
pub fn derived_vnic(zone: &str) -> String {
    derived_vnic_n(zone, 0)
}

/// The name of a zone's VNIC number `n` (`web0`, `web1`; `web01_0`, `web01_1`).
pub fn derived_vnic_n(zone: &str, n: usize) -> String {
    let base = zone.replace('-', "_");
    if base.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{base}_{n}")
    } else {
        format!("{base}{n}")
    }
}

/// `FILE:LINE` of a setting, for a message about what it names.
fn where_set(
    file: Option<&std::sync::Arc<crate::error::SourceFile>>,
    span: miette::SourceSpan,
    fallback: &str,
) -> String {
    match file {
        Some(f) => format!("{}:{}", f.path().display(), f.line_col(span.offset()).0),
        None => fallback.to_string(),
    }
}

/// One interface decided, but for its address.
struct Chosen<'r> {
    pool: &'r Pool,
    /// The address asked for, if one was, and the option that asked (`--ip`, `--net lan=…`).
    ip: Option<(IpAddr, String)>,
    defrouter: bool,
    link: String,
}

/// Checks the request against the registry and decides everything but the addresses.
fn prepare<'r>(
    registry: &'r Registry,
    ledger: &Ledger,
    opts: &CreateOptions,
) -> Result<(&'r Template, Vec<Chosen<'r>>)> {
    if let Some(why) = crate::model::names::zone_name_error(&opts.name) {
        return Err(Error::usage(why));
    }
    if registry.zones.contains_key(&opts.name) || ledger.has_zone(&opts.name) {
        return Err(
            Error::conflict(format!("zone `{}` is already in the registry", opts.name))
                .with_help(format!("`zmgr show {}` shows it", opts.name)),
        );
    }
    let template_name = match (&opts.template, &registry.config.default_template) {
        (Some(t), _) => t.clone(),
        (None, Some(d)) => d.value.clone(),
        (None, None) => {
            return Err(
                Error::usage("no template given and config.kdl names no default-template")
                    .with_help("use --template NAME, or set default-template in config.kdl"),
            );
        }
    };
    let template = registry
        .templates
        .get(&template_name)
        .ok_or_else(|| Error::NotFound {
            kind: "template",
            name: template_name.clone(),
            help: Some(match (&opts.template, &registry.config.default_template) {
                (None, Some(d)) => format!(
                    "{} names it as default-template; {}",
                    where_set(registry.config.file.as_ref(), d.span, "config.kdl"),
                    registry.available(crate::store::registry::Kind::Template, &template_name)
                ),
                _ => registry.available(crate::store::registry::Kind::Template, &template_name),
            }),
        })?;
    let wanted = wanted_nets(opts, template)?;
    // Options that would do nothing are refused rather than ignored.
    if opts.force_range && wanted.iter().all(|w| w.ip.is_none()) {
        return Err(Error::usage(
            "--force-range lets a requested address lie outside the pool's ranges, and no address was requested",
        )
        .with_help("request one with --ip ADDRESS or --net POOL=ADDRESS"));
    }
    if opts.vnic.is_some() && wanted.is_empty() {
        return Err(Error::usage(format!(
            "--vnic names the zone's first VNIC, and template `{}` gives the zone no interface",
            template.name.value
        ))
        .with_help("add one with --net POOL or --pool POOL"));
    }
    let mut chosen: Vec<Chosen<'r>> = Vec::new();
    for (i, w) in wanted.into_iter().enumerate() {
        let pool = registry.pools.get(&w.pool).ok_or_else(|| Error::NotFound {
            kind: "pool",
            name: w.pool.clone(),
            help: Some(match w.span {
                Some(span) => format!(
                    "{} names it; {}",
                    where_set(Some(&template.file), span, "the template"),
                    registry.available(crate::store::registry::Kind::Pool, &w.pool)
                ),
                None => registry.available(crate::store::registry::Kind::Pool, &w.pool),
            }),
        })?;
        let link = link_for(ledger, opts, template, pool, i)?;
        if chosen.iter().any(|c| c.link == link) && template.ip_type == IpType::Exclusive {
            return Err(Error::usage(format!(
                "VNIC `{link}` would be made twice: --vnic names the first VNIC, and the others are named {}",
                derived_vnic_n(&opts.name, i)
            ))
            .with_help("give --vnic a name that does not end in the number of another interface"));
        }
        let asked = |ip: IpAddr| match w.span {
            None if !opts.nets.is_empty() => format!("--net {}={ip}", w.pool),
            _ => "--ip".to_string(),
        };
        chosen.push(Chosen {
            pool,
            ip: w.ip.map(|ip| (ip, asked(ip))),
            defrouter: w.defrouter,
            link,
        });
    }
    for p in &template.publishers {
        if !registry.publishers.contains_key(&p.value) {
            return Err(Error::NotFound {
                kind: "publisher",
                name: p.value.clone(),
                help: Some(format!(
                    "template `{template_name}` uses it; `zmgr publisher add` creates it"
                )),
            });
        }
    }
    Ok((template, chosen))
}

/// An interface as asked for, before its pool is looked up.
struct Wanted {
    pool: String,
    ip: Option<IpAddr>,
    defrouter: bool,
    /// Where the template names the pool, when it does.
    span: Option<miette::SourceSpan>,
}

/// The interfaces asked for: `--net` (all of them), else `--pool` (one), else the template's
/// `nets` (or `pool`); `--ip` is the first one's address.
fn wanted_nets(opts: &CreateOptions, template: &Template) -> Result<Vec<Wanted>> {
    if !opts.nets.is_empty() {
        for (i, n) in opts.nets.iter().enumerate() {
            if let Some(ip) = n.ip
                && opts.nets[..i].iter().any(|m| m.ip == Some(ip))
            {
                return Err(Error::usage(format!(
                    "--net gives the address {ip} twice; each interface needs its own"
                )));
            }
        }
        if opts.pool.is_some() || opts.ip.is_some() {
            return Err(Error::usage(
                "--net gives every interface: it cannot be mixed with --pool or --ip",
            )
            .with_help("give the address with the pool: --net POOL=ADDRESS"));
        }
        return Ok(opts
            .nets
            .iter()
            .enumerate()
            .map(|(i, n)| Wanted {
                pool: n.pool.clone(),
                ip: n.ip,
                defrouter: i == 0,
                span: None,
            })
            .collect());
    }
    if let Some(p) = &opts.pool {
        return Ok(vec![Wanted {
            pool: p.clone(),
            ip: opts.ip,
            defrouter: true,
            span: None,
        }]);
    }
    let Some(nets) = &template.nets else {
        return Err(Error::usage(format!(
            "template `{}` names no pool and no --pool or --net was given",
            template.name.value
        )));
    };
    if nets.is_empty() && opts.ip.is_some() {
        return Err(Error::usage(format!(
            "--ip needs an interface, and template `{}` gives none",
            template.name.value
        ))
        .with_help("add one with --net POOL=ADDRESS"));
    }
    Ok(nets
        .iter()
        .enumerate()
        .map(|(i, n)| Wanted {
            pool: n.pool.value.clone(),
            ip: if i == 0 { opts.ip } else { None },
            defrouter: n.defrouter,
            span: Some(n.pool.span),
        })
        .collect())
}

/// The link of interface `i`: for an exclusive-IP zone a new VNIC (`--vnic` for the first, else
/// derived from the zone's name), for a shared-IP zone the pool's own link.
fn link_for(
    ledger: &Ledger,
    opts: &CreateOptions,
    template: &Template,
    pool: &Pool,
    i: usize,
) -> Result<String> {
    match template.ip_type {
        IpType::Shared => Ok(pool
            .shared_link
            .as_ref()
            .unwrap_or(&pool.stub)
            .value
            .clone()),
        IpType::Exclusive => {
            let given = opts.vnic.clone().filter(|_| i == 0);
            let vnic = given
                .clone()
                .unwrap_or_else(|| derived_vnic_n(&opts.name, i));
            if let Some(why) = crate::model::names::link_name_error(&vnic) {
                let hint = if given.is_some() {
                    "choose another --vnic name".to_string()
                } else {
                    format!(
                        "the VNIC name is derived from the zone name; give one with --vnic (e.g. --vnic {})",
                        suggest_vnic(&opts.name)
                    )
                };
                return Err(Error::usage(why).with_help(hint));
            }
            if let Some(z) = ledger.link_owner(&vnic) {
                return Err(
                    Error::conflict(format!("VNIC `{vnic}` belongs to zone `{z}`"))
                        .with_help("give another name with --vnic"),
                );
            }
            Ok(vnic)
        }
    }
}

/// A valid link name to suggest when the derived one is not.
fn suggest_vnic(zone: &str) -> String {
    let letters: String = zone
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .skip_while(|c| !c.is_ascii_alphabetic())
        .take(24)
        .collect();
    let base = if letters.is_empty() {
        "zone".to_string()
    } else {
        letters
    };
    derived_vnic(&base)
}

/// The address to take: the one asked for if it is free and the pool may hand it out (outside
/// its ranges only with `force_range`), else the lowest free one.
fn allocate(
    pool: &Pool,
    requested: Option<(IpAddr, String)>,
    force_range: bool,
    held: &crate::model::held::Held,
    ledger: &Ledger,
) -> Result<IpAddr> {
    match requested {
        Some((ip, asked)) => {
            if let Some(why) = pool.refusal_with(ip, force_range) {
                let help = if !force_range && pool.refusal_with(ip, true).is_none() {
                    "--force-range takes an address of the pool's network outside its ranges"
                        .to_string()
                } else {
                    format!(
                        "`zmgr pool show {}` shows the pool's ranges and free addresses",
                        pool.name.value
                    )
                };
                let asked = if asked == "--ip" {
                    format!("--ip {ip}")
                } else {
                    asked
                };
                return Err(Error::usage(format!("{asked}: {why}")).with_help(help));
            }
            if held.contains(&ip) {
                let holder = ledger
                    .describe_holder(ip)
                    .unwrap_or_else(|| "another interface of this zone".to_string());
                return Err(
                    Error::conflict(format!("{ip} is held by {holder}")).with_help(format!(
                        "`zmgr pool show {}` shows the free addresses",
                        pool.name.value
                    )),
                );
            }
            Ok(ip)
        }
        None => pool.next_free(held).ok_or_else(|| pool.full()),
    }
}

/// Builds the plan against `registry`, allocating from the addresses its zones hold.
pub fn plan(registry: &Registry, opts: &CreateOptions) -> Result<Plan> {
    plan_with(registry, &Ledger::of(registry.zones.values()), opts)
}

/// Builds the plan against `registry` and the ledger as it is now (read under the lock).
fn plan_with(registry: &Registry, ledger: &Ledger, opts: &CreateOptions) -> Result<Plan> {
    let (template, chosen) = prepare(registry, ledger, opts)?;
    // Each interface's address, the ones taken before it in this plan held too.
    let mut held = std::borrow::Cow::Borrowed(ledger.held());
    let mut nets = Vec::new();
    let count = chosen.len();
    for (i, c) in chosen.into_iter().enumerate() {
        let address = allocate(c.pool, c.ip, opts.force_range, &held, ledger)?;
        if i + 1 < count {
            held.to_mut().insert(address);
        }
        nets.push(PlanNet {
            pool: c.pool.name.value.clone(),
            address,
            prefix: c.pool.prefix_len(),
            gateway: c
                .pool
                .gateway
                .as_ref()
                .map(|g| g.value)
                .filter(|_| c.defrouter),
            link: c.link,
            over: c.pool.stub.value.clone(),
        });
    }
    build_plan(registry, opts, template, nets)
}

fn build_plan(
    registry: &Registry,
    opts: &CreateOptions,
    template: &Template,
    nets: Vec<PlanNet>,
) -> Result<Plan> {
    if let Some(e) = opts
        .clone
        .as_deref()
        .or(template.clone_from.as_ref().map(|c| c.value.as_str()))
        .and_then(|source| crate::ops::clone::source_name_error(&opts.name, source))
    {
        return Err(e);
    }
    let zonepath = registry.config.zonepath_base.value.join(&opts.name);
    let publishers = template
        .publishers
        .iter()
        .filter_map(|p| registry.publishers.get(&p.value))
        .map(|p| ImagePublisher {
            name: p.name.value.clone(),
            origins: p.origins.iter().map(|o| o.value.clone()).collect(),
            mirrors: p.mirrors.iter().map(|m| m.value.clone()).collect(),
        })
        .collect();
    let mut plan = Plan {
        zone: opts.name.clone(),
        template: template.name.value.clone(),
        brand: template.brand.value.clone(),
        nets,
        ip_type: template.ip_type,
        zonepath,
        boot: template.boot && !opts.no_boot,
        clone: opts
            .clone
            .clone()
            .or_else(|| template.clone_from.as_ref().map(|c| c.value.clone())),
        zonecfg: String::new(),
        command_file: Default::default(),
        publishers,
        packages: template.packages.iter().map(|p| p.value.clone()).collect(),
        extras: template.zonecfg.clone(),
        // A zone made with --no-boot does not boot with the host either.
        autoboot: template.autoboot && !opts.no_boot,
        hooks: crate::model::template::HookScripts::of(Some(template), &HookPoint::CREATE),
        services_wait: std::time::Duration::from_secs(registry.config.milestone_wait),
    };
    plan.write_zonecfg().map_err(|why| {
        Error::usage(format!(
            "template `{}` cannot be written to zonecfg: {why}",
            template.name.value
        ))
    })?;
    Ok(plan)
}

impl Plan {
    /// Builds the zonecfg command file from the plan.
    fn write_zonecfg(&mut self) -> Result<(), String> {
        let spec = crate::host::zonecfg::ZoneSpec {
            brand: &self.brand,
            zonepath: &self.zonepath.to_string_lossy(),
            autoboot: self.autoboot,
            ip_type: self.ip_type,
            nets: self
                .nets
                .iter()
                .map(|n| crate::host::zonecfg::SpecNet {
                    physical: n.link.clone(),
                    address: Some(format!("{}/{}", n.address, n.prefix)),
                    defrouter: n.gateway.map(|g| g.to_string()),
                })
                .collect(),
            extras: &self.extras,
        };
        self.command_file = crate::host::zonecfg::create_command_file(&spec)?;
        self.zonecfg = self.command_file.text();
        Ok(())
    }

    /// The zone as its hooks see it.
    pub fn hook_zone(&self) -> crate::ops::hooks::HookZone {
        let nets: Vec<crate::ops::hooks::HookNet> = self
            .nets
            .iter()
            .map(|n| crate::ops::hooks::HookNet {
                pool: n.pool.clone(),
                address: n.address.to_string(),
                prefix: n.prefix,
                gateway: n.gateway.map(|g| g.to_string()),
                vnic: n.link.clone(),
            })
            .collect();
        crate::ops::hooks::HookZone::new(
            &self.zone,
            &self.brand,
            &self.zonepath,
            &self.template,
            nets,
        )
    }

    /// Takes in what pre-install hooks added: zonecfg resources and attributes, packages.
    pub fn add(&mut self, additions: crate::ops::hooks::Additions) -> Result<()> {
        self.extras.attrs.extend(additions.attrs);
        self.extras.resources.extend(additions.resources);
        self.packages.extend(additions.packages);
        self.write_zonecfg().map_err(|why| {
            Error::failed(format!(
                "a pre-install hook added what zonecfg cannot take: {why}"
            ))
        })
    }

    /// The registry entry that reserves the address.
    pub fn entry(&self, state: ZoneState) -> ZoneEntry {
        ZoneEntry {
            known: None,
            file: None,
            name: Spanned::unspanned(self.zone.clone()),
            brand: self.brand.clone(),
            template: Some(Spanned::unspanned(self.template.clone())),
            zonepath: self.zonepath.clone(),
            ip_type: self.ip_type,
            state,
            created: Some(crate::time::now_rfc3339()),
            nets: self
                .nets
                .iter()
                .map(|n| Net {
                    physical: n.link.clone(),
                    address: Some(ZoneAddress {
                        ip: n.address,
                        prefix: Some(n.prefix),
                    }),
                    pool: Some(n.pool.clone()),
                    vnic: self.ip_type == IpType::Exclusive,
                    address_span: None,
                    pool_span: None,
                })
                .collect(),
        }
    }

    /// `dladm create-vnic` for each interface of an exclusive-IP zone: (its name, the command).
    pub fn vnics(&self) -> Vec<(String, CommandLine)> {
        if self.ip_type != IpType::Exclusive {
            return Vec::new();
        }
        self.nets
            .iter()
            .map(|n| {
                (
                    n.link.clone(),
                    crate::host::dladm::create_vnic(&n.over, &n.link),
                )
            })
            .collect()
    }

    /// The addresses the plan takes, as messages list them (`192.0.2.10/24`).
    pub fn addresses(&self) -> String {
        let list: Vec<String> = self
            .nets
            .iter()
            .map(|n| format!("{}/{}", n.address, n.prefix))
            .collect();
        list.join(", ")
    }

    /// `zonecfg -z NAME -f -` with the command file on its standard input.
    pub fn configure(&self) -> CommandLine {
        crate::host::zonecfg::configure(&self.zone, &self.zonecfg)
    }

    /// `zoneadm install` with the preferred publisher's first origin (`-P`) and one `-e` per
    /// package. The brand's install reads `-P` into one variable, so only one may be given,
    /// and it looks for the `entire` incorporation there: the other publishers and origins
    /// are set in the new image afterwards ([`Plan::image_publishers`]).
    pub fn install(&self) -> CommandLine {
        if let Some(source) = &self.clone {
            return crate::host::zoneadm::clone(&self.zone, source);
        }
        let preferred = self
            .publishers
            .iter()
            .find_map(|p| p.origins.first().map(|o| (p.name.as_str(), o.as_str())));
        crate::host::zoneadm::install(&self.zone, preferred, &self.packages)
    }

    /// The zone's root, seen from the global zone.
    pub fn root(&self) -> PathBuf {
        self.zonepath.join("root")
    }

    /// `pkg -R ROOT set-publisher …` for what the install did not set: the preferred
    /// publisher's other origins and its mirrors, then every other publisher with all its
    /// origins and mirrors, in the template's order (which is the image's search order).
    pub fn image_publishers(&self) -> Vec<CommandLine> {
        // A clone's image is its source's, publishers included.
        if self.clone.is_some() {
            return Vec::new();
        }
        let root = self.root();
        let mut preferred_done = false;
        let mut out = Vec::new();
        for p in &self.publishers {
            let (origins, mirrors) = if !preferred_done && !p.origins.is_empty() {
                preferred_done = true;
                (&p.origins[1..], &p.mirrors[..])
            } else {
                (&p.origins[..], &p.mirrors[..])
            };
            if origins.is_empty() && mirrors.is_empty() {
                continue;
            }
            out.push(crate::host::pkg::set_publisher(
                &root.to_string_lossy(),
                &p.name,
                origins,
                mirrors,
            ));
        }
        out
    }

    pub fn boot_command(&self) -> Option<CommandLine> {
        self.boot.then(|| crate::host::zoneadm::boot(&self.zone))
    }

    /// Every command, in order, as `--dry-run` shows them.
    pub fn commands(&self) -> Vec<CommandLine> {
        let mut v: Vec<CommandLine> = self.vnics().into_iter().map(|(_, c)| c).collect();
        v.push(self.configure());
        v.push(self.install());
        v.extend(self.image_publishers());
        v.extend(self.boot_command());
        v
    }
}

/// Makes the zone. On failure everything done is undone, unless `keep_on_failure`.
pub fn create(core: &mut Session, registry: Registry, opts: &CreateOptions) -> Result<Created> {
    // 1. Plan against the registry as it is, to refuse bad requests before taking the lock.
    prepare(&registry, &Ledger::default(), opts)?;

    // 2. Reserve under the lock, allocating from the ledger as it is now.
    // The entry is locked before the registry lock is released, and stays locked until the
    // end, undo included: `reconcile` tells a running create from a crashed one by that lock.
    // An address of a shared pool is claimed in etcd first, still under the lock: a crash
    // between the claim and the entry leaves a key that `reconcile --fix` releases.
    let (mut plan, held, mut claims) = {
        let _lock = core.lock()?;
        let ledger = registry.current_ledger()?;
        let (plan, claims) = crate::ops::shared_pools::plan_and_claim(
            core,
            &registry,
            ledger,
            &opts.name,
            |ledger| plan_with(&registry, ledger, opts),
            plan_nets,
        )?;
        let entered =
            crate::fs::lock::CreateLock::acquire(core.root(), &plan.zone).and_then(|held| {
                // Locked before the entry appears: no one ever sees it unlocked while this runs.
                if crate::store::entries::write_new_entry(
                    core.root(),
                    &plan.entry(ZoneState::Creating),
                )? {
                    Ok(held)
                } else {
                    Err(Error::conflict(format!(
                        "zone `{}` is already in the registry",
                        opts.name
                    )))
                }
            });
        match entered {
            Ok(held) => (plan, held, claims),
            Err(e) => return Err(released(e, claims.release(&opts.name))),
        }
    };
    // A zone of that name made outside zmgr must not be touched, not even by an undo. (Asked
    // after the reservation, so that requests the registry refuses run no command at all.)
    // The host is asked before anything is made, so what would fail there fails now.
    // The zone to clone is locked from before its check (installed, halted) until the create
    // ends, so no `zmgr boot` or rollback of it runs under the clone; what the clone hook may
    // leave on it is known by the snapshots it has now.
    let checked = crate::ops::clone::lock_source(core, plan.clone.as_deref()).and_then(|lock| {
        preflight(core, &registry, &plan).and_then(|problems| {
            problems
                .into_iter()
                .next()
                .map_or(Ok(()), |p| Err(p.into_error(&plan)))
        })?;
        let snaps = match plan.clone.as_deref() {
            Some(source) => crate::ops::clone::SourceSnapshots::note(core, source)?,
            None => None,
        };
        Ok((lock, snaps))
    });
    let (source_lock, source_snapshots) = match checked {
        Ok(c) => c,
        Err(e) => {
            let _lock = core.lock()?;
            crate::store::entries::remove_entry(core.root(), &plan.zone)?;
            return Err(released(e, claims.release(&plan.zone)));
        }
    };
    for n in &plan.nets {
        core.note(&format!(
            "zone {}: address {}/{} from pool {}",
            plan.zone, n.address, n.prefix, n.pool
        ));
    }

    // From here on every failure, including one writing the registry, is undone, and so is
    // every registry change the hooks make (noted in the journal).
    let mut made: Vec<Part> = Vec::new();
    let template = registry.templates.get(&plan.template).cloned();
    let scripting = registry.config.scripting.clone();
    let journal = match Journal::start(core.root(), &plan.zone) {
        Ok(j) => j,
        Err(e) => {
            return Err(roll_back(
                core,
                &plan,
                made,
                None,
                &claims,
                e,
                opts.keep_on_failure,
            ));
        }
    };
    let result = load_hooks(core, template.as_ref(), &scripting, &plan, journal.clone())
        .and_then(|h| build_and_mark(core, &mut plan, template.as_ref(), h.as_deref(), &mut made))
        // The shared addresses are the create's last step: etcd lost on the way undoes it.
        .and_then(|state| claims.confirm(&plan.zone).map(|()| state));
    let result = match result {
        Ok(state) => {
            // The journal goes once the create is done: a crash before that leaves a
            // journal beside a finished entry, which the next create of the name drops.
            let _ = journal.finish();
            Ok(Created {
                zone: plan.zone.clone(),
                address: plan.nets.first().map(|n| ZoneAddress {
                    ip: n.address,
                    prefix: Some(n.prefix),
                }),
                link: plan.nets.first().map(|n| n.link.clone()),
                nets: plan
                    .nets
                    .iter()
                    .map(|n| CreatedNet {
                        pool: n.pool.clone(),
                        address: ZoneAddress {
                            ip: n.address,
                            prefix: Some(n.prefix),
                        },
                        link: n.link.clone(),
                    })
                    .collect(),
                state,
            })
        }
        Err(cause) => {
            let e = roll_back(
                core,
                &plan,
                made,
                Some(&journal),
                &claims,
                cause,
                opts.keep_on_failure,
            );
            Err(crate::ops::clone::undo_source_snapshots(
                core,
                &plan.zone,
                source_snapshots.as_ref(),
                e,
            ))
        }
    };
    drop(source_lock);
    drop(held);
    result
}

/// The template's hooks, compiled now so a broken one fails before anything changes.
fn load_hooks(
    core: &Session,
    template: Option<&Template>,
    scripting: &crate::model::config::Scripting,
    plan: &Plan,
    journal: Journal,
) -> Result<Option<Box<dyn ZoneHooks>>> {
    match template {
        Some(t) if !t.hooks.is_empty() => core
            .hook_engine()
            .load(
                t,
                scripting,
                plan.hook_zone(),
                Some(core.shared_runner()),
                core.root(),
                Some(journal),
            )
            .map(Some),
        _ => Ok(None),
    }
}

/// Runs the hook for `point`, if there is one.
fn hook(
    core: &mut Session,
    hooks: Option<&dyn ZoneHooks>,
    point: HookPoint,
    zone: &str,
) -> Result<()> {
    match hooks {
        Some(h) if h.has(point) => {
            core.note(&format!("running the {point} hook of zone {zone}"));
            h.run(point)
        }
        _ => Ok(()),
    }
}

/// What `create --dry-run` shows: the plan, every command as it would be typed, and what
/// on the host would make the create fail.
#[derive(Debug, Clone, Serialize)]
pub struct DryRun {
    #[serde(flatten)]
    pub plan: Plan,
    pub commands: Vec<String>,
    /// What the host check before the create found (empty when it would go ahead).
    pub problems: Vec<String>,
}

impl DryRun {
    /// The error a dry run ends with when the create would fail on this host.
    pub fn problem(&self) -> Option<Error> {
        (!self.problems.is_empty()).then(|| {
            Error::failed(format!(
                "the create would fail on this host: {}",
                self.problems.join("; ")
            ))
        })
    }
}

/// Something on the host that would make a create fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostProblem {
    /// A zone of that name exists already (zmgr did not make it).
    ZoneExists(ZoneState),
    /// The link a VNIC goes over, or a shared-IP zone uses, does not exist.
    NoLink(String),
    /// A shared-IP zone's link is an etherstub, which cannot carry IP.
    EtherstubForSharedIp(String),
    /// A link of the VNIC's name exists already.
    VnicTaken(String),
    /// No ZFS dataset is mounted at the zonepath base.
    NoDataset(PathBuf),
    /// The zone to clone cannot be cloned.
    CloneSource(crate::ops::clone::SourceProblem),
}

impl HostProblem {
    pub fn describe(&self, plan: &Plan) -> String {
        match self {
            HostProblem::ZoneExists(state) => format!(
                "a zone named `{}` already exists on the system (state {state})",
                plan.zone
            ),
            HostProblem::NoLink(l) => format!("link {l} does not exist"),
            HostProblem::EtherstubForSharedIp(l) => {
                format!("{l} is an etherstub, which cannot carry the IP of a shared-IP zone")
            }
            HostProblem::VnicTaken(l) => format!("a link named {l} exists already"),
            HostProblem::NoDataset(base) => format!(
                "no ZFS dataset is mounted at the zonepath base {}; the brand's install refuses such a zonepath",
                base.display()
            ),
            HostProblem::CloneSource(p) => p.describe(),
        }
    }

    fn into_error(self, plan: &Plan) -> Error {
        let message = self.describe(plan);
        match self {
            HostProblem::ZoneExists(_) => Error::conflict(message).with_help(format!(
                "zmgr does not change zones it did not make; `zmgr import {}` adopts it",
                plan.zone
            )),
            HostProblem::VnicTaken(_) => {
                Error::conflict(message).with_help("give another name with --vnic")
            }
            HostProblem::EtherstubForSharedIp(ref link) => {
                let pool = plan
                    .nets
                    .iter()
                    .find(|n| &n.link == link)
                    .map(|n| n.pool.as_str())
                    .unwrap_or_default();
                Error::usage(message).with_help(format!(
                    "give pool `{pool}` a `shared-link` with IP on it, or make the template exclusive-IP"
                ))
            }
            HostProblem::NoLink(_) | HostProblem::NoDataset(_) => Error::failed(message).with_help(
                "`zmgr host check` lists what the host lacks; `zmgr host setup` makes it",
            ),
            HostProblem::CloneSource(p) => p.into_error(),
        }
    }
}

/// Asks the host, read-only, what would make the create fail: a zone of that name, the
/// links it uses, its VNIC's name, the zonepath base's dataset.
pub fn preflight(core: &Session, registry: &Registry, plan: &Plan) -> Result<Vec<HostProblem>> {
    let runner = core.runner();
    let mut problems = Vec::new();
    let zones = crate::host::zoneadm::list(runner)?;
    if let Some(z) = zones.iter().find(|z| z.name == plan.zone) {
        problems.push(HostProblem::ZoneExists(z.state));
        // The rest is moot: zmgr will not touch that zone.
        return Ok(problems);
    }
    if let Some(p) = plan
        .clone
        .as_deref()
        .and_then(|source| crate::ops::clone::check_source(&zones, &plan.brand, source))
    {
        problems.push(HostProblem::CloneSource(p));
    }
    let links = crate::host::dladm::links(runner)?;
    let class = |name: &str| {
        links
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.class.clone())
    };
    for net in &plan.nets {
        let problem = match plan.ip_type {
            IpType::Exclusive if class(&net.over).is_none() => {
                Some(HostProblem::NoLink(net.over.clone()))
            }
            IpType::Exclusive if class(&net.link).is_some() => {
                Some(HostProblem::VnicTaken(net.link.clone()))
            }
            IpType::Exclusive => None,
            IpType::Shared => match class(&net.link).as_deref() {
                None => Some(HostProblem::NoLink(net.link.clone())),
                Some("etherstub") => Some(HostProblem::EtherstubForSharedIp(net.link.clone())),
                Some(_) => None,
            },
        };
        // Two interfaces over one stub that is missing: one problem.
        if let Some(p) = problem.filter(|p| !problems.contains(p)) {
            problems.push(p);
        }
    }
    let base = &registry.config.zonepath_base.value;
    let datasets = crate::host::zfs::filesystems(runner)?;
    if crate::host::zfs::mounted_at(&datasets, base).is_none() {
        problems.push(HostProblem::NoDataset(base.clone()));
    }
    Ok(problems)
}

/// Plans a create and runs its pre-install hooks, which cannot touch the system: what
/// `--dry-run` shows.
pub fn dry_run(core: &Session, registry: &Registry, opts: &CreateOptions) -> Result<DryRun> {
    let plan = planned(core, registry, opts)?;
    let commands = plan.commands().iter().map(|c| core.display(c)).collect();
    let problems = preflight(core, registry, &plan)?
        .iter()
        .map(|p| p.describe(&plan))
        .collect();
    Ok(DryRun {
        plan,
        commands,
        problems,
    })
}

fn planned(core: &Session, registry: &Registry, opts: &CreateOptions) -> Result<Plan> {
    // A shared pool's address as the create would claim it: what every host holds skipped.
    let mut plan = crate::ops::shared_pools::plan_seeing(
        core,
        registry,
        Ledger::of(registry.zones.values()),
        |ledger| plan_with(registry, ledger, opts),
        plan_nets,
    )?;
    if let Some(t) = registry.templates.get(&plan.template)
        && t.hooks
            .iter()
            .any(|(p, _)| p.value == HookPoint::PreInstall)
    {
        let hooks = core.hook_engine().load(
            t,
            &registry.config.scripting,
            plan.hook_zone(),
            None,
            &registry.root,
            None,
        )?;
        hooks.run(HookPoint::PreInstall)?;
        plan.add(hooks.additions())?;
    }
    Ok(plan)
}

fn build_and_mark(
    core: &mut Session,
    plan: &mut Plan,
    template: Option<&Template>,
    hooks: Option<&dyn ZoneHooks>,
    made: &mut Vec<Part>,
) -> Result<ZoneState> {
    if let Some(h) = hooks.filter(|h| h.has(HookPoint::PreInstall)) {
        hook(core, Some(h), HookPoint::PreInstall, &plan.zone.clone())?;
        plan.add(h.additions())?;
    }
    let state = build(core, plan, template, hooks, made)?;
    let _lock = core.lock()?;
    crate::store::entries::set_entry_state(core.root(), &plan.zone, state)?;
    Ok(state)
}

fn interrupted() -> Result<()> {
    if crate::host::interrupt::requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Makes the zone's parts in order. Each part is noted in `made` before its command runs: a
/// command that fails may still have made part of it (a zonecfg that committed, an
/// incomplete install), and the undo asks the system what is there.
fn build(
    core: &mut Session,
    plan: &Plan,
    template: Option<&Template>,
    hooks: Option<&dyn ZoneHooks>,
    made: &mut Vec<Part>,
) -> Result<ZoneState> {
    let zone = plan.zone.as_str();
    interrupted()?;
    for (net, (link, cmd)) in plan.nets.iter().zip(plan.vnics()) {
        // Noted before it runs: `preflight` found no link of that name, so one that is there
        // after a create-vnic that failed or was stopped is ours (made as it was signalled),
        // and the undo takes it only if the system has it.
        made.push(Part::Vnic(link.clone()));
        core.run_step(&format!("creating VNIC {link} over {}", net.over), &cmd)?;
        interrupted()?;
    }
    interrupted()?;
    made.push(Part::Configuration);
    core.run_step(&format!("configuring zone {zone}"), &plan.configure())
        .map_err(|e| crate::ops::zonecfg_origin::explain(e, &plan.command_file, template))?;
    interrupted()?;
    made.push(Part::Installation);
    let doing = match &plan.clone {
        Some(source) => format!("cloning zone {zone} from {source}"),
        None => format!("installing zone {zone}"),
    };
    core.run_step(&doing, &plan.install())?;
    interrupted()?;
    for cmd in plan.image_publishers() {
        let name = cmd.args.last().cloned().unwrap_or_default();
        core.run_step(&format!("setting publisher {name} in zone {zone}"), &cmd)?;
        interrupted()?;
    }
    hook(core, hooks, HookPoint::PostInstall, zone)?;
    interrupted()?;
    let Some(boot) = plan.boot_command() else {
        return Ok(ZoneState::Installed);
    };
    made.push(Part::Boot);
    core.run_step(&format!("booting zone {zone}"), &boot)?;
    interrupted()?;
    if hooks.is_some_and(|h| h.has(HookPoint::PostBoot)) {
        // Post-boot hooks work in the zone, which needs its services up.
        crate::ops::lifecycle::wait_for_services(core, zone, plan.services_wait)?;
    }
    hook(core, hooks, HookPoint::PostBoot, zone)?;
    interrupted()?;
    Ok(ZoneState::Running)
}

/// Takes back what the create made, with the teardown destroy uses, limited to the parts the
/// create started; the entry goes last, and only when nothing is left.
fn roll_back(
    core: &mut Session,
    plan: &Plan,
    made: Vec<Part>,
    journal: Option<&Journal>,
    claims: &crate::ops::shared_pools::Claims,
    cause: Error,
    keep: bool,
) -> Error {
    let _shield = crate::host::interrupt::Shield::up();
    let mut undone = Vec::new();
    let mut failed = Vec::new();
    if keep {
        // The hooks' registry changes stay with the rest; `reconcile --fix` takes them
        // back with the zone (the journal stays for it).
        let left: Vec<String> = made
            .iter()
            .rev()
            .map(|p| p.describe(&plan.zone))
            .chain(
                journal
                    .iter()
                    .flat_map(|j| j.changes())
                    .map(|c| c.describe()),
            )
            .chain(
                (!claims.is_empty())
                    .then(|| format!("the claims in etcd on {}", claims.describe())),
            )
            .collect();
        return Error::Create {
            zone: plan.zone.clone(),
            cause: Box::new(cause),
            undone,
            failed,
            kept: Some(left),
        };
    }
    let steps = match undo_steps(core, plan, &made) {
        Ok(steps) => steps,
        Err(e) => {
            failed.push(format!(
                "cannot see what is left of zone {}: {e}",
                plan.zone
            ));
            Vec::new()
        }
    };
    for step in &steps {
        core.note(&format!("undoing: {}", step.part.describe(&plan.zone)));
    }
    let outcome = crate::ops::teardown::run(core, &plan.zone, &steps);
    undone.extend(outcome.done.iter().map(|p| p.describe(&plan.zone)));
    failed.extend(
        outcome
            .failed
            .iter()
            .map(|(p, e)| format!("{}: {e}", p.describe(&plan.zone))),
    );
    failed.extend(outcome.kept.iter().map(|p| {
        format!(
            "{} is kept, since the zone could not be halted or uninstalled",
            p.describe(&plan.zone)
        )
    }));
    // Then what the hooks changed in the registry, whatever became of the zone (a change
    // that cannot be taken back is reported, and holds nothing of the zone).
    let system_clean = failed.is_empty();
    if let Some(j) = journal {
        if !j.changes().is_empty() {
            core.note("undoing the registry changes of the hooks");
        }
        let hooks = crate::ops::journal_undo::undo(core, j);
        undone.extend(hooks.done);
        failed.extend(hooks.failed);
        if let Err(e) = j.finish() {
            failed.push(format!("the journal of the create: {e}"));
        }
    }
    // The entry goes last, and only if the system is clean: while anything of the zone is
    // left, its address stays reserved (and `reconcile --fix` can finish the job).
    if system_clean {
        let removed = core
            .lock()
            .and_then(|_lock| crate::store::entries::remove_entry(core.root(), &plan.zone));
        match removed {
            Ok(()) => undone.push(match plan.nets.len() {
                0 => "the registry entry".to_string(),
                1 => format!(
                    "the registry entry (address {} is free again)",
                    plan.nets[0].address
                ),
                _ => format!(
                    "the registry entry (addresses {} are free again)",
                    plan.nets
                        .iter()
                        .map(|n| n.address.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
            Err(e) => failed.push(format!("the registry entry of {}: {e}", plan.zone)),
        }
        // Then the claims in etcd: after the entry, so that a crash in between leaves a key
        // without a zone, which `reconcile --fix` releases.
        if !claims.is_empty() {
            let left = claims.release(&plan.zone);
            if left.is_empty() {
                undone.push(format!("the claims in etcd on {}", claims.describe()));
            }
            failed.extend(left);
        }
    } else {
        failed.push(format!(
            "the registry entry is kept in state creating, so {} stays reserved; `zmgr reconcile --fix` retries the cleanup",
            plan.nets
                .iter()
                .map(|n| n.address.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Error::Create {
        zone: plan.zone.clone(),
        cause: Box::new(cause),
        undone,
        failed,
        kept: None,
    }
}

/// The pool and address of each interface of a plan.
fn plan_nets(plan: &Plan) -> Vec<(String, IpAddr)> {
    plan.nets
        .iter()
        .map(|n| (n.pool.clone(), n.address))
        .collect()
}

/// `e`, followed by the claims in etcd that could not be given back after it.
fn released(e: Error, failed: Vec<String>) -> Error {
    if failed.is_empty() {
        e
    } else {
        Error::failed(format!("{e}; and {}", failed.join("; ")))
    }
}

/// The teardown steps for what the create made and the system still has.
fn undo_steps(core: &Session, plan: &Plan, made: &[Part]) -> Result<Vec<Step>> {
    let started = |p: &Part| made.contains(p);
    let zone_parts = made.iter().any(|p| !matches!(p, Part::Vnic(_)));
    let listed = if zone_parts {
        crate::host::zoneadm::find(core.runner(), &plan.zone)?
    } else {
        None
    };
    let ours: Vec<&str> = made
        .iter()
        .filter_map(|p| match p {
            Part::Vnic(v) => Some(v.as_str()),
            _ => None,
        })
        .collect();
    let system: Vec<String> = if ours.is_empty() {
        Vec::new()
    } else {
        crate::host::dladm::vnics(core.runner())?
            .into_iter()
            .map(|v| v.link)
            .collect()
    };
    let mut skipped = Vec::new();
    let vnics = crate::ops::teardown::present(ours, &system, &mut skipped);
    Ok(
        crate::ops::teardown::plan(&plan.zone, listed.as_ref(), &vnics, &mut skipped)
            .into_iter()
            .filter(|s| started(&s.part))
            .collect(),
    )
}

/// What a create of `opts` reads: its template, the pool it takes the address from, the
/// template's publishers, and every zone entry (the ledger of addresses); a broken file
/// elsewhere does not stop it.
pub fn needs(opts: &CreateOptions) -> impl Fn(&Registry) -> crate::store::needs::Needs + '_ {
    use crate::store::needs::{Needs, Want};
    move |registry| {
        let template = opts.template.clone().or_else(|| {
            registry
                .config
                .default_template
                .as_ref()
                .map(|d| d.value.clone())
        });
        let t = template.as_ref().and_then(|t| registry.templates.get(t));
        // The pools of its interfaces: as `wanted_nets` picks them.
        let pools: Vec<String> = if !opts.nets.is_empty() {
            opts.nets.iter().map(|n| n.pool.clone()).collect()
        } else if let Some(p) = &opts.pool {
            vec![p.clone()]
        } else {
            t.and_then(|t| t.nets.as_ref())
                .map(|nets| nets.iter().map(|n| n.pool.value.clone()).collect())
                .unwrap_or_default()
        };
        Needs {
            config: true,
            templates: template.as_deref().map_or(Want::Nothing, Want::one),
            pools: Want::named(pools.iter().map(String::as_str)),
            zones: Want::All,
            publishers: Want::named(
                t.iter()
                    .flat_map(|t| t.publishers.iter().map(|p| p.value.as_str())),
            ),
            only: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vnic_names_end_in_a_number_without_leading_zero() {
        assert_eq!(derived_vnic("web"), "web0");
        assert_eq!(derived_vnic("web01"), "web01_0");
        assert_eq!(derived_vnic("my-zone"), "my_zone0");
        for z in ["web", "web01", "my-zone", "a.b"] {
            assert_eq!(
                crate::model::names::link_name_error(&derived_vnic(z)),
                None,
                "{z}"
            );
        }
        assert!(crate::model::names::link_name_error(&derived_vnic("0day")).is_some());
        assert_eq!(suggest_vnic("0day"), "day0");
    }
}
