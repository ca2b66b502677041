//! `dladm`: VNICs, etherstubs and the link listings.

use crate::ctx::{Ctx, Exit};
use crate::names::valid_link_name;
use crate::ofmt::{Field, Ofmt, ignoring_message, select};
use crate::random;
use crate::state::{Link, LinkClass, State};

type Flow<T = ()> = Result<T, Exit>;

const USAGE: &str = concat!(
    "usage:  dladm <subcommand> <args> ...\n",
    "    create-vnic      [-t] -l <link> [-m <value> | auto |\n",
    "                     {factory [-n <slot-id>]} | {random [-r <prefix>]}]\n",
    "                     [-v <vid> [-f]] [-p <prop>=<value>[,...]] <vnic-link>\n",
    "    delete-vnic      [-t] <vnic-link>\n",
    "    show-vnic        [-pP] [-l <link>] [-o <field>,..] [-z <zone>] [<link>]\n",
    "    create-etherstub [-t] <link>\n",
    "    delete-etherstub [-t] <link>\n",
    "    show-etherstub   [<link>]\n",
    "    show-link        [-pP] [-o <field>,..] [<link>]\n",
    "    show-phys        [-m | -H | -P] [[-p] [-o <field>[,...]]] [<link>]\n",
);

pub(crate) const VNIC_FIELDS: [Field; 7] = [
    Field {
        name: "LINK",
        width: 13,
    },
    Field {
        name: "OVER",
        width: 11,
    },
    Field {
        name: "SPEED",
        width: 6,
    },
    Field {
        name: "MACADDRESS",
        width: 18,
    },
    Field {
        name: "MACADDRTYPE",
        width: 12,
    },
    Field {
        name: "VID",
        width: 5,
    },
    Field {
        name: "ZONE",
        width: 20,
    },
];

/// show-vnic's fields before the ZONE field (OmniOS before r151030, older
/// OpenIndiana): reference section 4.4, omniosorg/illumos-omnios dladm.c
/// 2f9f5929.
const OLD_VNIC_FIELDS: [Field; 6] = [
    Field {
        name: "LINK",
        width: 13,
    },
    Field {
        name: "OVER",
        width: 13,
    },
    Field {
        name: "SPEED",
        width: 7,
    },
    Field {
        name: "MACADDRESS",
        width: 18,
    },
    Field {
        name: "MACADDRTYPE",
        width: 20,
    },
    Field {
        name: "VID",
        width: 7,
    },
];

const LINK_FIELDS: [Field; 6] = [
    Field {
        name: "LINK",
        width: 12,
    },
    Field {
        name: "CLASS",
        width: 10,
    },
    Field {
        name: "MTU",
        width: 7,
    },
    Field {
        name: "STATE",
        width: 9,
    },
    Field {
        name: "BRIDGE",
        width: 11,
    },
    Field {
        name: "OVER",
        width: 30,
    },
];

const PHYS_FIELDS: [Field; 6] = [
    Field {
        name: "LINK",
        width: 13,
    },
    Field {
        name: "MEDIA",
        width: 21,
    },
    Field {
        name: "STATE",
        width: 11,
    },
    Field {
        name: "SPEED",
        width: 7,
    },
    Field {
        name: "DUPLEX",
        width: 10,
    },
    Field {
        name: "DEVICE",
        width: 12,
    },
];

/// An option a subcommand accepts: short letter, long names, argument.
struct OptSpec {
    short: char,
    long: &'static [&'static str],
    arg: bool,
}

const fn o(short: char, long: &'static [&'static str], arg: bool) -> OptSpec {
    OptSpec { short, long, arg }
}

/// Options given, with their values (empty for flags).
type Opts = Vec<(char, String)>;

/// getopt_long over a subcommand's words: options and their values, then
/// the operands.
fn parse(args: &[String], specs: &[OptSpec], usage: &str) -> Result<(Opts, Vec<String>), String> {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let Some(spec) = specs.iter().find(|s| s.long.contains(&name)) else {
                return Err(format!("unrecognized option '--{name}'\nusage: {usage}"));
            };
            let value = if spec.arg {
                match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => {
                                return Err(format!(
                                    "option '-{}' requires a value\nusage: {usage}",
                                    spec.short
                                ));
                            }
                        }
                    }
                }
            } else {
                String::new()
            };
            opts.push((spec.short, value));
            i += 1;
            continue;
        }
        if !a.starts_with('-') || a.len() < 2 {
            break;
        }
        let chars: Vec<char> = a.chars().skip(1).collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            let Some(spec) = specs.iter().find(|s| s.short == c) else {
                return Err(format!("unrecognized option '-{c}'\nusage: {usage}"));
            };
            if spec.arg {
                let rest: String = chars[j + 1..].iter().collect();
                let value = if !rest.is_empty() {
                    rest
                } else {
                    i += 1;
                    match args.get(i) {
                        Some(v) => v.clone(),
                        None => {
                            return Err(format!("option '-{c}' requires a value\nusage: {usage}"));
                        }
                    }
                };
                opts.push((c, value));
                break;
            }
            opts.push((c, String::new()));
            j += 1;
        }
        i += 1;
    }
    Ok((opts, args[i.min(args.len())..].to_vec()))
}

fn get(opts: &[(char, String)], c: char) -> Option<String> {
    opts.iter()
        .rev()
        .find(|(o, _)| *o == c)
        .map(|(_, v)| v.clone())
}

fn has(opts: &[(char, String)], c: char) -> bool {
    opts.iter().any(|(o, _)| *o == c)
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    match main(ctx, args) {
        Ok(()) => 0,
        Err(Exit(code)) => code,
    }
}

fn die(ctx: &Ctx, msg: &str) -> Exit {
    ctx.err(&format!("dladm: {msg}\n"));
    Exit(1)
}

fn usage(ctx: &Ctx) -> Exit {
    ctx.err(USAGE);
    Exit(1)
}

fn main(ctx: &mut Ctx, args: &[String]) -> Flow {
    let Some(sub) = args.first() else {
        return Err(usage(ctx));
    };
    let rest = &args[1..];
    match sub.as_str() {
        "create-vnic" => create_vnic(ctx, rest),
        "delete-vnic" => delete(ctx, rest, false),
        "show-vnic" => show_vnic(ctx, rest),
        "create-etherstub" => create_etherstub(ctx, rest),
        "delete-etherstub" => delete(ctx, rest, true),
        "show-etherstub" => show_etherstub(ctx, rest),
        "show-link" => show_link(ctx, rest),
        "show-phys" => show_phys(ctx, rest),
        other => {
            ctx.err(&format!("dladm: unknown subcommand '{other}'\n"));
            Err(usage(ctx))
        }
    }
}

/// Applies fault rules for a subcommand; a failure prints the message in
/// dladm's `context: status` form.
fn fault(ctx: &Ctx, sub: &str, context: &str) -> Flow {
    if let Some(f) = ctx.fault("dladm", sub, None).failure {
        let msg = f.message.unwrap_or_else(|| "operation failed".into());
        ctx.err(&format!("dladm: {context}: {msg}\n"));
        return Err(Exit(f.exit));
    }
    Ok(())
}

fn update<R>(ctx: &Ctx, f: impl FnOnce(&mut State) -> R) -> Flow<R> {
    ctx.store
        .update(f)
        .map_err(|e| die(ctx, &format!("cannot update state: {e}")))
}

fn read(ctx: &Ctx) -> Flow<State> {
    ctx.store
        .read()
        .map_err(|e| die(ctx, &format!("cannot read state: {e}")))
}

/// Parses a MAC address `x:x:x:x:x:x` (one or two hex digits each).
fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        mac[i] = u8::from_str_radix(p, 16).ok()?;
    }
    Some(mac)
}

/// dladm's MAC form: lower-case hex octets without leading zeros.
pub fn format_mac(mac: &[u8]) -> String {
    mac.iter()
        .map(|b| format!("{b:x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn random_mac(prefix: &[u8], taken: &[&str]) -> String {
    loop {
        let rnd = random::bytes::<6>();
        let mut mac = prefix.to_vec();
        mac.extend_from_slice(&rnd[..6 - prefix.len()]);
        let s = format_mac(&mac);
        if !taken.contains(&s.as_str()) {
            return s;
        }
    }
}

const CREATE_VNIC_USAGE: &str = "create-vnic [-t] -l <link> [-m <value> | auto | {factory [-n <slot-id>]} | {random [-r <prefix>]}] [-v <vid> [-f]] [-p <prop>=<value>[,...]] <vnic-link>";

fn create_vnic(ctx: &mut Ctx, args: &[String]) -> Flow {
    let specs = [
        o('t', &["temporary"], false),
        o('R', &["root-dir"], true),
        o('l', &["link"], true),
        o('m', &["mac-address"], true),
        o('n', &["slot"], true),
        o('r', &["mac-prefix"], true),
        o('v', &["vlan-id"], true),
        o('f', &["force"], false),
        o('p', &["prop"], true),
        o('H', &["inter-zone"], false),
    ];
    let (opts, operands) = parse(args, &specs, CREATE_VNIC_USAGE).map_err(|m| die(ctx, &m))?;
    // Checks in do_create_vnic's order.
    let count = |c: char| opts.iter().filter(|(o, _)| *o == c).count();
    if count('m') > 1 {
        return Err(die(ctx, "cannot specify -m option twice"));
    }
    if count('v') > 1 {
        return Err(die(ctx, "the option -v cannot be specified more than once"));
    }
    let vid: u16 = match get(&opts, 'v') {
        None => 0,
        Some(v) => match v.parse::<u16>() {
            Ok(n) if (1..=4094).contains(&n) => n,
            _ => return Err(die(ctx, &format!("invalid VLAN identifier '{v}'"))),
        },
    };
    let mut prefix: Vec<u8> = vec![2, 8, 32];
    if let Some(p) = get(&opts, 'r') {
        let parts: Option<Vec<u8>> = p
            .split(':')
            .map(|x| u8::from_str_radix(x, 16).ok())
            .collect();
        match parts {
            Some(b) if !b.is_empty() && b.len() < 6 => prefix = b,
            _ => return Err(die(ctx, "invalid MAC address")),
        }
    }
    let fixed = match get(&opts, 'm').as_deref() {
        None | Some("auto") | Some("random") => None,
        Some("fixed") => return Err(die(ctx, "'fixed' is not a valid MAC address")),
        Some("factory") | Some("vrrp") => {
            let over = get(&opts, 'l').unwrap_or_default();
            return Err(die(
                ctx,
                &format!("vnic creation over {over} failed: operation not supported"),
            ));
        }
        Some(m) => match parse_mac(m) {
            Some(mac) if mac[0] & 1 == 0 => Some(format_mac(&mac)),
            _ => return Err(die(ctx, "invalid MAC address")),
        },
    };
    if has(&opts, 'f') && vid == 0 {
        return Err(die(ctx, "-f option can only be used with -v"));
    }
    let Some(over) = get(&opts, 'l') else {
        return Err(usage(ctx));
    };
    if operands.len() != 1 {
        return Err(usage(ctx));
    }
    let name = operands[0].clone();
    if name.len() >= crate::names::MAXLINKNAMELEN {
        return Err(die(ctx, &format!("link name too long '{name}'")));
    }
    if !valid_link_name(&name) {
        return Err(die(ctx, &format!("invalid link name '{name}'")));
    }
    let st = read(ctx)?;
    if st.link(&over).is_none() {
        return Err(die(ctx, &format!("invalid link name '{over}'")));
    }
    if let Some(p) = get(&opts, 'p')
        && p.split(',').any(|kv| !kv.contains('='))
    {
        return Err(die(ctx, "invalid vnic property"));
    }
    let temporary = has(&opts, 't');
    fault(
        ctx,
        "create-vnic",
        &format!("vnic creation over {over} failed"),
    )?;
    enum Res {
        Ok,
        NoLink,
        Exists,
        Unsupported,
    }
    let res = update(ctx, |st| {
        let Some(under) = st.link(&over) else {
            return Res::NoLink;
        };
        if under.class == LinkClass::Vnic {
            return Res::Unsupported;
        }
        let speed = if under.class == LinkClass::Phys {
            under.speed
        } else {
            0
        };
        if st.link(&name).is_some() {
            return Res::Exists;
        }
        let taken: Vec<&str> = st.links.iter().map(|l| l.mac.as_str()).collect();
        let (mac, mac_type) = match &fixed {
            Some(m) => (m.clone(), "fixed".to_string()),
            None => (random_mac(&prefix, &taken), "random".to_string()),
        };
        st.links.push(Link {
            name: name.clone(),
            class: LinkClass::Vnic,
            over: over.clone(),
            mac,
            mac_type,
            vid,
            zone: None,
            speed,
            mtu: 1500,
            temporary,
        });
        Res::Ok
    })?;
    match res {
        Res::Ok => Ok(()),
        Res::NoLink => Err(die(ctx, &format!("invalid link name '{over}'"))),
        Res::Exists => Err(die(
            ctx,
            &format!("vnic creation over {over} failed: object already exists"),
        )),
        Res::Unsupported => Err(die(
            ctx,
            &format!("vnic creation over {over} failed: operation not supported"),
        )),
    }
}

/// `dladm create-vnic -l OVER [-m MAC] [-v VID] NAME` on the state, for
/// the brand hooks that run dladm (OmniOS on-demand VNICs): the checks of
/// `create_vnic` in its order. Ok is the VNIC's MAC; Err is dladm's message
/// line without the `dladm: ` prefix.
pub fn create_vnic_in(
    st: &mut State,
    name: &str,
    over: &str,
    mac: Option<&str>,
    vid: Option<&str>,
) -> Result<String, String> {
    let vid: u16 = match vid {
        None => 0,
        Some(v) => match v.parse::<u16>() {
            Ok(n) if (1..=4094).contains(&n) => n,
            _ => return Err(format!("invalid VLAN identifier '{v}'")),
        },
    };
    let fixed = match mac {
        None => None,
        Some(m) => match parse_mac(m) {
            Some(b) if b[0] & 1 == 0 => Some(format_mac(&b)),
            _ => return Err("invalid MAC address".into()),
        },
    };
    if name.len() >= crate::names::MAXLINKNAMELEN {
        return Err(format!("link name too long '{name}'"));
    }
    if !valid_link_name(name) {
        return Err(format!("invalid link name '{name}'"));
    }
    let Some(under) = st.link(over) else {
        return Err(format!("invalid link name '{over}'"));
    };
    if under.class == LinkClass::Vnic {
        return Err(format!(
            "vnic creation over {over} failed: operation not supported"
        ));
    }
    let speed = if under.class == LinkClass::Phys {
        under.speed
    } else {
        0
    };
    if st.link(name).is_some() {
        return Err(format!(
            "vnic creation over {over} failed: object already exists"
        ));
    }
    let taken: Vec<&str> = st.links.iter().map(|l| l.mac.as_str()).collect();
    let (mac, mac_type) = match fixed {
        Some(m) => (m, "fixed".to_string()),
        None => (random_mac(&[2, 8, 32], &taken), "random".to_string()),
    };
    st.links.push(Link {
        name: name.to_string(),
        class: LinkClass::Vnic,
        over: over.to_string(),
        mac: mac.clone(),
        mac_type,
        vid,
        zone: None,
        speed,
        mtu: 1500,
        temporary: false,
    });
    Ok(mac)
}

fn create_etherstub(ctx: &mut Ctx, args: &[String]) -> Flow {
    let specs = [o('t', &["temporary"], false), o('R', &["root-dir"], true)];
    let (opts, operands) =
        parse(args, &specs, "create-etherstub [-t] <link>").map_err(|m| die(ctx, &m))?;
    if operands.len() != 1 {
        return Err(usage(ctx));
    }
    let name = operands[0].clone();
    if !valid_link_name(&name) {
        return Err(die(ctx, &format!("invalid link name '{name}'")));
    }
    fault(ctx, "create-etherstub", "etherstub creation failed")?;
    let temporary = has(&opts, 't');
    let created = update(ctx, |st| {
        if st.link(&name).is_some() {
            return false;
        }
        let mut l = Link::phys(&name, 0);
        l.class = LinkClass::Etherstub;
        l.mtu = 9000;
        l.temporary = temporary;
        st.links.push(l);
        true
    })?;
    if !created {
        return Err(die(ctx, "etherstub creation failed: object already exists"));
    }
    Ok(())
}

/// delete-vnic and delete-etherstub, which share dladm's code and its
/// `vnic deletion failed` message.
fn delete(ctx: &mut Ctx, args: &[String], etherstub: bool) -> Flow {
    let specs = [o('t', &["temporary"], false), o('R', &["root-dir"], true)];
    let sub = if etherstub {
        "delete-etherstub"
    } else {
        "delete-vnic"
    };
    let (_, operands) =
        parse(args, &specs, &format!("{sub} [-t] <link>")).map_err(|m| die(ctx, &m))?;
    if operands.len() != 1 {
        return Err(usage(ctx));
    }
    let name = operands[0].clone();
    let wrong_kind = |ctx: &Ctx, class: LinkClass| -> Option<Exit> {
        match (class, etherstub) {
            (LinkClass::Vnic, true) => Some(die(ctx, &format!("'{name}' is not an etherstub"))),
            (LinkClass::Etherstub, false) => Some(die(ctx, &format!("'{name}' is not a vnic"))),
            (LinkClass::Phys, _) => Some(die(ctx, "vnic deletion failed: invalid argument")),
            _ => None,
        }
    };
    let st = read(ctx)?;
    match st.link(&name) {
        None => return Err(die(ctx, &format!("invalid link name '{name}'"))),
        Some(l) => {
            if let Some(e) = wrong_kind(ctx, l.class) {
                return Err(e);
            }
        }
    }
    fault(ctx, sub, "vnic deletion failed")?;
    enum Res {
        Ok,
        NoLink,
        WrongClass(LinkClass),
        Busy,
    }
    let res = update(ctx, |st| {
        let Some(l) = st.link(&name) else {
            return Res::NoLink;
        };
        if (l.class == LinkClass::Etherstub) != etherstub || l.class == LinkClass::Phys {
            return Res::WrongClass(l.class);
        }
        if l.zone.is_some() || st.links.iter().any(|x| x.over == name) {
            return Res::Busy;
        }
        st.links.retain(|x| x.name != name);
        Res::Ok
    })?;
    match res {
        Res::Ok => Ok(()),
        Res::NoLink => Err(die(ctx, &format!("invalid link name '{name}'"))),
        Res::WrongClass(c) => Err(wrong_kind(ctx, c).unwrap_or(Exit(1))),
        Res::Busy => Err(die(ctx, "vnic deletion failed: link busy")),
    }
}

/// Resolves `-o`/`-p` into an output formatter, reporting problems as
/// dladm's `ofmt_check` does: unknown fields are a warning outside parsable
/// mode, everything else is fatal.
fn formatter(ctx: &Ctx, all: &[Field], opts: &[(char, String)], parsable: bool) -> Flow<Ofmt> {
    let spec = get(opts, 'o');
    match select(all, spec.as_deref(), parsable) {
        Ok((fields, bad)) => {
            if !bad.is_empty() {
                ctx.err(&format!("dladm: warning: {}\n", ignoring_message(&bad)));
            }
            Ok(Ofmt::new(fields, parsable))
        }
        Err(e) => Err(die(ctx, &e.message())),
    }
}

fn print(ctx: &Ctx, fmt: &Ofmt, rows: Vec<Vec<String>>) {
    ctx.out(&fmt.print(&rows));
}

fn vnic_value(st: &State, l: &Link, field: &str) -> String {
    if l.class == LinkClass::Etherstub {
        return if field == "LINK" {
            l.name.clone()
        } else {
            String::new()
        };
    }
    match field {
        "LINK" => l.name.clone(),
        "OVER" => l.over.clone(),
        "SPEED" => st
            .link(&l.over)
            .map(|u| {
                if u.class == LinkClass::Phys {
                    u.speed
                } else {
                    0
                }
            })
            .unwrap_or(l.speed)
            .to_string(),
        "MACADDRESS" => l.mac.clone(),
        "MACADDRTYPE" => l.mac_type.clone(),
        "VID" => l.vid.to_string(),
        "ZONE" => l.zone.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

fn show_vnic(ctx: &mut Ctx, args: &[String]) -> Flow {
    show_vnic_common(ctx, args, false)
}

fn show_etherstub(ctx: &mut Ctx, args: &[String]) -> Flow {
    show_vnic_common(ctx, args, true)
}

/// show-vnic and show-etherstub share dladm's code: each lists only its
/// own class, and show-etherstub prints only the LINK field.
fn show_vnic_common(ctx: &mut Ctx, args: &[String], etherstub: bool) -> Flow {
    let specs = [
        o('p', &["parsable", "parseable"], false),
        o('P', &["persistent"], false),
        o('l', &["link"], true),
        o('o', &["output"], true),
        o('z', &["zone"], true),
        o('s', &["statistics"], false),
        o('i', &["interval"], true),
    ];
    let (sub, use_) = if etherstub {
        ("show-etherstub", "show-etherstub [<link>]")
    } else {
        (
            "show-vnic",
            "show-vnic [-pP] [-l <link>] [-o <field>,..] [-z <zone>] [<link>]",
        )
    };
    let (mut opts, operands) = parse(args, &specs, use_).map_err(|m| die(ctx, &m))?;
    if etherstub && has(&opts, 'l') {
        return Err(die(ctx, "option not supported for this command"));
    }
    if has(&opts, 'i') && !has(&opts, 's') {
        return Err(die(ctx, "the option -i can be used only with -s"));
    }
    if operands.len() > 1 {
        return Err(usage(ctx));
    }
    let st = read(ctx)?;
    let class = if etherstub {
        LinkClass::Etherstub
    } else {
        LinkClass::Vnic
    };
    let mut links: Vec<&Link> = st.links.iter().filter(|l| l.class == class).collect();
    if let Some(name) = operands.first() {
        match st.link(name) {
            None => {
                return Err(die(
                    ctx,
                    &format!("invalid vnic name '{name}': object not found"),
                ));
            }
            Some(l) if l.class != class => {
                return Err(die(
                    ctx,
                    &format!(
                        "datalink {name} is not a {}: found class {}",
                        class.as_str(),
                        l.class.as_str()
                    ),
                ));
            }
            Some(_) => links.retain(|l| l.name == *name),
        }
    }
    if let Some(over) = get(&opts, 'l') {
        if st.link(&over).is_none() {
            return Err(die(
                ctx,
                &format!("invalid link name '{over}': object not found"),
            ));
        }
        links.retain(|l| l.over == over);
    }
    if let Some(zone) = get(&opts, 'z') {
        links.retain(|l| l.zone.as_deref() == Some(zone.as_str()));
    }
    if has(&opts, 'P') {
        links.retain(|l| !l.temporary);
    }
    if etherstub && get(&opts, 'o').is_none_or(|f| f.eq_ignore_ascii_case("all")) {
        opts.push(('o', "link".into()));
    }
    let parsable = has(&opts, 'p');
    let fields: &[Field] = if ctx.settings.dladm_vnic_zone {
        &VNIC_FIELDS
    } else {
        &OLD_VNIC_FIELDS
    };
    let fmt = formatter(ctx, fields, &opts, parsable)?;
    fault(ctx, sub, &format!("{sub} failed"))?;
    let rows = links
        .iter()
        .map(|l| {
            fmt.fields()
                .iter()
                .map(|f| vnic_value(&st, l, f.name))
                .collect()
        })
        .collect();
    print(ctx, &fmt, rows);
    Ok(())
}

fn show_link(ctx: &mut Ctx, args: &[String]) -> Flow {
    let specs = [
        o('p', &["parsable", "parseable"], false),
        o('P', &["persistent"], false),
        o('o', &["output"], true),
        o('s', &["statistics"], false),
        o('i', &["interval"], true),
    ];
    let (opts, operands) = parse(args, &specs, "show-link [-pP] [-o <field>,..] [<link>]")
        .map_err(|m| die(ctx, &m))?;
    if operands.len() > 1 {
        return Err(usage(ctx));
    }
    let parsable = has(&opts, 'p');
    let fmt = formatter(ctx, &LINK_FIELDS, &opts, parsable)?;
    fault(ctx, "show-link", "show-link failed")?;
    let st = read(ctx)?;
    let mut links: Vec<&Link> = st.links.iter().collect();
    if let Some(name) = operands.first() {
        if st.link(name).is_none() {
            return Err(die(
                ctx,
                &format!("link {name} is not valid: object not found"),
            ));
        }
        links.retain(|l| l.name == *name);
    }
    let rows = links
        .iter()
        .map(|l| {
            fmt.fields()
                .iter()
                .map(|f| match f.name {
                    "LINK" => l.name.clone(),
                    "CLASS" => l.class.as_str().to_string(),
                    "MTU" => l.mtu.to_string(),
                    "STATE" => if l.class == LinkClass::Etherstub {
                        "unknown"
                    } else {
                        "up"
                    }
                    .to_string(),
                    "OVER" => l.over.clone(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    print(ctx, &fmt, rows);
    Ok(())
}

fn show_phys(ctx: &mut Ctx, args: &[String]) -> Flow {
    let specs = [
        o('p', &["parsable", "parseable"], false),
        o('P', &["persistent"], false),
        o('o', &["output"], true),
        o('m', &["mac"], false),
        o('H', &["hwgrp"], false),
    ];
    let (opts, operands) = parse(
        args,
        &specs,
        "show-phys [-m | -H | -P] [[-p] [-o <field>[,...]]] [<link>]",
    )
    .map_err(|m| die(ctx, &m))?;
    if operands.len() > 1 {
        return Err(usage(ctx));
    }
    let parsable = has(&opts, 'p');
    let fmt = formatter(ctx, &PHYS_FIELDS, &opts, parsable)?;
    fault(ctx, "show-phys", "show-phys failed")?;
    let st = read(ctx)?;
    let mut links: Vec<&Link> = st
        .links
        .iter()
        .filter(|l| l.class == LinkClass::Phys)
        .collect();
    if let Some(name) = operands.first() {
        if !links.iter().any(|l| l.name == *name) {
            return Err(die(ctx, &format!("invalid link name '{name}'")));
        }
        links.retain(|l| l.name == *name);
    }
    let rows = links
        .iter()
        .map(|l| {
            fmt.fields()
                .iter()
                .map(|f| match f.name {
                    "LINK" | "DEVICE" => l.name.clone(),
                    "MEDIA" => "Ethernet".to_string(),
                    "STATE" => "up".to_string(),
                    "SPEED" => l.speed.to_string(),
                    "DUPLEX" => "full".to_string(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    print(ctx, &fmt, rows);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_without_leading_zeros() {
        assert_eq!(format_mac(&[2, 8, 0x20, 0x0a, 0xb5, 0x06]), "2:8:20:a:b5:6");
        assert_eq!(
            parse_mac("02:08:20:0A:b5:6"),
            Some([2, 8, 0x20, 0x0a, 0xb5, 6])
        );
        assert_eq!(parse_mac("2:8:20:a:b5"), None);
        assert_eq!(parse_mac("2:8:20:a:b5:100"), None);
    }

    #[test]
    fn long_and_short_options() {
        let args: Vec<String> = [
            "--link=e1000g0",
            "-tv",
            "5",
            "--mac-address",
            "2:8:20:1:2:3",
            "vnic0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let specs = [
            o('t', &["temporary"], false),
            o('l', &["link"], true),
            o('m', &["mac-address"], true),
            o('v', &["vlan-id"], true),
        ];
        let (opts, rest) = parse(&args, &specs, "u").unwrap();
        assert_eq!(get(&opts, 'l').as_deref(), Some("e1000g0"));
        assert_eq!(get(&opts, 'v').as_deref(), Some("5"));
        assert!(has(&opts, 't'));
        assert_eq!(get(&opts, 'm').as_deref(), Some("2:8:20:1:2:3"));
        assert_eq!(rest, vec!["vnic0".to_string()]);
        assert!(parse(&["-x".to_string()], &specs, "u").is_err());
    }
}
