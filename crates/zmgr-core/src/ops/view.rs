//! What the read-only verbs show: rows of named fields for tables and `-p -o`, and JSON.

use std::net::IpAddr;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::model::pool::Pool;
use crate::model::publisher::Publisher;
use crate::model::template::IpType;
use crate::model::template::{HookPoint, HookScripts, Template};
use crate::model::zone::{Net, ZoneEntry, ZoneState};
use crate::store::registry::Registry;

/// A field of a listing: its name for `-o`, and whether the table shows it by default.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub default: bool,
}

const fn f(name: &'static str, default: bool) -> Field {
    Field { name, default }
}

/// Rows of one listing, each a value per field, plus the same objects in full for `--json`.
#[derive(Debug)]
pub struct Listing {
    /// What the objects are, plural: the key of their list in a `--json` document.
    pub key: &'static str,
    pub fields: &'static [Field],
    pub rows: Vec<Vec<String>>,
    pub json: Vec<Value>,
}

pub const ZONE_FIELDS: &[Field] = &[
    f("name", true),
    f("state", true),
    f("brand", true),
    f("template", true),
    f("address", true),
    f("pool", true),
    f("link", false),
    f("zonepath", false),
    f("ip_type", false),
    f("created", false),
];

pub const POOL_FIELDS: &[Field] = &[
    f("name", true),
    f("network", true),
    f("gateway", true),
    f("stub", true),
    f("size", true),
    f("used", true),
    f("free", true),
    f("next", true),
];

pub const TEMPLATE_FIELDS: &[Field] = &[
    f("name", true),
    f("brand", true),
    f("autoboot", true),
    f("ip_type", true),
    f("pool", true),
    f("publishers", true),
    f("description", true),
];

pub const PUBLISHER_FIELDS: &[Field] = &[f("name", true), f("origins", true), f("mirrors", false)];

fn join<I: IntoIterator<Item = S>, S: ToString>(it: I) -> String {
    it.into_iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn zone_row(z: &ZoneEntry) -> Vec<String> {
    (0..ZONE_FIELDS.len()).map(|i| zone_field(z, i)).collect()
}

/// The value of [`ZONE_FIELDS`]`[i]` for one zone.
fn zone_field(z: &ZoneEntry, i: usize) -> String {
    match i {
        0 => z.name.value.clone(),
        1 => z.state.to_string(),
        2 => z.brand.clone(),
        3 => z
            .template
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default(),
        4 => join(z.nets.iter().filter_map(|n| n.address)),
        5 => join(z.nets.iter().filter_map(|n| n.pool.clone())),
        6 => join(z.nets.iter().map(|n| n.physical.clone())),
        7 => z.zonepath.display().to_string(),
        8 => z.ip_type.as_str().to_string(),
        9 => z.created.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

// The objects of the read-only verbs' JSON, one type each, so that a key is spelled in one
// place and serde gives every field its snake_case name (docs/cli.md, "JSON output").

/// A zone as `list --json`, `show --json` and `zmgr::zones()` give it.
#[derive(Serialize)]
struct ZoneView<'a> {
    name: &'a str,
    state: ZoneState,
    brand: &'a str,
    template: Option<&'a str>,
    zonepath: &'a Path,
    ip_type: IpType,
    created: Option<&'a str>,
    nets: &'a [Net],
}

/// A pool with its usage, as `pool list --json` gives it.
#[derive(Serialize)]
struct PoolView<'a> {
    name: &'a str,
    description: Option<&'a str>,
    network: String,
    prefix_length: u8,
    gateway: Option<IpAddr>,
    stub: &'a str,
    /// `files` (this registry's zones are its ledger) or `etcd` (shared with other hosts).
    ledger: &'static str,
    ranges: Vec<crate::model::pool::AddrRange>,
    reserved: Vec<IpAddr>,
    excluded: Vec<crate::model::pool::AddrRange>,
    // Sizes can exceed what JSON numbers carry exactly (an IPv6 /64), so they are strings.
    size: String,
    used: String,
    free: String,
    next: Option<IpAddr>,
}

/// One interface of a template.
#[derive(Serialize)]
struct TemplateNetView<'a> {
    pool: &'a str,
    defrouter: bool,
}

/// A template as `template list --json` and `zmgr::template()` give it.
#[derive(Serialize)]
struct TemplateView<'a> {
    name: &'a str,
    description: Option<&'a str>,
    brand: &'a str,
    autoboot: bool,
    ip_type: IpType,
    /// The first interface's pool, as before templates had several.
    pool: Option<&'a str>,
    nets: Option<Vec<TemplateNetView<'a>>>,
    publishers: Vec<&'a str>,
    packages: Vec<&'a str>,
    zonecfg: &'a crate::model::template::ZonecfgExtras,
    hooks: Vec<HookScripts>,
    file: &'a Path,
}

#[derive(Serialize)]
struct PublisherView<'a> {
    name: &'a str,
    origins: Vec<&'a str>,
    mirrors: Vec<&'a str>,
}

/// An address of a pool and who holds it, in `pool show --json`'s `zones`.
#[derive(Serialize)]
struct PoolZoneView<'a> {
    /// None for an address a shared pool's host reserved by hand.
    zone: Option<&'a str>,
    /// With the pool's prefix length.
    address: String,
    /// The zone's state, when this registry has the zone.
    state: Option<ZoneState>,
    /// For a shared pool, the host that holds it.
    host: Option<&'a str>,
    /// For a shared pool, what its key in etcd says: `creating`, `created`, `reserved`, or
    /// `foreign` for a value zmgr did not write.
    claim: Option<&'a str>,
}

/// What `check --json` prints and `zmgr::check()` returns.
#[derive(Serialize)]
struct CheckView {
    valid: bool,
    errors: usize,
    warnings: usize,
    problems: Vec<ProblemView>,
    templates: usize,
    pools: usize,
    zones: usize,
    publishers: usize,
}

#[derive(Serialize)]
struct ProblemView {
    severity: &'static str,
    message: String,
    /// `FILE:LINE:COLUMN`, when the problem has a place.
    at: Option<String>,
}

fn value(v: impl Serialize) -> Value {
    serde_json::to_value(v).expect("views serialise")
}

pub fn zone_json(z: &ZoneEntry) -> Value {
    value(ZoneView {
        name: &z.name.value,
        state: z.state,
        brand: &z.brand,
        template: z.template.as_ref().map(|t| t.value.as_str()),
        zonepath: &z.zonepath,
        ip_type: z.ip_type,
        created: z.created.as_deref(),
        nets: &z.nets,
    })
}

pub fn zones<'a>(zones: impl IntoIterator<Item = &'a ZoneEntry>) -> Listing {
    let zones: Vec<&ZoneEntry> = zones.into_iter().collect();
    Listing {
        key: "zones",
        fields: ZONE_FIELDS,
        rows: zones.iter().map(|z| zone_row(z)).collect(),
        json: zones.iter().map(|z| zone_json(z)).collect(),
    }
}

/// [`zones`] with only the JSON objects.
pub fn zones_json<'a>(zones: impl IntoIterator<Item = &'a ZoneEntry>) -> Listing {
    Listing {
        key: "zones",
        fields: ZONE_FIELDS,
        rows: Vec::new(),
        json: zones.into_iter().map(zone_json).collect(),
    }
}

/// A table's rows, each cell made when it is shown: `list` of tens of thousands of zones
/// builds no row before it prints it.
pub trait Rows {
    fn count(&self) -> usize;
    fn cell(&self, row: usize, field: usize) -> String;
}

impl Rows for Vec<Vec<String>> {
    fn count(&self) -> usize {
        self.len()
    }
    fn cell(&self, row: usize, field: usize) -> String {
        self[row][field].clone()
    }
}

/// Zones as rows of [`ZONE_FIELDS`].
pub struct ZoneRows<'a>(pub Vec<&'a ZoneEntry>);

impl Rows for ZoneRows<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn cell(&self, row: usize, field: usize) -> String {
        zone_field(self.0[row], field)
    }
}

pub fn pool_row(p: &Pool, held: &crate::model::held::Held) -> (Vec<String>, Value) {
    let u = p.usage(held);
    let row = vec![
        p.name.value.clone(),
        p.network.value.to_string(),
        p.gateway
            .as_ref()
            .map(|g| g.value.to_string())
            .unwrap_or_default(),
        p.stub.value.clone(),
        u.size.to_string(),
        u.used.to_string(),
        u.free.to_string(),
        u.next.map(|n| n.to_string()).unwrap_or_default(),
    ];
    let json = value(PoolView {
        name: &p.name.value,
        description: p.description.as_deref(),
        network: p.network.value.to_string(),
        prefix_length: p.prefix_len(),
        gateway: p.gateway.as_ref().map(|g| g.value),
        stub: &p.stub.value,
        ledger: if p.shared.is_some() { "etcd" } else { "files" },
        ranges: p.ranges.iter().map(|r| r.value).collect(),
        reserved: p.reserved.iter().map(|r| r.value).collect(),
        excluded: p.excluded.iter().map(|r| r.value).collect(),
        size: u.size.to_string(),
        used: u.used.to_string(),
        free: u.free.to_string(),
        next: u.next,
    });
    (row, json)
}

/// The pools with their usage: a shared pool's counts what every host holds (read from
/// etcd), a pool of files what this registry's zones hold.
pub fn pools<'a>(
    registry: &Registry,
    pools: impl IntoIterator<Item = &'a Pool>,
) -> Result<Listing> {
    let held = registry.held_addresses();
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for p in pools {
        let (row, value) = pool_row(p, &*pool_held(registry, p, &held)?);
        rows.push(row);
        json.push(value);
    }
    Ok(Listing {
        key: "pools",
        fields: POOL_FIELDS,
        rows,
        json,
    })
}

/// The addresses of `pool` that are taken: `local` (this registry's), plus every host's
/// claims in etcd when the pool is shared.
pub fn pool_held<'h>(
    registry: &Registry,
    pool: &Pool,
    local: &'h crate::model::held::Held,
) -> Result<std::borrow::Cow<'h, crate::model::held::Held>> {
    if pool.shared.is_none() {
        return Ok(std::borrow::Cow::Borrowed(local));
    }
    let store = crate::ops::session::connect(&registry.config, &registry.root)?;
    let mut held = local.clone();
    held.extend(
        store
            .read(&pool.name.value)?
            .holdings
            .iter()
            .map(|h| h.address),
    );
    Ok(std::borrow::Cow::Owned(held))
}

pub fn templates<'a>(templates: impl IntoIterator<Item = &'a Template>) -> Listing {
    let (rows, json) = templates
        .into_iter()
        .map(|t| {
            let row = vec![
                t.name.value.clone(),
                t.brand.value.clone(),
                t.autoboot.to_string(),
                t.ip_type.as_str().to_string(),
                join(t.nets.iter().flatten().map(|n| n.pool.value.clone())),
                join(t.publishers.iter().map(|p| p.value.clone())),
                t.description.clone().unwrap_or_default(),
            ];
            let json = value(TemplateView {
                name: &t.name.value,
                description: t.description.as_deref(),
                brand: &t.brand.value,
                autoboot: t.autoboot,
                ip_type: t.ip_type,
                pool: t
                    .nets
                    .iter()
                    .flatten()
                    .next()
                    .map(|n| n.pool.value.as_str()),
                nets: t.nets.as_ref().map(|nets| {
                    nets.iter()
                        .map(|n| TemplateNetView {
                            pool: &n.pool.value,
                            defrouter: n.defrouter,
                        })
                        .collect()
                }),
                publishers: t.publishers.iter().map(|p| p.value.as_str()).collect(),
                packages: t.packages.iter().map(|p| p.value.as_str()).collect(),
                zonecfg: &t.zonecfg,
                hooks: HookScripts::of(Some(t), &HookPoint::ALL),
                file: t.file.path(),
            });
            (row, json)
        })
        .unzip();
    Listing {
        key: "templates",
        fields: TEMPLATE_FIELDS,
        rows,
        json,
    }
}

pub fn publishers<'a>(publishers: impl IntoIterator<Item = &'a Publisher>) -> Listing {
    let (rows, json) = publishers
        .into_iter()
        .map(|p| {
            let row = vec![
                p.name.value.clone(),
                join(p.origins.iter().map(|o| o.value.clone())),
                join(p.mirrors.iter().map(|o| o.value.clone())),
            ];
            let json = value(PublisherView {
                name: &p.name.value,
                origins: p.origins.iter().map(|o| o.value.as_str()).collect(),
                mirrors: p.mirrors.iter().map(|o| o.value.as_str()).collect(),
            });
            (row, json)
        })
        .unzip();
    Listing {
        key: "publishers",
        fields: PUBLISHER_FIELDS,
        rows,
        json,
    }
}

/// The addresses of `pool` and who holds them, for `pool show`: this registry's zones for a
/// pool of files; every host's claims, from etcd, for a shared pool.
pub fn pool_zones(registry: &Registry, pool: &Pool) -> Result<Listing> {
    const FILES: &[Field] = &[
        f("zone", true),
        f("address", true),
        f("state", true),
        f("host", false),
        f("claim", false),
    ];
    const SHARED: &[Field] = &[
        f("zone", true),
        f("address", true),
        f("state", true),
        f("host", true),
        f("claim", true),
    ];
    let mut rows = Vec::new();
    let mut json = Vec::new();
    let mut push = |zone: Option<&str>,
                    address: String,
                    state: Option<ZoneState>,
                    host: Option<&str>,
                    claim: Option<&str>| {
        rows.push(vec![
            zone.unwrap_or_default().to_string(),
            address.clone(),
            state.map(|s| s.to_string()).unwrap_or_default(),
            host.unwrap_or_default().to_string(),
            claim.unwrap_or_default().to_string(),
        ]);
        json.push(value(PoolZoneView {
            zone,
            address,
            state,
            host,
            claim,
        }));
    };
    if pool.shared.is_some() {
        let store = crate::ops::session::connect(&registry.config, &registry.root)?;
        let mut held = store.read(&pool.name.value)?.holdings;
        held.sort_by_key(|h| h.address);
        for h in &held {
            let claim = h.claim.as_ref();
            let zone = claim.and_then(|c| c.zone.as_deref());
            // The state is known for this host's zones only.
            let state = claim
                .filter(|c| c.host == store.host())
                .and(zone)
                .and_then(|z| registry.zones.get(z))
                .map(|z| z.state);
            let prefix = pool.prefix_len();
            push(
                zone,
                format!("{}/{prefix}", h.address),
                state,
                claim.map(|c| c.host.as_str()),
                Some(claim.map_or("foreign", |c| c.state.as_str())),
            );
        }
        return Ok(Listing {
            key: "zones",
            fields: SHARED,
            rows,
            json,
        });
    }
    for z in registry.zones.values() {
        for n in &z.nets {
            let Some(a) = n.address else { continue };
            let named = n.pool.as_deref() == Some(pool.name.value.as_str());
            if named || pool.network.value.contains(&a.ip) {
                push(
                    Some(&z.name.value),
                    a.to_string(),
                    Some(z.state),
                    None,
                    None,
                );
            }
        }
    }
    Ok(Listing {
        key: "zones",
        fields: FILES,
        rows,
        json,
    })
}

/// One pool as `pool show` and `zmgr::pool()` give it: its row, whose JSON also lists the
/// addresses held and by whom, and those as a listing of their own.
pub fn pool_show(registry: &Registry, pool: &Pool) -> Result<(Listing, Listing)> {
    let mut listing = pools(registry, [pool])?;
    let zones = pool_zones(registry, pool)?;
    if let Some(Value::Object(obj)) = listing.json.first_mut() {
        obj.insert("zones".into(), zones.json.clone().into());
    }
    Ok((listing, zones))
}

/// What `check` found, as `check --json` prints it and `zmgr::check()` returns it.
pub fn check_report(registry: &Registry, problems: &crate::error::Problems) -> Value {
    value(CheckView {
        valid: !problems.has_errors(),
        errors: problems.errors(),
        warnings: problems.warnings(),
        problems: problems
            .iter()
            .map(|p| ProblemView {
                severity: if p.is_error() { "error" } else { "warning" },
                message: p.message().to_string(),
                at: p.position(),
            })
            .collect(),
        templates: registry.templates.len(),
        pools: registry.pools.len(),
        zones: registry.zones.len(),
        publishers: registry.publishers.len(),
    })
}

/// Ranges, reserved and excluded addresses of a pool, shown under its fields.
pub fn pool_details(p: &Pool) -> Vec<(&'static str, String)> {
    let list = |items: Vec<String>| items.join(", ");
    let mut v = vec![(
        "ranges",
        list(p.ranges.iter().map(|r| r.value.to_string()).collect()),
    )];
    if !p.reserved.is_empty() {
        v.push((
            "reserved",
            list(p.reserved.iter().map(|r| r.value.to_string()).collect()),
        ));
    }
    if !p.excluded.is_empty() {
        v.push((
            "excluded",
            list(p.excluded.iter().map(|r| r.value.to_string()).collect()),
        ));
    }
    if let Some(d) = &p.description {
        v.push(("description", d.clone()));
    }
    v.push(("file", p.file.path().display().to_string()));
    v
}

/// Packages, zonecfg extras and hooks of a template, shown under its fields.
pub fn template_details(t: &Template) -> Vec<(&'static str, String)> {
    use crate::model::template::ResourceValue;
    let mut v = Vec::new();
    if !t.packages.is_empty() {
        let names: Vec<&str> = t.packages.iter().map(|p| p.value.as_str()).collect();
        v.push(("packages", names.join(", ")));
    }
    let z = &t.zonecfg;
    for (k, val) in &z.properties {
        v.push(("zonecfg", format!("set {k}=\"{val}\"")));
    }
    for a in &z.attrs {
        v.push((
            "zonecfg",
            format!("attr {} {} \"{}\"", a.name, a.ty, a.value),
        ));
    }
    for r in &z.resources {
        let props: Vec<String> = r
            .properties
            .iter()
            .map(|p| match &p.value {
                ResourceValue::Simple(s) => format!("{}=\"{s}\"", p.name),
                ResourceValue::List(l) => format!("{}=[{}]", p.name, l.join(",")),
                ResourceValue::Complex(kv) => {
                    let inner: Vec<String> = kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("{}=({})", p.name, inner.join(","))
                }
            })
            .collect();
        v.push(("zonecfg", format!("{} {}", r.kind, props.join(" "))));
    }
    for (point, source) in &t.hooks {
        v.push(("hook", format!("{} {}", point.value, source.describe())));
    }
    v.push(("file", t.file.path().display().to_string()));
    v
}

/// Which zones `list` (and `zmgr::zones`) shows: every filter given must hold. `state` takes
/// one or more states; `name` is a glob (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`) over the whole
/// name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneFilter {
    pub states: Vec<crate::model::zone::ZoneState>,
    pub template: Option<String>,
    pub pool: Option<String>,
    pub brand: Option<String>,
    pub name: Option<String>,
}

impl ZoneFilter {
    /// A filter from the words a person typed; a state zmgr does not know, or a glob that
    /// does not close its `[`, is refused with the valid choices.
    pub fn parse(
        states: &[String],
        template: Option<String>,
        pool: Option<String>,
        brand: Option<String>,
        name: Option<String>,
    ) -> crate::error::Result<ZoneFilter> {
        use crate::model::zone::ZoneState;
        let mut parsed = Vec::new();
        for s in states.iter().flat_map(|s| s.split(',')) {
            let s = s.trim();
            match s.parse::<ZoneState>() {
                Ok(st) => parsed.push(st),
                Err(()) => {
                    return Err(crate::error::Error::usage(format!(
                        "unknown zone state `{}`",
                        crate::text::shown(s)
                    ))
                    .with_help(format!(
                        "the states are {}",
                        ZoneState::ALL.map(|s| s.as_str()).join(", ")
                    )));
                }
            }
        }
        if let Some(g) = &name {
            glob_match(g, "").map_err(|why| {
                crate::error::Error::usage(format!(
                    "the name pattern `{}` {why}",
                    crate::text::shown(g)
                ))
            })?;
        }
        Ok(ZoneFilter {
            states: parsed,
            template,
            pool,
            brand,
            name,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == ZoneFilter::default()
    }

    pub fn matches(&self, z: &ZoneEntry) -> bool {
        (self.states.is_empty() || self.states.contains(&z.state))
            && self
                .template
                .as_ref()
                .is_none_or(|t| z.template.as_ref().is_some_and(|zt| zt.value == *t))
            && self
                .pool
                .as_ref()
                .is_none_or(|p| z.nets.iter().any(|n| n.pool.as_deref() == Some(p)))
            && self.brand.as_ref().is_none_or(|b| z.brand == *b)
            && self
                .name
                .as_ref()
                .is_none_or(|g| glob_match(g, &z.name.value).unwrap_or(false))
    }
}

/// The zones that pass `filter`, in the registry's order.
pub fn filter_zones<'a>(
    zones: impl IntoIterator<Item = &'a ZoneEntry>,
    filter: &ZoneFilter,
) -> Vec<&'a ZoneEntry> {
    zones.into_iter().filter(|z| filter.matches(z)).collect()
}

/// Whether `name` matches the shell-style `pattern` as a whole; an error for a `[` that is
/// never closed.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool, &'static str> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Check the classes once, whatever the name; a `[` inside a class (`[[]`) is a member.
    let mut i = 0;
    while i < p.len() {
        if p[i] == '[' {
            i = class_end(&p, i).ok_or("has a `[` without its `]`")?;
        }
        i += 1;
    }
    Ok(glob_at(&p, &n))
}

/// The index of the `]` closing the class that starts at `p[open]`.
fn class_end(p: &[char], open: usize) -> Option<usize> {
    let mut j = open + 1;
    if p.get(j) == Some(&'!') {
        j += 1;
    }
    // A `]` first in the class is a member.
    if p.get(j) == Some(&']') {
        j += 1;
    }
    while j < p.len() {
        if p[j] == ']' {
            return Some(j);
        }
        j += 1;
    }
    None
}

fn class_has(class: &[char], c: char) -> bool {
    let (negate, body) = match class.first() {
        Some('!') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut found = false;
    let mut k = 0;
    while k < body.len() {
        if k + 2 < body.len() && body[k + 1] == '-' {
            if body[k] <= c && c <= body[k + 2] {
                found = true;
            }
            k += 3;
        } else {
            if body[k] == c {
                found = true;
            }
            k += 1;
        }
    }
    found != negate
}

fn glob_at(p: &[char], n: &[char]) -> bool {
    // Iterative with one backtrack point for `*`, as fnmatch does.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => {
                let end = class_end(p, pi).expect("checked");
                class_has(&p[pi + 1..end], n[ni]).then_some(end + 1)
            }
            Some(c) => (*c == n[ni]).then_some(pi + 1),
            None => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    #[test]
    fn globs_match_whole_names() {
        let yes = [
            ("web*", "web01"),
            ("web*", "web"),
            ("*01", "web01"),
            ("w?b0[0-9]", "web07"),
            ("[!d]*", "web01"),
            ("*", ""),
            ("a*b*c", "axxbyyc"),
            ("[]x]", "]"),
            ("[[]", "["),
            ("a[[]b", "a[b"),
            ("db01", "db01"),
        ];
        for (p, n) in yes {
            assert_eq!(glob_match(p, n), Ok(true), "{p} {n}");
        }
        let no = [
            ("web*", "db01"),
            ("web", "web01"),
            ("w?b", "wb"),
            ("[!w]*", "web01"),
            ("a*b*c", "axxbyy"),
        ];
        for (p, n) in no {
            assert_eq!(glob_match(p, n), Ok(false), "{p} {n}");
        }
        assert_eq!(
            glob_match("web[0-", "web0"),
            Err("has a `[` without its `]`")
        );
    }

    #[test]
    fn states_are_checked() {
        let f = ZoneFilter::parse(&["running,installed".into()], None, None, None, None).unwrap();
        assert_eq!(f.states.len(), 2);
        let e = ZoneFilter::parse(&["runing".into()], None, None, None, None).unwrap_err();
        assert_eq!(e.to_string(), "unknown zone state `runing`");
        assert!(ZoneFilter::parse(&[], None, None, None, Some("a[".into())).is_err());
        assert!(ZoneFilter::default().is_empty());
    }
}
