//! Zone templates, `templates/NAME.kdl`: how zones of one kind are made.

use std::sync::Arc;

use kdl::{KdlDocument, KdlNode, KdlValue};
use serde::Serialize;

use crate::error::{Problem, SourceFile};
use crate::kdl::{Reader, Spanned, quote};
use crate::model::zonecfg_value as zonecfg;
use crate::model::zonecfg_value::{PropKind, RESOURCES};

const NODES: &[&str] = &[
    "description",
    "brand",
    "autoboot",
    "boot",
    "ip-type",
    "pool",
    "publisher",
    "packages",
    "zonecfg",
    "hooks",
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
    /// Pool that addresses come from unless `create --pool` says otherwise.
    pub pool: Option<Spanned<String>>,
    /// IPS publishers for the zone image, preferred first.
    pub publishers: Vec<Spanned<String>>,
    /// Packages installed on top of the brand's base set.
    pub packages: Vec<Spanned<String>>,
    pub zonecfg: ZonecfgExtras,
    /// (hook point, script path relative to the template's folder)
    pub hooks: Vec<(Spanned<HookPoint>, HookSource)>,
}

/// Extra zonecfg settings a template adds to every zone it makes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ZonecfgExtras {
    /// Global properties: `set NAME="VALUE"`.
    pub properties: Vec<(String, String)>,
    /// `attr` resources: name, type, value.
    pub attrs: Vec<Attr>,
    /// Any other resource: `add TYPE … end`.
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attr {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    #[serde(rename = "type")]
    pub kind: String,
    pub properties: Vec<ResourceProperty>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceProperty {
    pub name: String,
    pub value: ResourceValue,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ResourceValue {
    /// `set name="value"`
    Simple(String),
    /// `set name=["a","b"]`
    List(Vec<String>),
    /// `add name (k=v,k=v)`; repeatable
    Complex(Vec<(String, String)>),
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
    "max-locked-memory",
    "max-swap",
    "zfs-io-priority",
];

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
        Some(Template {
            file: file.clone(),
            name,
            description,
            brand: brand?,
            autoboot,
            boot,
            ip_type,
            pool,
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
        if let Some(p) = &self.pool {
            s += &format!("    pool {}\n", quote(&p.value));
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

fn decode_extras(r: &mut Reader<'_>, node: &KdlNode) -> ZonecfgExtras {
    let mut extras = ZonecfgExtras::default();
    for n in r.children(node, &["property", "attr", "resource"]) {
        match n.name().value() {
            "property" => decode_property(r, n, &mut extras),
            "attr" => decode_attr(r, n, &mut extras),
            _ => decode_resource(r, n, &mut extras),
        }
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
    if !GLOBAL_PROPERTIES.contains(&name.value.as_str()) {
        r.unknown(
            &name.value,
            name.span,
            GLOBAL_PROPERTIES,
            "zonecfg property",
        );
        return;
    }
    if check_value(r, value) {
        extras
            .properties
            .push((name.value.clone(), value.value.clone()));
    }
}

fn decode_attr(r: &mut Reader<'_>, n: &KdlNode, extras: &mut ZonecfgExtras) {
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
        return;
    };
    let Some(name) = r.string_value(n, name) else {
        return;
    };
    // Numbers and booleans are natural for int/boolean attrs; zonecfg takes them as text.
    let value = match value.value() {
        KdlValue::Integer(i) => Spanned::new(i.to_string(), value.span()),
        KdlValue::Bool(b) => Spanned::new(b.to_string(), value.span()),
        _ => match r.string_value(n, value) {
            Some(v) => v,
            None => return,
        },
    };
    if check_value(r, &name) && check_value(r, &value) {
        extras.attrs.push(Attr {
            name: name.value,
            ty,
            value: value.value,
        });
    }
}

fn decode_resource(r: &mut Reader<'_>, n: &KdlNode, extras: &mut ZonecfgExtras) {
    let Some(kind) = r.name_arg(n, "resource") else {
        return;
    };
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
        return;
    };
    let names: Vec<&str> = props.iter().map(|(p, _)| *p).collect();
    let mut resource = Resource {
        kind: kind.value.clone(),
        properties: Vec::new(),
    };
    let children = r.children(n, &names);
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
                    .map(|v| ResourceValue::Simple(v.value)),
                PropKind::List => {
                    let items = r.string_args(c);
                    items
                        .iter()
                        .all(|v| check_value(r, v))
                        .then(|| ResourceValue::List(items.into_iter().map(|v| v.value).collect()))
                }
                PropKind::Complex => decode_complex(r, c).map(ResourceValue::Complex),
            };
            if let Some(value) = value {
                resource.properties.push(ResourceProperty {
                    name: prop.to_string(),
                    value,
                });
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
        return;
    }
    extras.resources.push(resource);
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
}
