//! Zone templates, `templates/NAME.kdl`: how zones of one kind are made.

use std::sync::Arc;

use kdl::{KdlDocument, KdlNode, KdlValue};
use miette::SourceSpan;
use serde::Serialize;

use crate::error::{Problem, SourceFile};
use crate::kdl::{Reader, Spanned, quote};
pub use crate::model::zonecfg_extras::{
    Attr, Resource, ResourceProperty, ResourceValue, ZonecfgExtras,
};
use crate::model::zonecfg_value as zonecfg;
use crate::model::zonecfg_value::{PropKind, RESOURCES};

const NODES: &[&str] = &[
    "description",
    "brand",
    "autoboot",
    "boot",
    "ip-type",
    "pool",
    "nets",
    "publisher",
    "packages",
    "zonecfg",
    "hooks",
    "clone-from",
];

/// A point in a zone's life where a template's hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookPoint {
    /// After the address is reserved, before anything on the system changes.
    PreInstall,
    PostInstall,
    PostBoot,
    /// Before `destroy` changes anything.
    PreDestroy,
    /// After the entry is removed.
    PostDestroy,
}

impl HookPoint {
    pub const ALL: [HookPoint; 5] = [
        HookPoint::PreInstall,
        HookPoint::PostInstall,
        HookPoint::PostBoot,
        HookPoint::PreDestroy,
        HookPoint::PostDestroy,
    ];

    /// The points of `create`, in the order they run.
    pub const CREATE: [HookPoint; 3] = [
        HookPoint::PreInstall,
        HookPoint::PostInstall,
        HookPoint::PostBoot,
    ];

    /// The points of `destroy`, in the order they run.
    pub const DESTROY: [HookPoint; 2] = [HookPoint::PreDestroy, HookPoint::PostDestroy];

    pub fn as_str(self) -> &'static str {
        match self {
            HookPoint::PreInstall => "pre-install",
            HookPoint::PostInstall => "post-install",
            HookPoint::PostBoot => "post-boot",
            HookPoint::PreDestroy => "pre-destroy",
            HookPoint::PostDestroy => "post-destroy",
        }
    }

    pub fn from_name(name: &str) -> Option<HookPoint> {
        HookPoint::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Whether the point belongs to `destroy` (the others belong to `create`).
    pub fn is_destroy(self) -> bool {
        matches!(self, HookPoint::PreDestroy | HookPoint::PostDestroy)
    }
}

/// A hook point with the template's scripts for it, as `template show --json` and
/// `create --dry-run --json` list them.
#[derive(Debug, Clone, Serialize)]
pub struct HookScripts {
    pub point: HookPoint,
    /// File paths as the template gives them; inline code as `(inline code)`.
    pub scripts: Vec<String>,
}

impl HookScripts {
    /// Each of `points`, in the order given, with the template's scripts for it (an empty
    /// list for none, and for a zone without a template).
    pub fn of(template: Option<&Template>, points: &[HookPoint]) -> Vec<HookScripts> {
        points
            .iter()
            .map(|&point| HookScripts {
                point,
                scripts: template
                    .iter()
                    .flat_map(|t| &t.hooks)
                    .filter(|(p, _)| p.value == point)
                    .map(|(_, source)| source.describe())
                    .collect(),
            })
            .collect()
    }
}

impl std::fmt::Display for HookPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The hook points by name, as a template writes them.
pub const HOOK_POINTS: &[&str] = &[
    "pre-install",
    "post-install",
    "post-boot",
    "pre-destroy",
    "post-destroy",
];

/// Where a hook's script is: a file beside the template, or code written in the template.
#[derive(Debug, Clone)]
pub enum HookSource {
    File(Spanned<String>),
    Code(Spanned<String>),
}

impl HookSource {
    /// The file path, or `code` for inline code, for listings.
    pub fn describe(&self) -> String {
        match self {
            HookSource::File(f) => f.value.clone(),
            HookSource::Code(_) => "(inline code)".into(),
        }
    }
}

/// Whether a zone has its own IP stack or shares the global zone's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IpType {
    #[default]
    Exclusive,
    Shared,
}

impl IpType {
    pub fn parse(s: &str) -> Option<IpType> {
        match s {
            "exclusive" => Some(IpType::Exclusive),
            "shared" => Some(IpType::Shared),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IpType::Exclusive => "exclusive",
            IpType::Shared => "shared",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Template {
    pub file: Arc<SourceFile>,
    pub name: Spanned<String>,
    pub description: Option<String>,
    pub brand: Spanned<String>,
    /// zonecfg's `autoboot`: the zone boots when the host does.
    pub autoboot: bool,
    /// Whether `create` boots the zone once it is installed (`boot`; when the template does
    /// not say, as autoboot).
    pub boot: bool,
    pub ip_type: IpType,
    /// The zone's interfaces, each with an address from a pool, the first carrying the
    /// default route (`nets { net pool="lan" … }`, or `pool "lan"` for one). `None` when the
    /// template says nothing (`create --net` or `--pool` must), `Some(vec![])` for none.
    pub nets: Option<Vec<TemplateNet>>,
    /// IPS publishers for the zone image, preferred first.
    pub publishers: Vec<Spanned<String>>,
    /// Packages installed on top of the brand's base set.
    pub packages: Vec<Spanned<String>>,
    pub zonecfg: ZonecfgExtras,
    /// (hook point, script path relative to the template's folder)
    pub hooks: Vec<(Spanned<HookPoint>, HookSource)>,
    /// `clone-from "ZONE"`: zones of this template are cloned from that installed, halted
    /// zone (`zoneadm clone`) instead of installed (`create --clone` wins).
    pub clone_from: Option<Spanned<String>>,
}

/// One interface of the zones a template makes.
#[derive(Debug, Clone)]
pub struct TemplateNet {
    /// The pool its address comes from.
    pub pool: Spanned<String>,
    /// Whether the pool's gateway becomes the zone's default router on this interface.
    pub defrouter: bool,
}

/// Global zonecfg properties a template may set. zmgr itself sets zonename, zonepath,
/// brand, autoboot and ip-type.
const GLOBAL_PROPERTIES: &[&str] = &[
    "bootargs",
    "pool",
    "limitpriv",
    "scheduling-class",
    "hostid",
    "fs-allowed",
    "cpu-shares",
    "max-lwps",
    "max-processes",
    "max-shm-memory",
    "max-shm-ids",
    "max-msg-ids",
    "max-sem-ids",
    "zfs-io-priority",
];

/// Rctl aliases zonecfg lists as properties but does not set from the global scope (zonecfg.c
/// `set_func` maps no global `max-swap` or `max-locked-memory`: "Cannot set a
/// resource-specific property from the global scope."): they are capped-memory's `swap` and
/// `locked`.
const RESOURCE_ONLY_ALIASES: &[(&str, &str)] =
    &[("max-swap", "swap"), ("max-locked-memory", "locked")];

const MANAGED_PROPERTIES: &[(&str, &str)] = &[
    ("zonename", "the zone's name comes from `zmgr create NAME`"),
    (
        "zonepath",
        "zonepaths are <zonepath-base>/<name>, set in config.kdl",
    ),
    ("brand", "use the template's `brand` node"),
    ("autoboot", "use the template's `autoboot` node"),
    ("ip-type", "use the template's `ip-type` node"),
];

const ATTR_TYPES: &[&str] = &["string", "int", "uint", "boolean"];

impl Template {
    pub fn decode(
        file: &Arc<SourceFile>,
        doc: &KdlDocument,
        problems: &mut Vec<Problem>,
    ) -> Option<Template> {
        let mut r = Reader::new(file, problems);
        let (node, name) = r.top_node(doc, "template")?;
        let nodes = r.children(node, NODES);

        let description = r
            .single(&nodes, "description")
            .and_then(|n| r.one_string_arg(n))
            .map(|s| s.value);
        let brand = match r.single(&nodes, "brand") {
            Some(n) => r.one_string_arg(n),
            None => {
                r.missing(node, "brand", "brand \"ipkg\"");
                None
            }
        };
        if let Some(b) = &brand
            && let Some(why) = crate::model::names::object_name_error("brand", &b.value)
        {
            r.error(b.span, why, "invalid brand");
        }
        let autoboot = r
            .single(&nodes, "autoboot")
            .and_then(|n| r.one_bool_arg(n))
            .unwrap_or(false);
        let boot = r
            .single(&nodes, "boot")
            .and_then(|n| r.one_bool_arg(n))
            .unwrap_or(autoboot);
        let mut ip_type = IpType::default();
        if let Some(n) = r.single(&nodes, "ip-type")
            && let Some(v) = r.one_string_arg(n)
        {
            match IpType::parse(&v.value) {
                Some(t) => ip_type = t,
                None => r.error_help(
                    v.span,
                    format!("ip-type `{}` is neither exclusive nor shared", v.value),
                    "invalid ip-type",
                    "write \"exclusive\" (the zone gets a VNIC) or \"shared\"",
                ),
            }
        }
        let pool = r.single(&nodes, "pool").and_then(|n| r.one_string_arg(n));
        let nets = match (pool, r.single(&nodes, "nets")) {
            (Some(p), Some(n)) => {
                r.error_help(
                    n.name().span(),
                    "a template gives `pool` or `nets`, not both",
                    "both given",
                    format!(
                        "`pool {}` is short for `nets {{ net pool={} }}`; keep one",
                        quote(&p.value),
                        quote(&p.value)
                    ),
                );
                None
            }
            (Some(pool), None) => Some(vec![TemplateNet {
                pool,
                defrouter: true,
            }]),
            (None, Some(n)) => Some(decode_nets(&mut r, n)),
            (None, None) => None,
        };
        let mut publishers: Vec<Spanned<String>> = Vec::new();
        for n in r.all(&nodes, "publisher") {
            let Some(p) = r.one_string_arg(n) else {
                continue;
            };
            // Twice is a mistake: it would also set the publisher twice in the zone's image.
            if let Some(first) = publishers.iter().find(|q| q.value == p.value) {
                let (line, _) = r.file.line_col(first.span.offset());
                r.error_help(
                    p.span,
                    format!(
                        "publisher `{}` is named twice",
                        crate::text::shown(&p.value)
                    ),
                    "repeated",
                    format!("it is already named on line {line}; keep one of them"),
                );
                continue;
            }
            publishers.push(p);
        }
        let mut packages: Vec<Spanned<String>> = Vec::new();
        for n in r.all(&nodes, "packages") {
            for p in r.string_args(n) {
                if let Some(why) = package_error(&p.value) {
                    r.error(p.span, why, "invalid package");
                } else if let Some(first) = packages
                    .iter()
                    .find(|q| package_stem(&q.value) == package_stem(&p.value))
                {
                    let (line, _) = r.file.line_col(first.span.offset());
                    r.error_help(
                        p.span,
                        format!(
                            "package `{}` is listed twice",
                            crate::text::shown(package_stem(&p.value))
                        ),
                        "repeated",
                        format!(
                            "`{}` is already listed on line {line}; keep one of them",
                            crate::text::shown(&first.value)
                        ),
                    );
                } else {
                    packages.push(p);
                }
            }
        }
        let zonecfg = match r.single(&nodes, "zonecfg") {
            Some(n) => decode_extras(&mut r, n),
            None => ZonecfgExtras::default(),
        };
        let mut hooks = Vec::new();
        if let Some(n) = r.single(&nodes, "hooks") {
            let points = r.children(n, HOOK_POINTS);
            for point in HOOK_POINTS {
                let Some(h) = r.single(&points, point) else {
                    continue;
                };
                // Several scripts for one point run in the order written: the files, then
                // the inline `code`.
                let point_kind =
                    HookPoint::from_name(point).expect("HOOK_POINTS names hook points");
                let at = Spanned::new(point_kind, h.name().span());
                let before = hooks.len();
                for e in h.entries() {
                    let Some(v) = r.string_value(h, e) else {
                        continue;
                    };
                    match e.name().map(|k| k.value()) {
                        None => match hook_path_error(&v.value) {
                            Some(why) => r.error(v.span, why, "invalid hook path"),
                            None => hooks.push((at.clone(), HookSource::File(v))),
                        },
                        Some("code") => hooks.push((at.clone(), HookSource::Code(v))),
                        Some(k) => r.unknown(k, e.span(), &["code"], "property"),
                    }
                }
                if let Some(c) = h.children() {
                    r.error(
                        c.span(),
                        format!("`{point}` takes no children"),
                        "unexpected block",
                    );
                }
                if hooks.len() == before && h.entries().is_empty() {
                    r.error_help(
                        h.span(),
                        format!("`{point}` names no script"),
                        "script missing",
                        format!("write `{point} \"hooks/setup.rhai\"` or `{point} code=#\"…\"#`"),
                    );
                }
            }
        }
        let clone_from = r
            .single(&nodes, "clone-from")
            .and_then(|n| r.one_string_arg(n));
        if let Some(c) = &clone_from
            && let Some(why) = crate::model::names::zone_name_error(&c.value)
        {
            r.error(c.span, format!("clone-from: {why}"), "invalid zone name");
        }
        Some(Template {
            file: file.clone(),
            clone_from,
            name,
            description,
            brand: brand?,
            autoboot,
            boot,
            ip_type,
            nets,
            publishers,
            packages,
            zonecfg,
            hooks,
        })
    }
}

impl Template {
    /// The template as zmgr would write it (comments are not kept; edits use the file itself).
    pub fn to_kdl(&self) -> String {
        let mut s = format!("template {} {{\n", quote(&self.name.value));
        if let Some(d) = &self.description {
            s += &format!("    description {}\n", quote(d));
        }
        s += &format!("    brand {}\n", quote(&self.brand.value));
        s += &format!("    autoboot #{}\n", self.autoboot);
        if self.boot != self.autoboot {
            s += &format!("    boot #{}\n", self.boot);
        }
        s += &format!("    ip-type {}\n", quote(self.ip_type.as_str()));
        match self.nets.as_deref() {
            None => {}
            Some([n]) if n.defrouter => s += &format!("    pool {}\n", quote(&n.pool.value)),
            Some(nets) => {
                s += "    nets {\n";
                for (i, n) in nets.iter().enumerate() {
                    s += &format!("        net pool={}", quote(&n.pool.value));
                    if n.defrouter != (i == 0) {
                        s += &format!(" defrouter=#{}", n.defrouter);
                    }
                    s += "\n";
                }
                s += "    }\n";
            }
        }
        for p in &self.publishers {
            s += &format!("    publisher {}\n", quote(&p.value));
        }
        if !self.packages.is_empty() {
            let list: Vec<String> = self.packages.iter().map(|p| quote(&p.value)).collect();
            s += &format!("    packages {}\n", list.join(" "));
        }
        let z = &self.zonecfg;
        if !z.properties.is_empty() || !z.attrs.is_empty() || !z.resources.is_empty() {
            s += "    zonecfg {\n";
            for (k, v) in &z.properties {
                s += &format!("        property {} {}\n", quote(k), quote(v));
            }
            for a in &z.attrs {
                s += &format!(
                    "        attr {} {} type={}\n",
                    quote(&a.name),
                    quote(&a.value),
                    quote(&a.ty)
                );
            }
            for r in &z.resources {
                s += &format!("        resource {} {{\n", quote(&r.kind));
                for p in &r.properties {
                    let value = match &p.value {
                        ResourceValue::Simple(v) => quote(v),
                        ResourceValue::List(l) => {
                            l.iter().map(|v| quote(v)).collect::<Vec<_>>().join(" ")
                        }
                        ResourceValue::Complex(kv) => kv
                            .iter()
                            .map(|(k, v)| format!("{k}={}", quote(v)))
                            .collect::<Vec<_>>()
                            .join(" "),
                    };
                    s += &format!("            {} {value}\n", p.name);
                }
                s += "        }\n";
            }
            s += "    }\n";
        }
        if !self.hooks.is_empty() {
            s += "    hooks {\n";
            for point in HOOK_POINTS {
                let sources: Vec<String> = self
                    .hooks
                    .iter()
                    .filter(|(p, _)| p.value.as_str() == *point)
                    .map(|(_, source)| match source {
                        HookSource::File(f) => quote(&f.value),
                        HookSource::Code(c) => format!("code={}", quote(&c.value)),
                    })
                    .collect();
                if !sources.is_empty() {
                    s += &format!("        {point} {}\n", sources.join(" "));
                }
            }
            s += "    }\n";
        }
        s += "}\n";
        s
    }
}

/// A package's name without its `pkg:/` or `pkg://PUBLISHER/` prefix and its version: what
/// two entries of `packages` name the same package by.
fn package_stem(fmri: &str) -> &str {
    let name = match fmri.strip_prefix("pkg://") {
        Some(rest) => rest.split_once('/').map_or(rest, |(_, n)| n),
        None => fmri.strip_prefix("pkg:/").unwrap_or(fmri),
    };
    name.split('@').next().unwrap_or(name)
}

/// `nets { net pool="lan"; net pool="backend" defrouter=#false }`: the first net carries the
/// default route unless it says `defrouter=#false`, the others only if they say
/// `defrouter=#true`.
fn decode_nets(r: &mut Reader<'_>, node: &KdlNode) -> Vec<TemplateNet> {
    let mut nets = Vec::new();
    for (i, n) in r.children(node, &["net"]).into_iter().enumerate() {
        let mut pool = None;
        let mut defrouter = i == 0;
        for (key, e) in r.props(n, &["pool", "defrouter"]) {
            match key {
                "pool" => pool = r.string_value(n, e),
                _ => match e.value() {
                    KdlValue::Bool(b) => defrouter = *b,
                    other => r.error_help(
                        e.span(),
                        format!(
                            "`defrouter` takes #true or #false, not {}",
                            crate::kdl::describe(other)
                        ),
                        "expected a boolean",
                        "write `defrouter=#false`",
                    ),
                },
            }
        }
        if let Some(e) = n.entries().iter().find(|e| e.name().is_none()) {
            r.error_help(
                e.span(),
                "`net` takes properties, not values",
                "unexpected value",
                "write `net pool=\"lan\"`",
            );
        }
        if let Some(c) = n.children() {
            r.error(c.span(), "`net` takes no children", "unexpected block");
        }
        match pool {
            Some(pool) => nets.push(TemplateNet { pool, defrouter }),
            None => r.missing(n, "pool", "pool=\"lan\""),
        }
    }
    nets
}

fn decode_extras(r: &mut Reader<'_>, node: &KdlNode) -> ZonecfgExtras {
    let mut extras = ZonecfgExtras::default();
    // Where each resource's type and each attr's name is written, for the rules between them.
    let mut resource_spans: Vec<SourceSpan> = Vec::new();
    let mut attr_names: Vec<Spanned<String>> = Vec::new();
    for n in r.children(node, &["property", "attr", "resource"]) {
        match n.name().value() {
            "property" => decode_property(r, n, &mut extras),
            "attr" => {
                if let Some(name) = decode_attr(r, n, &mut extras) {
                    // zonecfg.c end_func RT_ATTR: "An attr resource with the name '…' already
                    // exists."
                    if let Some(first) = attr_names.iter().find(|a| a.value == name.value) {
                        let (line, _) = r.file.line_col(first.span.offset());
                        r.error_help(
                            name.span,
                            format!(
                                "attr `{}` is set twice; zonecfg refuses the second",
                                crate::text::shown(&name.value)
                            ),
                            "repeated",
                            format!("it is already set on line {line}; keep one of them"),
                        );
                    }
                    attr_names.push(name);
                }
            }
            _ => {
                if let Some(span) = decode_resource(r, n, &mut extras) {
                    resource_spans.push(span);
                }
            }
        }
    }
    for (i, why) in zonecfg::extras_refusals(&extras.properties, &extras.resources) {
        r.error_help(
            resource_spans[i],
            why.message,
            "zonecfg refuses this",
            why.help,
        );
    }
    extras
}

fn decode_property(r: &mut Reader<'_>, n: &KdlNode, extras: &mut ZonecfgExtras) {
    let args = r.string_args(n);
    let [name, value] = args.as_slice() else {
        if !args.is_empty() {
            r.error_help(
                n.span(),
                "`property` takes a name and a value",
                "expected two values",
                "write `property \"limitpriv\" \"default,dtrace_proc\"`",
            );
        }
        return;
    };
    if let Some((_, why)) = MANAGED_PROPERTIES.iter().find(|(p, _)| *p == name.value) {
        r.error_help(
            name.span,
            format!("zmgr sets `{}` itself", name.value),
            "managed by zmgr",
            *why,
        );
        return;
    }
    if let Some((_, prop)) = RESOURCE_ONLY_ALIASES.iter().find(|(p, _)| *p == name.value) {
        r.error_help(
            name.span,
            format!(
                "zonecfg does not set `{}` as a global property",
                name.value
            ),
            "set by capped-memory",
            format!(
                "zonecfg's set_func takes it only as capped-memory's `{prop}`: write `resource \"capped-memory\" {{ {prop} \"4G\" }}`"
            ),
        );
        return;
    }
    if !GLOBAL_PROPERTIES.contains(&name.value.as_str()) {
        r.unknown(
            &name.value,
            name.span,
            GLOBAL_PROPERTIES,
            "zonecfg property",
        );
        return;
    }
    if let Some(why) = zonecfg::global_property_refusal(&name.value, &value.value) {
        r.error_help(value.span, why.message, "zonecfg refuses this", why.help);
        return;
    }
    if check_value(r, value) {
        extras
            .properties
            .push((name.value.clone(), value.value.clone()));
    }
}

/// Decodes an `attr`, returning its name when it is kept.
fn decode_attr(
    r: &mut Reader<'_>,
    n: &KdlNode,
    extras: &mut ZonecfgExtras,
) -> Option<Spanned<String>> {
    let mut ty = "string".to_string();
    for (key, e) in r.props(n, &["type"]) {
        if key == "type"
            && let Some(v) = r.string_value(n, e)
        {
            if ATTR_TYPES.contains(&v.value.as_str()) {
                ty = v.value;
            } else {
                r.unknown(&v.value, v.span, ATTR_TYPES, "attr type");
            }
        }
    }
    let args: Vec<_> = n.entries().iter().filter(|e| e.name().is_none()).collect();
    let [name, value] = args.as_slice() else {
        r.error_help(
            n.span(),
            "`attr` takes a name and a value",
            "expected two values",
            "write `attr \"owner\" \"ops\"` or `attr \"tier\" \"3\" type=\"int\"`",
        );
        return None;
    };
    let name = r.string_value(n, name)?;
    // Numbers and booleans are natural for int/boolean attrs; zonecfg takes them as text.
    let value = match value.value() {
        KdlValue::Integer(i) => Spanned::new(i.to_string(), value.span()),
        KdlValue::Bool(b) => Spanned::new(b.to_string(), value.span()),
        _ => r.string_value(n, value)?,
    };
    if !(check_value(r, &name) && check_value(r, &value)) {
        return None;
    }
    let (name_bad, value_bad) = zonecfg::attr_refusals(&name.value, &ty, &value.value);
    let ok = name_bad.is_none() && value_bad.is_none();
    for (span, why) in [(name.span, name_bad), (value.span, value_bad)] {
        if let Some(why) = why {
            r.error_help(span, why.message, "zonecfg refuses this", why.help);
        }
    }
    if !ok {
        return None;
    }
    extras.attrs.push(Attr {
        name: name.value.clone(),
        ty,
        value: value.value,
    });
    Some(name)
}

/// Decodes a `resource`, returning where its type is written when it is kept.
fn decode_resource(
    r: &mut Reader<'_>,
    n: &KdlNode,
    extras: &mut ZonecfgExtras,
) -> Option<SourceSpan> {
    let kind = r.name_arg(n, "resource")?;
    // A net zmgr does not make would carry an address the registry does not hold: two zones
    // could get it, and the zone fails at boot when its link is missing.
    if kind.value == "net" {
        r.error_help(
            kind.span,
            "a template's interfaces are given by `nets`, not a zonecfg `net` resource",
            "zmgr would not record this interface",
            "write `nets { net pool=\"lan\" }` beside `zonecfg`: each net gets its VNIC and an address from its pool, held in the registry",
        );
        return None;
    }
    let kinds: Vec<&str> = RESOURCES.iter().map(|(k, _)| *k).collect();
    let Some((_, props)) = RESOURCES.iter().find(|(k, _)| *k == kind.value) else {
        if kind.value == "attr" {
            r.error_help(
                kind.span,
                "attributes have their own node",
                "use `attr`",
                "write `attr \"NAME\" \"VALUE\" type=\"string\"` inside `zonecfg`",
            );
        } else {
            r.unknown(&kind.value, kind.span, &kinds, "zonecfg resource");
        }
        return None;
    };
    let names: Vec<&str> = props.iter().map(|(p, _)| *p).collect();
    let mut resource = Resource {
        kind: kind.value.clone(),
        properties: Vec::new(),
    };
    let children = r.children(n, &names);
    // Where each kept property's value is written, and each of its items (list items,
    // key=value pairs), for the checks by type.
    let mut spans: Vec<(SourceSpan, Vec<SourceSpan>)> = Vec::new();
    let problems_before = r.problems.len();
    for (prop, prop_kind) in props.iter() {
        let nodes = if *prop_kind == PropKind::Complex {
            r.all(&children, prop)
        } else {
            r.single(&children, prop).into_iter().collect()
        };
        for c in nodes {
            let value = match prop_kind {
                PropKind::Simple => r
                    .one_string_arg(c)
                    .filter(|v| check_value(r, v))
                    .map(|v| (ResourceValue::Simple(v.value), (v.span, Vec::new()))),
                PropKind::List => {
                    let items = r.string_args(c);
                    items.iter().all(|v| check_value(r, v)).then(|| {
                        let item_spans = items.iter().map(|v| v.span).collect();
                        (
                            ResourceValue::List(items.into_iter().map(|v| v.value).collect()),
                            (c.span(), item_spans),
                        )
                    })
                }
                PropKind::Complex => decode_complex(r, c).map(|pairs| {
                    let entry_spans = c.entries().iter().map(|e| e.span()).collect();
                    (ResourceValue::Complex(pairs), (c.span(), entry_spans))
                }),
            };
            if let Some((value, at)) = value {
                resource.properties.push(ResourceProperty {
                    name: prop.to_string(),
                    value,
                });
                spans.push(at);
            }
        }
    }
    if children.is_empty() && n.children().is_none() {
        r.error_help(
            n.span(),
            format!("resource `{}` has no properties", kind.value),
            "empty resource",
            format!(
                "add its properties in braces: `resource \"{}\" {{ … }}`",
                kind.value
            ),
        );
        return None;
    }
    // A property written but refused above is not reported again as missing.
    let has = |prop: &str, empty_counts: bool| {
        children.iter().any(|c| c.name().value() == prop)
            && (empty_counts
                || !resource.properties.iter().any(|p| {
                    p.name == prop && matches!(&p.value, ResourceValue::Simple(v) if v.is_empty())
                }))
    };
    // A resource with a value that cannot be written at all is already refused; what it
    // lacks is reported once that value is fixed, so that one mistake reads as one problem.
    let writable = r.problems.len() == problems_before;
    for why in zonecfg::missing_refusals(&kind.value, &has) {
        if writable {
            r.error_help(kind.span, why.message, "zonecfg refuses this", why.help);
        }
    }
    for (place, why) in zonecfg::value_refusals(&resource) {
        let span = match place {
            zonecfg::Place::Resource => kind.span,
            zonecfg::Place::Property(i) => spans[i].0,
            zonecfg::Place::Item(i, j) => spans[i].1.get(j).copied().unwrap_or(spans[i].0),
        };
        r.error_help(span, why.message, "zonecfg refuses this", why.help);
    }
    extras.resources.push(resource);
    Some(kind.span)
}

/// `value priv="privileged" limit=2000 action="deny"` → `(priv=privileged,limit=2000,action=deny)`.
fn decode_complex(r: &mut Reader<'_>, n: &KdlNode) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut ok = true;
    for e in n.entries() {
        let Some(key) = e.name() else {
            r.error_help(
                e.span(),
                format!("`{}` takes key=value pairs", n.name().value()),
                "expected key=value",
                "write e.g. `value priv=\"privileged\" limit=2000 action=\"deny\"`",
            );
            ok = false;
            continue;
        };
        let text = match e.value() {
            KdlValue::String(s) => s.clone(),
            KdlValue::Integer(i) => i.to_string(),
            other => {
                r.error(
                    e.span(),
                    format!(
                        "`{}` takes a string or a number, not {}",
                        key.value(),
                        crate::kdl::describe(other)
                    ),
                    "invalid value",
                );
                ok = false;
                continue;
            }
        };
        for part in [key.value(), text.as_str()] {
            if let Some(why) = zonecfg::complex_value_error(part) {
                r.error(e.span(), why, "cannot be written to zonecfg");
                ok = false;
            }
        }
        pairs.push((key.value().to_string(), text));
    }
    if pairs.is_empty() && ok {
        r.error(
            n.span(),
            format!("`{}` is empty", n.name().value()),
            "no key=value pairs",
        );
        ok = false;
    }
    ok.then_some(pairs)
}

/// Checks that a value can be written into a zonecfg command file safely.
fn check_value(r: &mut Reader<'_>, v: &Spanned<String>) -> bool {
    match zonecfg::quoted_value_error(&v.value) {
        Some(why) => {
            r.error(v.span, why, "cannot be written to zonecfg");
            false
        }
        None => true,
    }
}

/// Checks a resource built at run time (by a hook) against the same rules as a template's:
/// a known type, its properties, and values zonecfg can take.
pub fn check_resource(r: &Resource) -> Result<(), String> {
    if r.kind == "net" {
        return Err(
            "a `net` resource would give the zone an interface and address the registry does not hold; a template's `nets` gives interfaces"
                .into(),
        );
    }
    let Some((_, props)) = RESOURCES.iter().find(|(k, _)| *k == r.kind) else {
        let kinds: Vec<&str> = RESOURCES.iter().map(|(k, _)| *k).collect();
        return Err(format!(
            "unknown zonecfg resource `{}`; known: {}",
            r.kind,
            kinds.join(", ")
        ));
    };
    for p in &r.properties {
        let Some((_, kind)) = props.iter().find(|(n, _)| *n == p.name) else {
            let names: Vec<&str> = props.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "resource `{}` has no property `{}`; it has: {}",
                r.kind,
                p.name,
                names.join(", ")
            ));
        };
        let ok = match (&p.value, kind) {
            (ResourceValue::Simple(v), PropKind::Simple) => {
                zonecfg::quoted_value_error(v).map_or(Ok(()), Err)
            }
            (ResourceValue::List(vs), PropKind::List) => vs
                .iter()
                .find_map(|v| zonecfg::quoted_value_error(v))
                .map_or(Ok(()), Err),
            (ResourceValue::Complex(kv), PropKind::Complex) => kv
                .iter()
                .flat_map(|(k, v)| [k, v])
                .find_map(|v| zonecfg::complex_value_error(v))
                .map_or(Ok(()), Err),
            _ => Err(format!(
                "property `{}` of `{}` takes {}",
                p.name,
                r.kind,
                match kind {
                    PropKind::Simple => "a string",
                    PropKind::List => "an array of strings",
                    PropKind::Complex => "a map of key=value pairs",
                }
            )),
        };
        ok?;
    }
    // The same rules by type as a template's resources (zonecfg_value::resource_refusals).
    let refusals: Vec<String> = zonecfg::resource_refusals(r)
        .into_iter()
        .map(|(_, why)| format!("{} ({})", why.message, why.help))
        .collect();
    if !refusals.is_empty() {
        return Err(refusals.join("; "));
    }
    Ok(())
}

/// Why a package name is refused: it becomes an argument of `zoneadm install -e` and of
/// `pkg install` inside the zone, so it must be an IPS FMRI and nothing else (no pattern,
/// no shell or glob character).
///
/// The grammar is pkg5's (`src/modules/fmri.py`, `g_valid_pkg_name`, and
/// `src/modules/version.py`, `Version` and `DotSequence`):
///
/// ```text
/// fmri     = [ "pkg:/" | "pkg://" publisher "/" ] name [ "@" version ]
/// name     = segment *( "/" segment )
/// segment  = [A-Za-z0-9] *[A-Za-z0-9_.+-]
/// version  = "latest" | release [ "," build ] [ "-" branch ] [ ":" timestamp ]
/// release, build, branch = number *( "." number )     ; numbers without leading zeros
/// timestamp = YYYYMMDD "T" HHMMSS "Z"                ; a real UTC time
/// ```
///
/// pkg itself also takes patterns (`*`, `?`) and `@latest`; zmgr takes `@latest` and no
/// pattern, since a pattern could install what the template does not name.
pub fn package_error(p: &str) -> Option<String> {
    let shown = crate::model::names::printable(p);
    if p.is_empty() {
        return Some("a package name cannot be empty".into());
    }
    if p.starts_with('-') {
        return Some(format!(
            "package `{shown}` starts with `-` and would be read as an option"
        ));
    }
    if let Some(c) = p
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "_.+-/:@,".contains(c)))
    {
        return Some(format!(
            "package `{shown}` contains {c:?}, which no IPS package name has"
        ));
    }
    let (stem, version) = match p.rsplit_once('@') {
        Some((stem, version)) => (stem, Some(version)),
        None => (p, None),
    };
    let name = if let Some(rest) = stem.strip_prefix("pkg://") {
        let Some((publisher, name)) = rest.split_once('/') else {
            return Some(format!(
                "package `{shown}` names a publisher but no package: write `pkg://PUBLISHER/NAME`"
            ));
        };
        if let Some(why) = crate::model::publisher::publisher_name_error(publisher) {
            return Some(format!("package `{shown}`: {why}"));
        }
        name
    } else if let Some(name) = stem.strip_prefix("pkg:/") {
        name
    } else {
        stem
    };
    if name.is_empty() {
        return Some(format!("package `{shown}` has no package name"));
    }
    for segment in name.split('/') {
        let ok = !segment.is_empty()
            && segment
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_alphanumeric() || (i > 0 && "_.+-".contains(c)));
        if !ok {
            return Some(format!(
                "package `{shown}` is not an IPS package name: each `/`-separated part is a letter or digit followed by letters, digits, `_`, `.`, `+` and `-`"
            ));
        }
    }
    if let Some(v) = version
        && let Some(why) = version_error(v)
    {
        return Some(format!(
            "package `{shown}` has the version `{v}`, which {why}"
        ));
    }
    None
}

/// Why `v` (what follows `@`) is not an IPS version, per pkg5's `Version`.
fn version_error(v: &str) -> Option<&'static str> {
    if v == "latest" {
        return None;
    }
    if v.is_empty() {
        return Some("is empty");
    }
    let (rest, time) = match v.split_once(':') {
        Some((rest, time)) => (rest, Some(time)),
        None => (v, None),
    };
    let (rest, branch) = match rest.split_once('-') {
        Some((rest, branch)) => (rest, Some(branch)),
        None => (rest, None),
    };
    let (release, build) = match rest.split_once(',') {
        Some((release, build)) => (release, Some(build)),
        None => (rest, None),
    };
    let dot_sequence = |s: &str| {
        s.split('.').all(|n| {
            !n.is_empty()
                && n.chars().all(|c| c.is_ascii_digit())
                && (n == "0" || !n.starts_with('0'))
        })
    };
    let sequences = [Some(release), build, branch];
    if !sequences.into_iter().flatten().all(dot_sequence) {
        return Some(
            "is not release[,build][-branch][:time] of dot-separated numbers without leading zeros",
        );
    }
    if let Some(t) = time {
        // YYYYMMDDTHHMMSSZ, checked as the RFC 3339 time it spells.
        let b = t.as_bytes();
        let ok = b.len() == 16
            && b[8] == b'T'
            && b[15] == b'Z'
            && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
            && crate::time::parse_rfc3339(&format!(
                "{}-{}-{}T{}:{}:{}Z",
                &t[0..4],
                &t[4..6],
                &t[6..8],
                &t[9..11],
                &t[11..13],
                &t[13..15]
            ))
            .is_some();
        if !ok {
            return Some("has a time that is not YYYYMMDDTHHMMSSZ");
        }
    }
    None
}

/// Why a hook path is refused: hooks live beside their template.
pub fn hook_path_error(p: &str) -> Option<String> {
    if p.is_empty() {
        return Some("a hook path cannot be empty".into());
    }
    if p.starts_with('/') {
        return Some(format!(
            "hook `{p}` is an absolute path; give it relative to the template's folder"
        ));
    }
    if p.split('/').any(|c| c == "..") {
        return Some(format!("hook `{p}` leaves the template's folder with `..`"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Template {
        let file = SourceFile::new("templates/web.kdl", text.to_string());
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        let t = Template::decode(&file, &doc, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        t.unwrap()
    }

    #[test]
    fn a_publisher_or_package_named_twice_is_an_error_naming_the_first() {
        let text = "template \"web\" {\n    brand \"ipkg\"\n    publisher \"site\"\n    publisher \"site\"\n    packages \"editor/vim\" \"web/nginx\"\n    packages \"pkg:/editor/vim@9.1\"\n}\n";
        let file = SourceFile::new("templates/web.kdl", text.to_string());
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        let t = Template::decode(&file, &doc, &mut problems);
        let got: Vec<(String, Option<String>)> = problems
            .iter()
            .map(|p| (p.message().to_string(), p.position()))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "publisher `site` is named twice");
        assert!(
            got[0].1.as_deref().unwrap().ends_with("web.kdl:4:15"),
            "{got:?}"
        );
        assert_eq!(got[1].0, "package `editor/vim` is listed twice");
        assert!(
            got[1].1.as_deref().unwrap().ends_with("web.kdl:6:14"),
            "{got:?}"
        );
        // What is left is what the template means.
        let t = t.unwrap();
        assert_eq!(t.publishers.len(), 1);
        assert_eq!(t.packages.len(), 2);
        assert_eq!(
            package_stem("pkg://openindiana.org/editor/vim@9"),
            "editor/vim"
        );
    }

    #[test]
    fn round_trip() {
        let text = r#"// a web template
template "web" {
    description "web servers"
    brand "nlipkg"
    autoboot #true
    ip-type "exclusive"
    pool "lan"
    publisher "openindiana.org"
    publisher "site"
    packages "web/server/nginx" "editor/vim"
    zonecfg {
        property "limitpriv" "default,dtrace_proc"
        attr "tier" 3 type="int"
        resource "capped-memory" { physical "2G"; swap "4G"; }
        resource "fs" {
            dir "/data"
            special "tank/data"
            type "lofs"
            options "ro" "nodevices"
        }
        resource "rctl" {
            name "zone.max-lwps"
            value priv="privileged" limit=2000 action="deny"
        }
    }
    hooks {
        pre-install "web-pre.rhai"
        post-install "web-post.rhai" code="info(ZONE.name);\nlet x = \"q\";"
    }
}
"#;
        let first = decode(text);
        let written = first.to_kdl();
        let second = decode(&written);
        assert_eq!(second.to_kdl(), written);
        let view = |t: &Template| crate::ops::view::templates([t]).json[0].clone();
        let (mut a, mut b) = (view(&first), view(&second));
        a["file"] = serde_json::Value::Null;
        b["file"] = serde_json::Value::Null;
        assert_eq!(a, b);
        assert_eq!(
            b["zonecfg"]["resources"][2]["properties"][1]["value"][1][1],
            "2000"
        );
    }

    /// Decodes `text`, returning the problems as `position: message [label]`.
    fn problems(text: &str) -> Vec<String> {
        let file = SourceFile::new("templates/web.kdl", text.to_string());
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        Template::decode(&file, &doc, &mut problems);
        problems
            .iter()
            .map(|p| {
                let labels: Vec<String> = miette::Diagnostic::labels(p)
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l.label().map(str::to_string))
                    .collect();
                format!(
                    "{}: {} [{}]",
                    p.position().unwrap_or_default(),
                    p.message(),
                    labels.join("|")
                )
            })
            .collect()
    }

    #[test]
    fn package_names_follow_the_ips_fmri_grammar() {
        for ok in [
            "web/server/nginx",
            "editor/vim",
            "database/sqlite-3",
            "library/c++/libstdc++",
            "SUNWcs",
            "x11/library/libx11",
            "pkg:/web/server/nginx",
            "pkg://openindiana.org/web/server/nginx",
            "pkg://openindiana.org/editor/vim@9.0.1",
            "editor/vim@9.0.1-2024.0.0.1",
            "editor/vim@9.0.1,5.11-2024.0.0.1:20240101T120000Z",
            "editor/vim@0.5.11",
            "editor/vim@latest",
            "a.b_c+d-e/f0",
        ] {
            assert_eq!(package_error(ok), None, "{ok}");
        }
        for (bad, says) in [
            ("", "cannot be empty"),
            ("-rf", "would be read as an option"),
            ("--accept", "would be read as an option"),
            ("a$(id)b", "contains '$'"),
            ("a|b", "contains '|'"),
            ("*", "contains '*'"),
            ("web/*", "contains '*'"),
            ("vim?", "contains '?'"),
            ("[a]", "contains '['"),
            ("pkg;reboot", "contains ';'"),
            ("a`id`", "contains '`'"),
            ("a b", "contains ' '"),
            ("a\nb", "contains '\\n'"),
            ("a&b", "contains '&'"),
            ("a>b", "contains '>'"),
            ("~root", "contains '~'"),
            ("é", "contains 'é'"),
            ("/web/server", "not an IPS package name"),
            ("web//server", "not an IPS package name"),
            ("web/server/", "not an IPS package name"),
            ("web/.hidden", "not an IPS package name"),
            ("web/_x", "not an IPS package name"),
            ("pkg:web", "not an IPS package name"),
            ("a@b@c", "not an IPS package name"),
            ("pkg:/", "has no package name"),
            ("pkg://openindiana.org", "names a publisher but no package"),
            ("pkg://-x/vim", "publisher name `-x`"),
            ("vim@", "version ``, which is empty"),
            ("vim@1.01", "without leading zeros"),
            ("vim@1..2", "without leading zeros"),
            ("vim@1-", "without leading zeros"),
            ("vim@1,a", "without leading zeros"),
            ("vim@-1", "without leading zeros"),
            ("vim@1-2,3", "without leading zeros"),
            ("vim@oldest", "without leading zeros"),
            ("vim@1:2024", "YYYYMMDDTHHMMSSZ"),
            ("vim@1:20240230T000000Z", "YYYYMMDDTHHMMSSZ"),
            ("vim@1:20240101T250000Z", "YYYYMMDDTHHMMSSZ"),
        ] {
            let why = package_error(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(why.contains(says), "{bad:?}: {why}");
        }
        // The messages `check` and the scripts have always printed stay as they were.
        assert_eq!(
            package_error("pkg;reboot").unwrap(),
            "package `pkg;reboot` contains ';', which no IPS package name has"
        );
        assert_eq!(
            package_error("-rf").unwrap(),
            "package `-rf` starts with `-` and would be read as an option"
        );
    }

    #[test]
    fn bad_packages_and_zonecfg_values_are_reported_at_their_place() {
        let got = problems(concat!(
            "template \"web\" {\n",
            "    brand \"ipkg\"\n",
            "    packages \"editor/vim\" \"a$(id)b\" \"web/*\" \"vim@1.01\"\n",
            "    zonecfg {\n",
            "        resource \"rctl\" {\n",
            "            name \"zone.max-lwps\"\n",
            "            value priv=\"privileged\" limit=\"[2000]\" action=\"deny\"\n",
            "        }\n",
            "    }\n",
            "}\n",
        ));
        assert_eq!(
            got,
            [
                "templates/web.kdl:3:27: package `a$(id)b` contains '$', which no IPS package name has [invalid package]",
                "templates/web.kdl:3:37: package `web/*` contains '*', which no IPS package name has [invalid package]",
                "templates/web.kdl:3:45: package `vim@1.01` has the version `1.01`, which is not release[,build][-branch][:time] of dot-separated numbers without leading zeros [invalid package]",
                "templates/web.kdl:7:37: value \"[2000]\" contains '[', which zonecfg cannot take inside ( … ) [cannot be written to zonecfg]",
            ]
        );
    }
    /// A template whose `zonecfg` block holds `body`.
    fn with_zonecfg(body: &str) -> String {
        format!("template \"web\" {{\n    brand \"ipkg\"\n    zonecfg {{\n{body}\n    }}\n}}\n")
    }

    #[test]
    fn zonecfg_values_are_checked_by_type() {
        let fs = |more: &str| format!("resource \"fs\" {{ {more} }}");
        for (body, says) in [
            // Sizes (zonecfg_str_to_bytes) and the swap floor.
            (r#"resource "net" { physical "web0"; address "192.168.10.5/24"; }"#.into(), "a template's interfaces are given by `nets`"),
            (r#"resource "capped-memory" { physical "2GB"; }"#.to_string(), "capped-memory physical `2GB` is not a size"),
            (r#"resource "capped-memory" { physical "-1G"; }"#.into(), "capped-memory physical `-1G` is not a size"),
            (r#"resource "capped-memory" { swap "10M"; }"#.into(), "capped-memory swap `10M` is below zonecfg's minimum of 50M"),
            (r#"resource "capped-memory" { locked "lots"; }"#.into(), "capped-memory locked `lots` is not a size"),
            (r#"resource "capped-memory" { physical "1G"; locked "2G"; }"#.into(), "capped-memory locked is more than physical"),
            (r#"property "max-shm-memory" "1X""#.into(), "max-shm-memory `1X` is not a size"),
            (r#"property "max-swap" "4G""#.into(), "zonecfg does not set `max-swap` as a global property"),
            (r#"property "max-locked-memory" "1G""#.into(), "zonecfg does not set `max-locked-memory` as a global property"),
            // Counts (valid_uint, zonecfg_valid_alias_limit).
            (r#"property "cpu-shares" "-5""#.into(), "cpu-shares `-5` is not a whole number"),
            (r#"property "cpu-shares" "1.5""#.into(), "cpu-shares `1.5` is not a whole number"),
            (r#"property "max-lwps" "99""#.into(), "max-lwps `99` is below zonecfg's minimum of 100"),
            (r#"property "max-processes" "many""#.into(), "max-processes `many` is not a whole number"),
            (r#"property "max-shm-ids" "1e3""#.into(), "max-shm-ids `1e3` is not a whole number"),
            (r#"property "max-msg-ids" "0x10""#.into(), "max-msg-ids `0x10` is not a whole number"),
            (r#"property "max-sem-ids" "99999999999999999999""#.into(), "max-sem-ids `99999999999999999999` is not a whole number"),
            (r#"property "zfs-io-priority" "0""#.into(), "zfs-io-priority `0` is below zonecfg's minimum of 1"),
            (r#"property "pool" "SUNWtmp_web""#.into(), "zonecfg reserves pool names starting with SUNW"),
            (r#"resource "dedicated-cpu" { ncpus "0"; }"#.into(), "dedicated-cpu ncpus `0` is not a CPU count or range"),
            (r#"resource "dedicated-cpu" { ncpus "4-2"; }"#.into(), "dedicated-cpu ncpus `4-2` is not a CPU count or range"),
            (r#"resource "dedicated-cpu" { ncpus "two"; }"#.into(), "dedicated-cpu ncpus `two` is not a CPU count or range"),
            (r#"resource "dedicated-cpu" { ncpus "2"; importance "-1"; }"#.into(), "dedicated-cpu importance `-1` is not a whole number"),
            (r#"resource "capped-cpu" { ncpus "0"; }"#.into(), "capped-cpu ncpus `0` is not a positive number of CPUs"),
            (r#"resource "capped-cpu" { ncpus "0.001"; }"#.into(), "capped-cpu ncpus `0.001` is not a positive number of CPUs"),
            (r#"resource "capped-cpu" { ncpus "2 cpus"; }"#.into(), "capped-cpu ncpus `2 cpus` is not a positive number of CPUs"),
            // rctl values (zonecfg_construct_rctlblk, zonecfg_valid_rctlblk) and names.
            (r#"resource "rctl" { name "zone.max-lwps"; value priv="privileged" limit="lots" action="deny"; }"#.into(), "rctl limit `lots` is not an unsigned number"),
            (r#"resource "rctl" { name "zone.max-lwps"; value priv="privileged" limit="-1" action="deny"; }"#.into(), "rctl limit `-1` is not an unsigned number"),
            (r#"resource "rctl" { name "zone.max-lwps"; value priv="basic" limit=2000 action="deny"; }"#.into(), "rctl priv `basic` is not one zonecfg takes for a zone"),
            (r#"resource "rctl" { name "zone.max-lwps"; value priv="system" limit=2000 action="deny"; }"#.into(), "rctl priv `system` is not one zonecfg takes"),
            (r#"resource "rctl" { name "zone.max-lwps"; value priv="privileged" limit=2000 action="signal"; }"#.into(), "rctl action `signal` is not one zonecfg takes"),
            (r#"resource "rctl" { name "zone.max-lwps"; value priv="privileged" limit=2000; }"#.into(), "an rctl value lacks action"),
            (r#"resource "rctl" { name "zone.max-lwps"; value priv="privileged" limit=2000 action="deny" level=1; }"#.into(), "an rctl value has no `level`"),
            (r#"resource "rctl" { name "project.max-lwps"; value priv="privileged" limit=2000 action="deny"; }"#.into(), "`project.max-lwps` is not a zone rctl name"),
            (r#"resource "rctl" { name "zone.max_lwps"; value priv="privileged" limit=2000 action="deny"; }"#.into(), "`zone.max_lwps` is not a zone rctl name"),
            (r#"resource "rctl" { name "zone."; value priv="privileged" limit=2000 action="deny"; }"#.into(), "`zone.` is not a zone rctl name"),
            // attr types (validate_attr_type_val) and names (validate_attr_name).
            (r#"attr "tier" "three" type="int""#.into(), "attr `tier` of type int has the value `three`"),
            (r#"attr "tier" "9223372036854775808" type="int""#.into(), "which is not a 64-bit integer"),
            (r#"attr "tier" "-3" type="uint""#.into(), "attr `tier` of type uint has the value `-3`"),
            (r#"attr "managed" "yes" type="boolean""#.into(), "attr `managed` of type boolean has the value `yes`"),
            (r#"attr "managed" "True" type="boolean""#.into(), "attr `managed` of type boolean has the value `True`"),
            (r#"attr "-tier" "3""#.into(), "attr name `-tier` must start with a letter or digit"),
            (r#"attr "my_tier" "3""#.into(), "attr name `my_tier` contains '_'"),
            (r#"attr "note" """#.into(), "attr `note` has an empty value"),
            (format!(r#"attr "note" "{}""#, "x".repeat(256)), "has a string value of 256 bytes"),
            (r#"attr "tier" "1"
attr "tier" "2""#.into(), "attr `tier` is set twice"),
            // Paths and types of fs (end_func RT_FS, valid_fs_type).
            (fs(r#"dir "data"; special "/tank/data"; type "lofs";"#), "fs dir `data` is not an absolute path"),
            (fs(r#"dir "/data"; special "/dev/dsk/c1t0d0s0"; raw "rdsk/c1t0d0s0"; type "ufs";"#), "fs raw `rdsk/c1t0d0s0` is not an absolute path"),
            (fs(r#"dir "/data"; special "/tank/data"; type "../lofs";"#), "fs type `../lofs` is not a file system type"),
            (fs(r#"dir "/data"; special "/tank/data"; type "";"#), "resource `fs` has no `type`"),
            // Required properties (end_func).
            (fs(r#"dir "/data"; type "lofs";"#), "resource `fs` has no `special`, which zonecfg requires"),
            (fs(r#"special "/tank/data"; type "lofs";"#), "resource `fs` has no `dir`"),
            (fs(r#"dir "/data"; special "/tank/data";"#), "resource `fs` has no `type`"),
            (r#"resource "rctl" { name "zone.max-lwps"; }"#.into(), "resource `rctl` has no `value`"),
            (r#"resource "rctl" { value priv="privileged" limit=2000 action="deny"; }"#.into(), "resource `rctl` has no `name`"),
            (r#"resource "dedicated-cpu" { importance "2"; }"#.into(), "resource `dedicated-cpu` has no `ncpus`"),
            (r#"resource "device" { match ""; }"#.into(), "resource `device` has no `match`"),
            (r#"resource "admin" { user "ops"; }"#.into(), "resource `admin` has no `auths`"),
            (r#"resource "dataset" { name ""; }"#.into(), "resource `dataset` has no `name`"),
            (r#"resource "capped-memory" { }"#.into(), "resource `capped-memory` has none of physical, swap and locked"),
            (r#"resource "capped-memory" { physical ""; swap ""; }"#.into(), "capped-memory swap `` is below zonecfg's minimum of 50M"),
            // Addresses (validate_net_address_syntax) and dataset names (zfs_name_valid).
            (r#"resource "dataset" { name "/tank/data"; }"#.into(), "dataset `/tank/data` is not a ZFS file system name"),
            (r#"resource "dataset" { name "tank//data"; }"#.into(), "dataset `tank//data` is not a ZFS file system name"),
            (r#"resource "dataset" { name "tank/data@snap"; }"#.into(), "dataset `tank/data@snap` is not a ZFS file system name"),
            // Rules between settings (add_resource, end_func's "already exists").
            (r#"property "pool" "web"
resource "dedicated-cpu" { ncpus "2"; }"#.into(), "a dedicated-cpu resource cannot be added to a zone whose `pool` property is set"),
            (r#"resource "capped-cpu" { ncpus "1"; }
resource "dedicated-cpu" { ncpus "2"; }"#.into(), "a dedicated-cpu resource cannot be added to a zone with a capped-cpu resource"),
            (r#"resource "capped-memory" { physical "1G"; }
resource "capped-memory" { swap "2G"; }"#.into(), "a zone has at most one `capped-memory` resource"),
            (r#"resource "dataset" { name "tank/a"; }
resource "dataset" { name "tank/a"; }"#.into(), "a `dataset` resource with the name `tank/a` is already configured"),
            (r#"property "max-lwps" "1000"
resource "rctl" { name "zone.max-lwps"; value priv="privileged" limit=2000 action="deny"; }"#.into(), "rctl `zone.max-lwps` is already set by property `max-lwps`"),
            (r#"resource "capped-memory" { swap "1G"; }
resource "rctl" { name "zone.max-swap"; value priv="privileged" limit=2000 action="deny"; }"#.into(), "rctl `zone.max-swap` is already set by the capped-memory resource"),
            (r#"resource "rctl" { name "zone.cpu-cap"; value priv="privileged" limit=100 action="deny"; }
resource "capped-cpu" { ncpus "1"; }"#.into(), "a capped-cpu resource cannot be added after an rctl resource `zone.cpu-cap`"),
        ] {
            let got = problems(&with_zonecfg(&body));
            assert_eq!(got.len(), 1, "{body}: {got:#?}");
            assert!(got[0].contains(says), "{body}: {got:#?}");
        }
    }

    #[test]
    fn zonecfg_values_zonecfg_takes_are_accepted() {
        for text in [
            include_str!("../../templates/ipkg.kdl"),
            include_str!("../../templates/nlipkg.kdl"),
        ] {
            assert_eq!(problems(text), Vec::<String>::new());
        }
        for body in [
            r#"resource "capped-memory" { physical "2G"; swap "4g"; locked "512M"; }"#,
            r#"resource "capped-memory" { physical "1.5G"; swap "50M"; }"#,
            r#"resource "capped-memory" { physical "1073741824"; locked "1 K"; }"#,
            r#"property "max-shm-memory" "4T""#,
            r#"property "cpu-shares" "0""#,
            r#"property "cpu-shares" "+20""#,
            r#"property "max-lwps" "100""#,
            r#"property "max-processes" "20000""#,
            r#"property "max-shm-ids" "4096""#,
            r#"property "max-msg-ids" "4096""#,
            r#"property "max-sem-ids" "4096""#,
            r#"property "zfs-io-priority" "1""#,
            r#"property "scheduling-class" "FSS""#,
            r#"property "pool" "web-pool""#,
            r#"resource "dedicated-cpu" { ncpus "2"; importance "10"; }"#,
            r#"resource "dedicated-cpu" { ncpus "1-4"; }"#,
            r#"resource "capped-cpu" { ncpus "0.01"; }"#,
            r#"resource "capped-cpu" { ncpus "3.5"; }"#,
            r#"resource "rctl" { name "zone.max-lwps"; value priv="privileged" limit=2000 action="deny"; }"#,
            r#"resource "rctl" { name "zone.cpu-shares"; value priv="privileged" limit="0x10" action="none"; }"#,
            r#"resource "rctl" { name "zone.max-locked-memory"; value priv="privileged" limit=1 action="deny"; value priv="privileged" limit=2 action="deny"; }"#,
            r#"attr "tier" 3 type="int""#,
            r#"attr "offset" "-3" type="int""#,
            r#"attr "tier" "3" type="uint""#,
            r#"attr "managed" #true type="boolean""#,
            r#"attr "managed" "false" type="boolean""#,
            r#"attr "owner.name" "ops team""#,
            r#"resource "fs" { dir "/data"; special "tank/data"; type "zfs"; }"#,
            r#"resource "fs" { dir "/u01"; special "/dev/dsk/c1t0d0s0"; raw "/dev/rdsk/c1t0d0s0"; type "ufs"; options "ro" "nodevices"; }"#,
            r#"resource "device" { match "/dev/zvol/rdsk/tank/vol"; }"#,
            r#"resource "dataset" { name "tank/zones/data:1"; }"#,
            r#"resource "admin" { user "ops"; auths "login,manage"; }"#,
            r#"resource "security-flags" { default "aslr"; }"#,
            r#"resource "capped-cpu" { ncpus "1"; }
resource "capped-memory" { physical "1G"; }
resource "rctl" { name "zone.max-lwps"; value priv="privileged" limit=2000 action="deny"; }
resource "fs" { dir "/a"; special "/a"; type "lofs"; }
resource "fs" { dir "/b"; special "/a"; type "lofs"; }"#,
        ] {
            assert_eq!(
                problems(&with_zonecfg(body)),
                Vec::<String>::new(),
                "{body}"
            );
        }
    }

    #[test]
    fn every_bad_zonecfg_value_is_reported_at_its_place_in_one_run() {
        let got = problems(concat!(
            "template \"web\" {\n",
            "    brand \"ipkg\"\n",
            "    zonecfg {\n",
            "        property \"cpu-shares\" \"lots\"\n",
            "        attr \"tier\" \"three\" type=\"int\"\n",
            "        resource \"capped-memory\" { physical \"2GB\"; swap \"1M\"; }\n",
            "        resource \"rctl\" {\n",
            "            name \"zone.max-lwps\"\n",
            "            value priv=\"basic\" limit=\"x\" action=\"deny\"\n",
            "        }\n",
            "        resource \"fs\" { dir \"data\"; type \"lofs\"; }\n",
            "    }\n",
            "}\n",
        ));
        let want = [
            (
                "web.kdl:4:31: cpu-shares `lots` is not a whole number",
                "[zonecfg refuses this]",
            ),
            (
                "web.kdl:5:21: attr `tier` of type int has the value `three`",
                "",
            ),
            (
                "web.kdl:6:45: capped-memory physical `2GB` is not a size",
                "",
            ),
            (
                "web.kdl:6:57: capped-memory swap `1M` is below zonecfg's minimum of 50M",
                "",
            ),
            ("web.kdl:9:19: rctl priv `basic`", ""),
            ("web.kdl:9:32: rctl limit `x` is not an unsigned number", ""),
            ("web.kdl:11:18: resource `fs` has no `special`", ""),
            ("web.kdl:11:29: fs dir `data` is not an absolute path", ""),
        ];
        assert_eq!(got.len(), want.len(), "{got:#?}");
        for (g, (start, label)) in got.iter().zip(want) {
            assert!(g.starts_with(&format!("templates/{start}")), "{g}");
            assert!(g.ends_with(label), "{g}");
        }
        // Each problem has a help line with what zonecfg takes and an example.
        let file = SourceFile::new(
            "templates/web.kdl",
            with_zonecfg(r#"property "max-lwps" "10""#),
        );
        let doc = crate::kdl::parse(&file).unwrap();
        let mut ps = Vec::new();
        Template::decode(&file, &doc, &mut ps);
        let help = miette::Diagnostic::help(&ps[0]).unwrap().to_string();
        assert!(
            help.contains("write 100 or more, e.g. `property \"max-lwps\""),
            "{help}"
        );
    }

    #[test]
    fn resources_from_hooks_are_checked_by_type() {
        let res = |kind: &str, props: Vec<(&str, ResourceValue)>| Resource {
            kind: kind.into(),
            properties: props
                .into_iter()
                .map(|(n, value)| ResourceProperty {
                    name: n.into(),
                    value,
                })
                .collect(),
        };
        let s = |v: &str| ResourceValue::Simple(v.into());
        let pairs = |kv: &[(&str, &str)]| {
            ResourceValue::Complex(
                kv.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        let err = check_resource(&res("capped-memory", vec![("physical", s("2GB"))])).unwrap_err();
        assert!(
            err.contains("capped-memory physical `2GB` is not a size"),
            "{err}"
        );
        let err =
            check_resource(&res("fs", vec![("dir", s("/data")), ("type", s("lofs"))])).unwrap_err();
        assert!(err.contains("resource `fs` has no `special`"), "{err}");
        let err = check_resource(&res(
            "rctl",
            vec![
                ("name", s("zone.max-lwps")),
                (
                    "value",
                    pairs(&[
                        ("priv", "privileged"),
                        ("limit", "2000"),
                        ("action", "signal"),
                    ]),
                ),
            ],
        ))
        .unwrap_err();
        assert!(err.contains("rctl action `signal`"), "{err}");
        check_resource(&res(
            "rctl",
            vec![
                ("name", s("zone.max-lwps")),
                (
                    "value",
                    pairs(&[
                        ("priv", "privileged"),
                        ("limit", "2000"),
                        ("action", "deny"),
                    ]),
                ),
            ],
        ))
        .unwrap();
        check_resource(&res("dedicated-cpu", vec![("ncpus", s("1-2"))])).unwrap();
    }
}
