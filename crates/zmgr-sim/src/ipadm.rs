//! `ipadm`: IP interfaces plumbed over the simulated datalinks and the
//! static addresses on them, in the global zone.
//!
//! Sources: illumos-gate usr/src/cmd/cmd-inet/usr.sbin/ipadm/ipadm.c
//! (subcommand table and usage texts, option strings, `die`, `die_opterr`,
//! `do_create_addr`, `do_show_addr`, `do_show_if`, `print_sa_cb`,
//! `print_si_cb`), usr/src/lib/libipadm/common/libipadm.c (status texts),
//! ipadm_addr.c (`ipadm_create_addr`: implicit plumbing, `ipadm_set_addr`,
//! default prefix lengths, unspecified addresses left out of show-addr),
//! ipadm_if.c (create/delete of interfaces, interface state),
//! usr/src/lib/libc/port/gen/getopt_long.c (option scanning),
//! usr/src/cmd/svc/milestone/net-loopback (lo0 is plumbed with `-t`).

use std::net::IpAddr;

use crate::ctx::{Ctx, Exit};
use crate::ofmt::{Field, Ofmt, ignoring_message, select};
use crate::state::ip::{AddrObj, LOOPBACK};
use crate::state::{LinkClass, State};

type Flow<T = ()> = Result<T, Exit>;

/// Whether an IP interface is plumbed over `name`.
pub fn plumbed(st: &State, name: &str) -> bool {
    st.ip_interfaces.iter().any(|i| i == name)
}

fn persistent_if(st: &State, name: &str) -> bool {
    !st.ip.temporary.iter().any(|i| i == name)
}

/// Forgets what belongs to interfaces that are gone (`sim-admin unplumb`
/// edits only the interface list).
fn tidy(st: &mut State) {
    let ifs = st.ip_interfaces.clone();
    st.ip.addrs.retain(|a| ifs.contains(&a.ifname));
    st.ip.temporary.retain(|i| ifs.contains(i));
}

/// Takes an interface and its addresses away (`ipadm delete-if`).
pub fn unplumb(st: &mut State, name: &str) {
    st.ip_interfaces.retain(|i| i != name);
    tidy(st);
}

/// libipadm's status texts (ipadm_status2str).
const INVALID_ARG: &str = "Invalid argument provided";
const BAD_ADDR: &str = "Invalid address";
const IF_EXISTS: &str = "Interface already exists";
const ADDROBJ_EXISTS: &str = "Address object already exists";
const ENXIO: &str = "Interface does not exist";
const NOTFOUND: &str = "Object not found";
const DLPI_FAILURE: &str = "Could not open DLPI link";
const IF_INUSE: &str = "Interface already in use";
const ADDR_INUSE: &str = "Address already in use";
const TEMPORARY_OBJ: &str = "Persistent operation on temporary object";
const FAILURE: &str = "Operation failed";

/// The subcommand table: name and usage text (`NULL` for help).
const CMDS: &[(&str, Option<&str>)] = &[
    ("help", None),
    ("create-if", Some("\tcreate-if\t[-t] <interface>")),
    ("create-ip", Some("\tcreate-ip\t[-t] <interface>")),
    ("delete-if", Some("\tdelete-if\t<interface>\n")),
    ("delete-ip", Some("\tdelete-ip\t<interface>\n")),
    (
        "create-ipmp",
        Some("\tcreate-ipmp\t[-t] [-i <interface>[,<interface>]...] <ipmp-interface>"),
    ),
    ("delete-ipmp", Some("\tdelete-ipmp\t<ipmp-interface>")),
    (
        "add-ipmp",
        Some("\tadd-ipmp\t[-t] -i <interface>[,<interface>]... <ipmp-interface>"),
    ),
    (
        "remove-ipmp",
        Some("\tremove-ipmp\t[-t] -i <interface>[,<interface>]... <ipmp-interface>\n"),
    ),
    ("disable-if", Some("\tdisable-if\t-t <interface>")),
    ("enable-if", Some("\tenable-if\t-t <interface>")),
    (
        "show-if",
        Some("\tshow-if\t\t[[-p] -o <field>,...] [<interface>]\n"),
    ),
    (
        "set-ifprop",
        Some("\tset-ifprop\t[-t] -p <prop>=<value[,...]> -m <protocol> <interface>"),
    ),
    (
        "reset-ifprop",
        Some("\treset-ifprop\t[-t] -p <prop> -m <protocol> <interface>"),
    ),
    (
        "show-ifprop",
        Some(
            "\tshow-ifprop\t[[-c] -o <field>,...] [-p <prop>,...]\n\t\t\t[-m <protocol>] [interface]\n",
        ),
    ),
    (
        "create-addr",
        Some(concat!(
            "\tcreate-addr\t[-t] -T static [-d] -a{local|remote}=addr[/prefixlen]\n",
            "\t\t\t<addrobj>\n",
            "\tcreate-addr\t[-t] -T dhcp [-w <seconds> | forever]\n",
            "\t\t\t[-1] [-h <hostname>] <addrobj>\n",
            "\tcreate-addr\t[-t] -T addrconf [-i interface-id]\n",
            "\t\t\t[-p {stateful|stateless}={yes|no}] <addrobj>",
        )),
    ),
    ("delete-addr", Some("\tdelete-addr\t[-r] <addrobj>")),
    (
        "show-addr",
        Some("\tshow-addr\t[[-p] -o <field>,...] [<addrobj>]"),
    ),
    ("refresh-addr", Some("\trefresh-addr\t[-i] <addrobj>")),
    ("down-addr", Some("\tdown-addr\t[-t] <addrobj>")),
    ("up-addr", Some("\tup-addr\t\t[-t] <addrobj>")),
    ("disable-addr", Some("\tdisable-addr\t-t <addrobj>")),
    ("enable-addr", Some("\tenable-addr\t-t <addrobj>\n")),
    (
        "set-addrprop",
        Some("\tset-addrprop\t[-t] -p <prop>=<value[,...]> <addrobj>"),
    ),
    (
        "reset-addrprop",
        Some("\treset-addrprop\t[-t] -p <prop> <addrobj>"),
    ),
    (
        "show-addrprop",
        Some("\tshow-addrprop\t[[-c] -o <field>,...] [-p <prop>,...] <addrobj>\n"),
    ),
    (
        "set-prop",
        Some("\tset-prop\t[-t] -p <prop>[+|-]=<value[,...]> <protocol>"),
    ),
    (
        "reset-prop",
        Some("\treset-prop\t[-t] -p <prop> <protocol>"),
    ),
    (
        "show-prop",
        Some("\tshow-prop\t[[-c] -o <field>,...] [-p <prop>,...] [protocol]"),
    ),
];

pub const ADDR_FIELDS: [Field; 6] = [
    Field {
        name: "ADDROBJ",
        width: 18,
    },
    Field {
        name: "TYPE",
        width: 9,
    },
    Field {
        name: "STATE",
        width: 13,
    },
    Field {
        name: "CURRENT",
        width: 8,
    },
    Field {
        name: "PERSISTENT",
        width: 11,
    },
    Field {
        name: "ADDR",
        width: 46,
    },
];

pub const IF_FIELDS: [Field; 5] = [
    Field {
        name: "IFNAME",
        width: 11,
    },
    Field {
        name: "CLASS",
        width: 10,
    },
    Field {
        name: "STATE",
        width: 9,
    },
    Field {
        name: "CURRENT",
        width: 13,
    },
    Field {
        name: "PERSISTENT",
        width: 11,
    },
];

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    match main(ctx, args) {
        Ok(()) => 0,
        Err(Exit(code)) => code,
    }
}

/// `usage()`: the header and every subcommand's usage, on stderr.
fn usage(ctx: &Ctx, code: i32) -> Exit {
    let mut s = String::from("usage:  ipadm <subcommand> <args> ...\n");
    for (_, u) in CMDS {
        if let Some(u) = u {
            s.push_str(u);
            s.push('\n');
        }
    }
    ctx.err(&s);
    Exit(code)
}

/// ipadm's `die()`: the message on stderr, but its newline on stdout
/// (`putchar('\n')`), and exit 1.
fn die(ctx: &Ctx, msg: &str) -> Exit {
    ctx.err(&format!("ipadm: {msg}"));
    ctx.out("\n");
    Exit(1)
}

fn warn(ctx: &Ctx, msg: &str) {
    ctx.err(&format!("ipadm: warning: {msg}\n"));
}

fn main(ctx: &mut Ctx, args: &[String]) -> Flow {
    let default = ["show-addr".to_string()];
    let args = if args.is_empty() { &default[..] } else { args };
    let sub = args[0].as_str();
    let Some((_, use_)) = CMDS.iter().find(|(n, _)| *n == sub) else {
        ctx.err(&format!("ipadm: unknown subcommand '{sub}'\n"));
        return Err(usage(ctx, 1));
    };
    let use_ = use_.unwrap_or_default();
    match sub {
        "help" => Err(usage(ctx, 0)),
        "create-if" | "create-ip" => create_if(ctx, args, use_),
        "delete-if" | "delete-ip" => delete_if(ctx, args, use_),
        "show-if" => show_if(ctx, args, use_),
        "create-addr" => create_addr(ctx, args, use_),
        "delete-addr" => delete_addr(ctx, args, use_),
        "show-addr" => show_addr(ctx, args, use_),
        _ => {
            ctx.err(&format!("ipadm: {sub} is not simulated\n"));
            Err(Exit(1))
        }
    }
}

/// A long option: name, whether it takes an argument, its short letter.
struct LongOpt(&'static str, bool, char);

const IF_LONGOPTS: &[LongOpt] = &[LongOpt("temporary", false, 't')];
const ADDR_MISC_LONGOPTS: &[LongOpt] = &[
    LongOpt("inform", false, 'i'),
    LongOpt("release", false, 'r'),
    LongOpt("temporary", false, 't'),
];
const ADDR_LONGOPTS: &[LongOpt] = &[
    LongOpt("address", true, 'a'),
    LongOpt("down", false, 'd'),
    LongOpt("interface-id", true, 'i'),
    LongOpt("primary", false, '1'),
    LongOpt("prop", true, 'p'),
    LongOpt("reqhost", true, 'h'),
    LongOpt("temporary", false, 't'),
    LongOpt("type", true, 'T'),
    LongOpt("wait", true, 'w'),
];
const SHOW_LONGOPTS: &[LongOpt] = &[
    LongOpt("parsable", false, 'p'),
    LongOpt("output", true, 'o'),
];

/// Options given, in order, with their values (empty for flags), and the
/// operands.
type Parsed = (Vec<(char, String)>, Vec<String>);

/// A getopt_long error: what it returned (`?` or `:`) and `optopt`.
struct OptErr(char, char);

/// illumos getopt_long with `opterr = 0`: options anywhere before `--`
/// (non-options are permuted to the end), `--name[=value]` long options
/// with unambiguous abbreviations. Stops at the first error, where ipadm
/// calls `die_opterr`.
fn getopt_long(args: &[String], optstring: &str, longs: &[LongOpt]) -> Result<Parsed, OptErr> {
    let colon = optstring.starts_with(':');
    let badarg = if colon { ':' } else { '?' };
    let spec = optstring.trim_start_matches(':');
    let takes = |c: char| -> Option<bool> {
        let i = spec.find(c)?;
        Some(spec[i + 1..].starts_with(':'))
    };
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if !a.starts_with('-') || a.len() == 1 {
            operands.push(a.clone());
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let exact = longs.iter().find(|l| l.0 == name);
            let matched = match exact {
                Some(l) => l,
                None => {
                    let partial: Vec<&LongOpt> =
                        longs.iter().filter(|l| l.0.starts_with(name)).collect();
                    match partial.as_slice() {
                        [l] => *l,
                        _ => return Err(OptErr('?', '\0')),
                    }
                }
            };
            let value = match (matched.1, value) {
                (false, Some(_)) => return Err(OptErr(badarg, matched.2)),
                (false, None) => String::new(),
                (true, Some(v)) => v,
                (true, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        v.clone()
                    }
                    None => return Err(OptErr(badarg, matched.2)),
                },
            };
            opts.push((matched.2, value));
            continue;
        }
        let chars: Vec<char> = a.chars().skip(1).collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            match takes(c) {
                None => return Err(OptErr('?', c)),
                Some(false) => opts.push((c, String::new())),
                Some(true) => {
                    let rest: String = chars[j..].iter().collect();
                    let value = if !rest.is_empty() {
                        rest
                    } else {
                        match args.get(i) {
                            Some(v) => {
                                i += 1;
                                v.clone()
                            }
                            None => return Err(OptErr(badarg, c)),
                        }
                    };
                    opts.push((c, value));
                    break;
                }
            }
        }
    }
    Ok((opts, operands))
}

/// `die_opterr`.
fn opterr(ctx: &Ctx, e: OptErr, use_: &str) -> Exit {
    let OptErr(kind, c) = e;
    if kind == ':' {
        die(
            ctx,
            &format!("option '-{c}' requires a value\nusage: {use_}"),
        )
    } else {
        die(ctx, &format!("unrecognized option '-{c}'\nusage: {use_}"))
    }
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

/// Fault rules for `ipadm SUB`; a failure dies with the subcommand's own
/// context (e.g. `Could not create address: <message>`).
fn fault(ctx: &Ctx, sub: &str, context: &str) -> Flow {
    if let Some(f) = ctx.fault("ipadm", sub, None).failure {
        let msg = f.message.unwrap_or_else(|| FAILURE.into());
        ctx.err(&format!("ipadm: {context}: {msg}"));
        ctx.out("\n");
        return Err(Exit(f.exit));
    }
    Ok(())
}

fn read(ctx: &Ctx) -> Flow<State> {
    ctx.store
        .read()
        .map_err(|e| die(ctx, &format!("cannot read state: {e}")))
}

fn update<R>(ctx: &Ctx, f: impl FnOnce(&mut State) -> R) -> Flow<R> {
    ctx.store
        .update(f)
        .map_err(|e| die(ctx, &format!("cannot update state: {e}")))
}

/// `ifparse_ifspec()` for the names the simulator knows: a device name
/// ending in a number (the PPA), no logical unit (`:N`), shorter than
/// LIFNAMSIZ.
fn valid_ifname(name: &str) -> bool {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let dev = &name[..name.len() - digits];
    !name.contains(':') && name.len() < 32 && digits > 0 && !dev.is_empty()
}

/// Plumbs `name` for IPv4 and IPv6 (`i_ipadm_plumb_if` for each), as
/// `create-if` and the implicit plumbing of `create-addr` do. Returns the
/// libipadm status on failure.
fn plumb(st: &mut State, name: &str, persistent: bool) -> Result<(), &'static str> {
    if name != LOOPBACK {
        let Some(link) = st.link(name) else {
            return Err(DLPI_FAILURE);
        };
        if link.class == LinkClass::Etherstub {
            // An etherstub has no MAC client for IP to open [derived].
            return Err(ENXIO);
        }
        if link.zone.is_some() {
            return Err(IF_INUSE);
        }
        if persistent && link.temporary {
            return Err(TEMPORARY_OBJ);
        }
    }
    st.ip_interfaces.push(name.to_string());
    if !persistent {
        st.ip.temporary.push(name.to_string());
    }
    Ok(())
}

fn create_if(ctx: &mut Ctx, args: &[String], use_: &str) -> Flow {
    let (opts, operands) =
        getopt_long(args, ":t", IF_LONGOPTS).map_err(|e| opterr(ctx, e, use_))?;
    if operands.len() != 1 {
        return Err(die(ctx, &format!("usage: {use_}")));
    }
    let name = operands[0].clone();
    let persistent = !has(&opts, 't');
    fault(ctx, &args[0], &format!("Could not create {name} "))?;
    let res = update(ctx, |st| {
        tidy(st);
        if !valid_ifname(&name) {
            return Err(INVALID_ARG);
        }
        if plumbed(st, &name) {
            return Err(IF_EXISTS);
        }
        plumb(st, &name, persistent)
    })?;
    res.map_err(|s| die(ctx, &format!("Could not create {name} : {s}")))
}

fn delete_if(ctx: &mut Ctx, args: &[String], use_: &str) -> Flow {
    if args.len() != 2 {
        return Err(die(ctx, &format!("Usage: {use_}")));
    }
    let name = args[1].clone();
    fault(ctx, &args[0], &format!("Could not delete {name}"))?;
    let res = update(ctx, |st| {
        if !valid_ifname(&name) {
            return Err(INVALID_ARG);
        }
        if !plumbed(st, &name) {
            return Err(ENXIO);
        }
        unplumb(st, &name);
        Ok(())
    })?;
    res.map_err(|s| die(ctx, &format!("Could not delete {name}: {s}")))
}

/// Resolves `-o`/`-p` as ipadm does with `ofmt_open` and `ofmt_check`:
/// everything is fatal in parsable mode, unknown fields only warn outside.
fn formatter(ctx: &Ctx, all: &[Field], spec: Option<&str>, parsable: bool) -> Flow<Ofmt> {
    match select(all, spec, parsable) {
        Ok((fields, bad)) => {
            if !bad.is_empty() {
                warn(ctx, &ignoring_message(&bad));
            }
            Ok(Ofmt::new(fields, parsable))
        }
        Err(e) => Err(die(ctx, &e.message())),
    }
}

/// `flags2str` over a table of (letter, set): the letter or `-`.
fn bits(table: &[(char, bool)]) -> String {
    table
        .iter()
        .map(|(c, on)| if *on { *c } else { '-' })
        .collect()
}

fn addr_value(a: &AddrObj, field: &str) -> String {
    match field {
        "ADDROBJ" => a.name.clone(),
        "TYPE" => "static".into(),
        "STATE" => if a.up { "ok" } else { "down" }.into(),
        "CURRENT" => bits(&[
            ('U', a.up),
            ('u', false),
            ('p', false),
            ('t', false),
            ('d', false),
        ]),
        "PERSISTENT" => bits(&[('U', a.persistent && a.up), ('p', false), ('d', false)]),
        _ => {
            if a.prefix > 0 {
                format!("{}/{}", a.addr, a.prefix)
            } else {
                a.addr.to_string()
            }
        }
    }
}

fn show_addr(ctx: &mut Ctx, args: &[String], use_: &str) -> Flow {
    let (opts, operands) =
        getopt_long(args, "po:", SHOW_LONGOPTS).map_err(|e| opterr(ctx, e, use_))?;
    let parsable = has(&opts, 'p');
    let fields = get(&opts, 'o');
    if parsable && fields.is_none() {
        return Err(die(ctx, "-p requires -o"));
    }
    let (mut aname, mut ifname) = (None, None);
    match operands.as_slice() {
        [] => {}
        [a] => {
            let Some((ifn, rest)) = a.split_once('/') else {
                return Err(die(ctx, "Invalid address object name provided"));
            };
            if rest.is_empty() {
                ifname = Some(ifn.to_string());
            } else {
                aname = Some(a.clone());
            }
        }
        _ => return Err(die(ctx, &format!("Usage: {use_}"))),
    }
    let spec = fields.unwrap_or_else(|| "addrobj,type,state,addr".into());
    let fmt = formatter(ctx, &ADDR_FIELDS, Some(&spec), parsable)?;
    fault(ctx, "show-addr", "Could not get address")?;
    let mut st = read(ctx)?;
    tidy(&mut st);
    if let Some(ifn) = &ifname {
        if !valid_ifname(ifn) {
            return Err(die(ctx, &format!("Could not get address: {INVALID_ARG}")));
        }
        if !plumbed(&st, ifn) {
            return Err(die(ctx, &format!("Could not get address: {ENXIO}")));
        }
    }
    // getallifaddrs(AF_UNSPEC): the IPv4 logical interfaces, then the IPv6
    // ones, each in interface order and then address order.
    let mut rows = Vec::new();
    for v6 in [false, true] {
        for i in &st.ip_interfaces {
            if ifname.as_deref().is_some_and(|n| n != i) {
                continue;
            }
            for a in st.ip.addrs.iter().filter(|a| &a.ifname == i) {
                if a.addr.is_ipv6() != v6 || a.addr.is_unspecified() {
                    continue;
                }
                if aname.as_deref().is_some_and(|n| n != a.name) {
                    continue;
                }
                rows.push(fmt.fields().iter().map(|f| addr_value(a, f.name)).collect());
            }
        }
    }
    ctx.out(&fmt.print(&rows));
    if (ifname.is_some() || aname.is_some()) && rows.is_empty() {
        return Err(die(ctx, &format!("Could not get address: {NOTFOUND}")));
    }
    Ok(())
}

fn if_value(st: &State, name: &str, field: &str) -> String {
    let lo = name == LOOPBACK;
    let persistent = persistent_if(st, name);
    match field {
        "IFNAME" => name.to_string(),
        "CLASS" => if lo { "VIRTUAL" } else { "IP" }.into(),
        "STATE" => {
            let up = st.ip.addrs.iter().any(|a| a.ifname == name && a.up);
            if up { "ok" } else { "down" }.into()
        }
        "CURRENT" => bits(&[
            ('b', !lo),
            ('m', true),
            ('p', false),
            ('v', lo),
            ('I', false),
            ('s', false),
            ('i', false),
            ('V', false),
            ('a', false),
            ('Z', false),
            ('4', true),
            ('6', true),
        ]),
        _ => bits(&[('s', false), ('4', persistent), ('6', persistent)]),
    }
}

fn show_if(ctx: &mut Ctx, args: &[String], use_: &str) -> Flow {
    let (opts, operands) =
        getopt_long(args, "po:", SHOW_LONGOPTS).map_err(|e| opterr(ctx, e, use_))?;
    let ifname = match operands.as_slice() {
        [] => None,
        [i] => Some(i.clone()),
        _ => return Err(die(ctx, &format!("Usage: {use_}"))),
    };
    let parsable = has(&opts, 'p');
    let fmt = formatter(ctx, &IF_FIELDS, get(&opts, 'o').as_deref(), parsable)?;
    fault(ctx, "show-if", "Could not get interface(s)")?;
    let mut st = read(ctx)?;
    tidy(&mut st);
    if let Some(n) = &ifname {
        let status = if !valid_ifname(n) {
            Some(INVALID_ARG)
        } else if !plumbed(&st, n) {
            Some(ENXIO)
        } else {
            None
        };
        if let Some(s) = status {
            return Err(die(ctx, &format!("Could not get interface(s): {s}")));
        }
    }
    let rows: Vec<Vec<String>> = st
        .ip_interfaces
        .iter()
        .filter(|i| ifname.as_deref().is_none_or(|n| n == *i))
        .map(|i| {
            fmt.fields()
                .iter()
                .map(|f| if_value(&st, i, f.name))
                .collect()
        })
        .collect();
    ctx.out(&fmt.print(&rows));
    Ok(())
}

/// `getsubopt(3C)` over the `-a` argument with the tokens `local` and
/// `remote`: (local, remote), or ipadm's message.
fn static_addrargs(arg: &str, use_: &str) -> Result<(String, Option<String>), String> {
    let (mut laddr, mut raddr): (Option<Option<&str>>, Option<Option<&str>>) = (None, None);
    let mut mismatch = false;
    for item in arg.split(',') {
        let (key, val) = match item.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (item, None),
        };
        match key {
            "local" => {
                if laddr.is_some_and(|v| v.is_some()) {
                    return Err("Multiple local addresses provided".into());
                }
                laddr = Some(val);
            }
            "remote" => {
                if raddr.is_some_and(|v| v.is_some()) {
                    return Err("Multiple remote addresses provided".into());
                }
                raddr = Some(val);
            }
            _ => {
                if mismatch {
                    return Err(format!("Invalid address provided\nusage: {use_}"));
                }
                mismatch = true;
            }
        }
    }
    let laddr = laddr.flatten();
    let raddr = raddr.flatten();
    if raddr.is_some() && laddr.is_none() {
        return Err(format!("Missing local address\nusage: {use_}"));
    }
    let local = match laddr {
        Some(l) => l.to_string(),
        None if mismatch => arg.to_string(),
        None => return Err(format!("Missing local address\nusage: {use_}")),
    };
    Ok((local, raddr.map(str::to_string)))
}

/// `ipadm_create_addrobj()`'s checks of `IF/NAME`.
fn valid_addrobj(aobj: &str) -> bool {
    let Some((ifname, aname)) = aobj.split_once('/') else {
        return false;
    };
    valid_ifname(ifname)
        && aname.len() < 32
        && aname
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && aname.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `ipadm_set_addr()` with a numeric address: (address, prefix length,
/// 0 when none was given).
fn parse_addr(s: &str) -> Result<(IpAddr, u32), &'static str> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                return Err(INVALID_ARG);
            }
            (a, p.parse::<u32>().map_err(|_| INVALID_ARG)?)
        }
        None => (s, 0),
    };
    let addr: IpAddr = addr.parse().map_err(|_| BAD_ADDR)?;
    // getaddrinfo with AI_V4MAPPED: a mapped address is an IPv4 one.
    let addr = match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => addr,
        },
        a => a,
    };
    Ok((addr, prefix))
}

/// `i_ipadm_get_default_prefixlen`: classful for IPv4 (`get_netmask4`),
/// 10 for IPv6 link-local and 64 for other IPv6 addresses.
fn default_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(a) => {
            let first = a.octets()[0];
            if first < 128 {
                8
            } else if first < 192 {
                16
            } else if first < 224 {
                24
            } else {
                32
            }
        }
        IpAddr::V6(a) => {
            if a.segments()[0] & 0xffc0 == 0xfe80 {
                10
            } else {
                64
            }
        }
    }
}

fn create_addr(ctx: &mut Ctx, args: &[String], use_: &str) -> Flow {
    let (opts, operands) =
        getopt_long(args, ":1T:a:dh:i:p:w:t", ADDR_LONGOPTS).map_err(|e| opterr(ctx, e, use_))?;
    let atype = get(&opts, 'T');
    let Some(atype) = atype.filter(|_| operands.len() == 1) else {
        return Err(die(ctx, &format!("Invalid arguments\nusage: {use_}")));
    };
    let aobj = operands[0].clone();
    if aobj.split_once('/').is_none_or(|(_, n)| n.is_empty()) {
        return Err(die(
            ctx,
            &format!("invalid address object name: {aobj}\nusage: {use_}"),
        ));
    }
    let s_opt = has(&opts, 'a') || has(&opts, 'd');
    let auto_opt = has(&opts, 'i') || has(&opts, 'p');
    let dhcp_opt = has(&opts, 'w');
    let static_arg = get(&opts, 'a');
    match atype.as_str() {
        "static" => {
            if static_arg.is_none() || auto_opt || dhcp_opt || has(&opts, 'h') || has(&opts, '1') {
                return Err(die(
                    ctx,
                    &format!("Invalid arguments for type {atype}\nusage: {use_}"),
                ));
            }
        }
        "dhcp" | "addrconf" => {
            let bad = if atype == "dhcp" {
                auto_opt || s_opt
            } else {
                dhcp_opt || s_opt || has(&opts, 'h') || has(&opts, '1')
            };
            if bad {
                return Err(die(
                    ctx,
                    &format!("Invalid arguments for type {atype}\nusage: {use_}"),
                ));
            }
            ctx.err(&format!("ipadm: address type {atype} is not simulated\n"));
            return Err(Exit(1));
        }
        _ => return Err(die(ctx, &format!("Invalid address type {atype}"))),
    }
    let (local, remote) =
        static_addrargs(&static_arg.unwrap_or_default(), use_).map_err(|m| die(ctx, &m))?;
    if !valid_addrobj(&aobj) {
        return Err(die(
            ctx,
            &format!("Error in creating address object: {INVALID_ARG}"),
        ));
    }
    let (addr, prefix) = parse_addr(&local)
        .map_err(|s| die(ctx, &format!("Error in setting local address: {s}")))?;
    if remote.is_some() {
        ctx.err("ipadm: point-to-point addresses are not simulated\n");
        return Err(Exit(1));
    }
    let up = !has(&opts, 'd');
    let persistent = !has(&opts, 't');
    let ifname = aobj.split_once('/').map(|(i, _)| i.to_string()).unwrap();
    fault(ctx, "create-addr", "Could not create address")?;
    let res = update(ctx, |st| {
        tidy(st);
        // i_ipadm_validate_create_addr
        if persistent && plumbed(st, &ifname) && !persistent_if(st, &ifname) {
            return Err(TEMPORARY_OBJ);
        }
        if addr.is_unspecified() {
            return Err(BAD_ADDR);
        }
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > bits {
            return Err(INVALID_ARG);
        }
        if st.ip.addrs.iter().any(|a| a.name == aobj) {
            return Err(ADDROBJ_EXISTS);
        }
        if !plumbed(st, &ifname) {
            plumb(st, &ifname, persistent)?;
        }
        if up && st.ip.addrs.iter().any(|a| a.up && a.addr == addr) {
            // The kernel refuses a duplicate address when it is brought
            // up (EADDRINUSE) [derived].
            return Err(ADDR_INUSE);
        }
        let prefix = if prefix == 0 {
            default_prefix(addr)
        } else {
            prefix as u8
        };
        st.ip.addrs.push(AddrObj {
            name: aobj.clone(),
            ifname: ifname.clone(),
            addr,
            prefix,
            up,
            persistent,
        });
        Ok(())
    })?;
    res.map_err(|s| die(ctx, &format!("Could not create address: {s}")))
}

fn delete_addr(ctx: &mut Ctx, args: &[String], use_: &str) -> Flow {
    let (_, operands) =
        getopt_long(args, ":r", ADDR_MISC_LONGOPTS).map_err(|e| opterr(ctx, e, use_))?;
    if operands.len() != 1 {
        return Err(die(ctx, &format!("Usage: {use_}")));
    }
    let aobj = operands[0].clone();
    fault(ctx, "delete-addr", "could not delete address")?;
    let found = update(ctx, |st| {
        tidy(st);
        let before = st.ip.addrs.len();
        st.ip.addrs.retain(|a| a.name != aobj);
        st.ip.addrs.len() != before
    })?;
    if !found {
        return Err(die(ctx, &format!("could not delete address: {NOTFOUND}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn getopt_long_permutes_and_takes_long_options() {
        let (o, ops) = getopt_long(
            &args(&["show-addr", "lo0/v4", "-p", "--out=addr"]),
            "po:",
            SHOW_LONGOPTS,
        )
        .ok()
        .unwrap();
        assert_eq!(ops, vec!["lo0/v4".to_string()]);
        assert_eq!(o, vec![('p', String::new()), ('o', "addr".into())]);
        let (o, _) = getopt_long(&args(&["x", "-po", "addrobj"]), "po:", SHOW_LONGOPTS)
            .ok()
            .unwrap();
        assert_eq!(o[1], ('o', "addrobj".into()));
        let e = getopt_long(&args(&["x", "-o"]), "po:", SHOW_LONGOPTS)
            .err()
            .unwrap();
        assert_eq!((e.0, e.1), ('?', 'o'));
        let e = getopt_long(&args(&["x", "-T"]), ":T:", ADDR_LONGOPTS)
            .err()
            .unwrap();
        assert_eq!((e.0, e.1), (':', 'T'));
        let e = getopt_long(&args(&["x", "-x"]), ":t", IF_LONGOPTS)
            .err()
            .unwrap();
        assert_eq!((e.0, e.1), ('?', 'x'));
        let (o, ops) = getopt_long(&args(&["x", "--", "-t"]), ":t", IF_LONGOPTS)
            .ok()
            .unwrap();
        assert!(o.is_empty());
        assert_eq!(ops, vec!["-t".to_string()]);
    }

    #[test]
    fn names_and_addresses() {
        assert!(valid_ifname("vnic0"));
        assert!(valid_ifname("e1000g0"));
        assert!(!valid_ifname("vnic"));
        assert!(!valid_ifname("vnic0:1"));
        assert!(!valid_ifname("0"));
        assert!(valid_addrobj("vnic0/v4"));
        assert!(!valid_addrobj("vnic0/4v"));
        assert!(!valid_addrobj("vnic0/a-b"));
        assert_eq!(
            parse_addr("10.0.0.1/24"),
            Ok(("10.0.0.1".parse().unwrap(), 24))
        );
        assert_eq!(parse_addr("10.0.0.1/x"), Err(INVALID_ARG));
        assert_eq!(parse_addr("gateway"), Err(BAD_ADDR));
        assert_eq!(default_prefix("10.1.2.3".parse().unwrap()), 8);
        assert_eq!(default_prefix("172.16.0.1".parse().unwrap()), 16);
        assert_eq!(default_prefix("192.168.0.1".parse().unwrap()), 24);
        assert_eq!(default_prefix("fe80::1".parse().unwrap()), 10);
        assert_eq!(default_prefix("2001:db8::1".parse().unwrap()), 64);
    }

    #[test]
    fn static_address_arguments() {
        assert_eq!(
            static_addrargs("10.0.0.1/24", "U"),
            Ok(("10.0.0.1/24".into(), None))
        );
        assert_eq!(
            static_addrargs("local=10.0.0.1/24", "U"),
            Ok(("10.0.0.1/24".into(), None))
        );
        assert_eq!(
            static_addrargs("remote=1.2.3.4", "U"),
            Err("Missing local address\nusage: U".into())
        );
        assert_eq!(
            static_addrargs("a,b", "U"),
            Err("Invalid address provided\nusage: U".into())
        );
    }
}
