//! What a value may hold to be written into a zonecfg command file. zonecfg input is code:
//! a quoted string has no escapes and ends at `"` or a newline, so a value with either could
//! end the command and start another; inside `( … )` illumos-gate accepts no quotes at all,
//! so values there are limited to plain tokens. Templates are checked against these rules
//! when read, and the command file writer checks every value again.

/// Why `value` cannot be written as `set prop="value"`.
pub fn quoted_value_error(value: &str) -> Option<String> {
    let bad = value
        .chars()
        .find(|&c| c == '"' || (c.is_control() && c != '\t'))?;
    let what = match bad {
        '"' => "a double quote".to_string(),
        '\n' => "a newline".to_string(),
        '\r' => "a carriage return".to_string(),
        c => format!("the control character U+{:04X}", c as u32),
    };
    Some(format!(
        "value {value:?} contains {what}, which zonecfg cannot take inside a quoted value"
    ))
}

/// Why `value` cannot be written unquoted inside `( … )`, as in `add value (priv=…,limit=…)`.
///
/// Inside `( … )` zonecfg's lexer (illumos-gate `usr/src/cmd/zonecfg/zonecfg_lex.l`, start
/// condition CSTATE) reads plain tokens only: white space, `"`, `,`, `;`, `=` and the
/// parentheses end a token. `[` and `]` are zonecfg's list brackets: the lexer keeps them
/// inside a token there, but no complex value takes them (an rctl value's priv, limit and
/// action are checked when the configuration is committed) and `zonecfg info` prints lists
/// in the same brackets, so such a value would not read back. zmgr refuses them when it
/// reads the value, not when zonecfg fails halfway through a create.
pub fn complex_value_error(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("an empty value cannot be written inside ( … )".into());
    }
    let bad = value.chars().find(|&c| {
        matches!(
            c,
            ' ' | '\t' | '"' | ',' | ';' | '=' | '(' | ')' | '[' | ']'
        ) || c.is_control()
    })?;
    Some(format!(
        "value {value:?} contains {bad:?}, which zonecfg cannot take inside ( … )"
    ))
}

/// How a resource property is written.
#[derive(Clone, Copy, PartialEq)]
pub enum PropKind {
    Simple,
    List,
    Complex,
}

/// Resource types and their properties, as zonecfg knows them.
pub const RESOURCES: &[(&str, &[(&str, PropKind)])] = {
    use PropKind::*;
    &[
        (
            "fs",
            &[
                ("dir", Simple),
                ("special", Simple),
                ("raw", Simple),
                ("type", Simple),
                ("options", List),
            ],
        ),
        (
            "net",
            &[
                ("address", Simple),
                ("allowed-address", Simple),
                ("defrouter", Simple),
                ("physical", Simple),
                ("global-nic", Simple),
                ("mac-addr", Simple),
                ("vlan-id", Simple),
                ("property", Complex),
            ],
        ),
        ("device", &[("match", Simple)]),
        ("rctl", &[("name", Simple), ("value", Complex)]),
        ("dataset", &[("name", Simple)]),
        (
            "dedicated-cpu",
            &[("ncpus", Simple), ("importance", Simple)],
        ),
        ("capped-cpu", &[("ncpus", Simple)]),
        (
            "capped-memory",
            &[("physical", Simple), ("swap", Simple), ("locked", Simple)],
        ),
        ("admin", &[("user", Simple), ("auths", Simple)]),
        (
            "security-flags",
            &[("default", Simple), ("lower", Simple), ("upper", Simple)],
        ),
    ]
};

/// Whether `kind` heads a resource block in `zonecfg info`: the resources a template may
/// add, plus `attr` and `inherit-pkg-dir`, which info also prints.
pub fn is_resource_type(kind: &str) -> bool {
    matches!(kind, "attr" | "inherit-pkg-dir") || RESOURCES.iter().any(|(k, _)| *k == kind)
}

// ---------------------------------------------------------------------------------------------
// Values by type: what zonecfg itself refuses, at `set`, at `end` or when it verifies the
// configuration on commit. A template is checked against these rules when it is read, so that
// `check` and every `create` refuse it before anything on the host changes, instead of zonecfg
// failing halfway through a create. The rules are illumos-gate's and are cited one by one; what
// illumos leaves to the running system (an rctl's ceiling, a privilege set, a scheduling class,
// a user name, security flags) is not checked here.

use crate::model::zonecfg_extras::{Resource, ResourceValue};

/// What zonecfg would refuse, and what it takes instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    /// What is accepted, with an example.
    pub help: String,
}

fn refusal(message: impl Into<String>, help: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
        help: help.into(),
    }
}

/// Where in a resource a refusal points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The resource as a whole (a property it lacks, two properties that disagree).
    Resource,
    /// Its `n`th property, in `Resource::properties` order.
    Property(usize),
    /// Item `i` of its `n`th property: a list item, or a `key=value` pair of a complex value.
    Item(usize, usize),
}

/// C `isspace` in the C locale.
fn c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `strtoull(s, &end, 10)` with `*end == '\0'` and no `ERANGE`: leading white space, an
/// optional sign, digits; the empty string reads as 0 (no conversion, and `end` is the
/// terminating NUL). A `-` negates modulo 2^64, as C does; callers refuse it first.
fn strtoull10_whole(s: &str) -> Option<u64> {
    if s.is_empty() {
        return Some(0);
    }
    let t = s.trim_start_matches(c_space);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(if neg { n.wrapping_neg() } else { n })
}

/// libzonecfg's `valid_uint` (usr/src/lib/libzonecfg/common/libzonecfg.c): no `-` anywhere,
/// then `strtoull(s, &end, 10)` must read the whole string without overflow.
pub fn valid_uint(s: &str) -> Option<u64> {
    if s.contains('-') {
        return None;
    }
    strtoull10_whole(s)
}

/// The longest prefix of `s` that C's `strtod`/`strtold` reads as a decimal number (after
/// white space: sign, digits with an optional `.`, an optional exponent), and its value; `None`
/// when no number starts `s` (C then reads 0 and leaves the whole string unread). zmgr does not
/// read the hexadecimal, `inf` and `nan` forms C also takes: they name no size or CPU count,
/// and the conversion zonecfg applies to them is undefined; such values are refused.
fn strtod_prefix(s: &str) -> Option<(f64, &str)> {
    let t = s.trim_start_matches(c_space);
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac;
    }
    if digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp {
            i = j;
        }
    }
    let v: f64 = t[..i].parse().ok()?;
    Some((v, &t[i..]))
}

/// `zonecfg_str_to_bytes` (libzonecfg.c), which `zonecfg_valid_memlimit` calls: a
/// non-negative number (fractions allowed), optional white space, then nothing or one of
/// `K`, `M`, `G`, `T` in either case (powers of 1024). As in C, a value with no number at all
/// reads as 0 when the rest is empty or a unit (`""`, `"M"`).
pub fn str_to_bytes(s: &str) -> Option<u64> {
    let (val, unit) = match strtod_prefix(s) {
        Some((v, rest)) => (v, rest),
        None if s
            .trim_start_matches(c_space)
            .starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))
            && s.trim_start_matches(c_space).len() > 1 =>
        {
            // "+x", "-.", ".e": no digits after the sign or point; C reads no number.
            (0.0, s)
        }
        None => (0.0, s),
    };
    if val < 0.0 || !val.is_finite() {
        return None;
    }
    let unit = unit.trim_start_matches(c_space);
    let scale: f64 = match unit.to_ascii_uppercase().as_str() {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = val * scale;
    (bytes < 18_446_744_073_709_551_616.0).then_some(bytes as u64)
}

/// The rctl aliases a global property stands for, with the lowest limit zonecfg takes
/// (`aliases[]` in libzonecfg.c; `zfs-io-priority` is illumos-omnios's, whose table gives it
/// a floor of 1). `max-shm-memory` is a size; the others are counts.
const ALIAS_FLOORS: &[(&str, u64)] = &[
    ("max-lwps", 100),
    ("max-processes", 100),
    ("max-shm-memory", 0),
    ("max-shm-ids", 0),
    ("max-msg-ids", 0),
    ("max-sem-ids", 0),
    ("cpu-shares", 0),
    ("zfs-io-priority", 1),
];

/// The zone rctl a global property or a capped-cpu/capped-memory property stands for.
pub fn alias_rctl(name: &str) -> Option<&'static str> {
    Some(match name {
        "max-lwps" => "zone.max-lwps",
        "max-processes" => "zone.max-processes",
        "max-shm-memory" => "zone.max-shm-memory",
        "max-shm-ids" => "zone.max-shm-ids",
        "max-msg-ids" => "zone.max-msg-ids",
        "max-sem-ids" => "zone.max-sem-ids",
        "cpu-shares" => "zone.cpu-shares",
        "zfs-io-priority" => "zone.zfs-io-priority",
        _ => return None,
    })
}

/// Why zonecfg would refuse `set NAME=VALUE` for a global property.
///
/// - The rctl aliases: zonecfg.c `set_aliased_rctl`. `max-shm-memory` goes through
///   `zonecfg_valid_memlimit` ("A non-negative number with a required scale suffix (K, M, G
///   or T) was expected here."); every alias then through libzonecfg's
///   `zonecfg_valid_alias_limit`: `valid_uint` and at least the alias's `low_limit`
///   ("NAME property is out of range.").
/// - `pool`: zonecfg.c `set_func`, `RT_POOL`: "pool names starting with SUNW are reserved."
///
/// `scheduling-class`, `limitpriv`, `bootargs`, `hostid` and `fs-allowed` are stored as
/// given (`zonecfg_set_sched` and the others); they are not checked here.
pub fn global_property_refusal(name: &str, value: &str) -> Option<Refusal> {
    let shown = crate::text::shown(value);
    if name == "pool" {
        return value.starts_with("SUNW").then(|| {
            refusal(
                format!("pool `{shown}`: zonecfg reserves pool names starting with SUNW"),
                "name a pool of the host's that does not start with SUNW, e.g. `property \"pool\" \"web-pool\"`",
            )
        });
    }
    let (_, floor) = ALIAS_FLOORS.iter().find(|(a, _)| *a == name)?;
    if name == "max-shm-memory" {
        return str_to_bytes(value).is_none().then(|| {
            refusal(
                format!("max-shm-memory `{shown}` is not a size"),
                "write a non-negative number with an optional K, M, G or T suffix, e.g. `property \"max-shm-memory\" \"4G\"`",
            )
        });
    }
    let example = format!("e.g. `property \"{name}\" \"{}\"`", (*floor).max(1) * 10);
    match valid_uint(value) {
        None => Some(refusal(
            format!("{name} `{shown}` is not a whole number"),
            format!("write digits only (no sign, unit or point), {example}"),
        )),
        Some(n) if n < *floor => Some(refusal(
            format!("{name} `{shown}` is below zonecfg's minimum of {floor}"),
            format!("write {floor} or more, {example}"),
        )),
        Some(_) => None,
    }
}

/// What is wrong with an `attr` resource, as zonecfg.c's `end_func` checks it: a name
/// (`validate_attr_name`: a letter or digit, then letters, digits, `-` and `.`) and a value
/// of its type (`validate_attr_type_val`, with libzonecfg's `zonecfg_get_attr_boolean`,
/// `_int`, `_uint` and `_string`). Returns the name's refusal and the value's.
pub fn attr_refusals(name: &str, ty: &str, value: &str) -> (Option<Refusal>, Option<Refusal>) {
    let shown = crate::text::shown(name);
    let name_help = "an attr name is a letter or digit followed by letters, digits, `-` and `.`, e.g. `attr \"tier\" 3 type=\"int\"`";
    let name_problem = if name.is_empty() {
        Some(refusal("an attr name cannot be empty", name_help))
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some(refusal(
            format!("attr name `{shown}` must start with a letter or digit"),
            name_help,
        ))
    } else {
        name.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
            .map(|c| {
                refusal(
                    format!("attr name `{shown}` contains {c:?}, which zonecfg does not take"),
                    name_help,
                )
            })
    };
    let v = crate::text::shown(value);
    let value_problem = if value.is_empty() {
        Some(refusal(
            format!("attr `{shown}` has an empty value, which zonecfg reports as not specified"),
            "give it a value, e.g. `attr \"owner\" \"ops\"`",
        ))
    } else {
        match ty {
            "boolean" if value != "true" && value != "false" => Some(refusal(
                format!("attr `{shown}` of type boolean has the value `{v}`"),
                "a boolean attr is `true` or `false`, e.g. `attr \"managed\" #true type=\"boolean\"`",
            )),
            "int" if strtoll10_whole(value).is_none() => Some(refusal(
                format!(
                    "attr `{shown}` of type int has the value `{v}`, which is not a 64-bit integer"
                ),
                "write an optional sign and digits, e.g. `attr \"offset\" -5 type=\"int\"`",
            )),
            "uint" if !valid_attr_uint(value) => Some(refusal(
                format!(
                    "attr `{shown}` of type uint has the value `{v}`, which is not an unsigned 64-bit integer"
                ),
                "write digits only, e.g. `attr \"tier\" 3 type=\"uint\"`",
            )),
            "string" if value.len() >= 256 => Some(refusal(
                format!(
                    "attr `{shown}` has a string value of {} bytes; zonecfg takes at most 255",
                    value.len()
                ),
                "shorten the value to 255 bytes or fewer (MAXNAMELEN, less the NUL)",
            )),
            _ => None,
        }
    };
    (name_problem, value_problem)
}

/// `strtoll(s, &end, 10)` reading the whole string without `ERANGE`.
fn strtoll10_whole(s: &str) -> Option<i64> {
    if s.is_empty() {
        return Some(0);
    }
    let t = s.trim_start_matches(c_space);
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}

/// `zonecfg_get_attr_uint`: `strtoull` over the whole string, and not a negative number as
/// `strtoll` reads it.
fn valid_attr_uint(s: &str) -> bool {
    strtoull10_whole(s).is_some() && strtoll10_whole(s).is_none_or(|n| n >= 0)
}

/// `strtoull(s, &end, 0)` over the whole string, as libzonecfg's `zonecfg_construct_rctlblk`
/// reads an rctl value's limit (after refusing a leading `-`): decimal, `0x` hexadecimal or
/// `0` octal.
fn rctl_limit(s: &str) -> Option<u64> {
    if s.starts_with('-') {
        return None;
    }
    if s.is_empty() {
        return Some(0);
    }
    let t = s.trim_start_matches(c_space);
    let t = t.strip_prefix('+').unwrap_or(t);
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h, 16)
    } else if t.len() > 1 && t.starts_with('0') {
        (&t[1..], 8)
    } else {
        (t, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// libzonecfg's `zonecfg_valid_rctlname`: `zone.` and then one or more letters and `-`.
pub fn rctl_name_refusal(name: &str) -> Option<Refusal> {
    let rest = name.strip_prefix("zone.").unwrap_or("");
    if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
        return None;
    }
    Some(refusal(
        format!("`{}` is not a zone rctl name", crate::text::shown(name)),
        "a zone rctl is `zone.` followed by letters and `-`, e.g. `name \"zone.max-lwps\"`",
    ))
}

/// One rctl value's `(priv=…,limit=…,action=…)`, as zonecfg.c's `do_complex_rctl_val` and
/// libzonecfg's `zonecfg_construct_rctlblk` and `zonecfg_valid_rctlblk` check it when it is
/// added: each key once, all three present, `priv` `privileged` (construct also reads `basic`,
/// which valid_rctlblk then refuses), `limit` an unsigned number (`strtoull` base 0, no `-`),
/// `action` `none` or `deny` (construct also reads `signal`, which valid_rctlblk refuses).
/// Returns refusals with the index of the pair they concern (`None`: the value as a whole).
fn rctl_value_refusals(pairs: &[(String, String)]) -> Vec<(Option<usize>, Refusal)> {
    let example = "e.g. `value priv=\"privileged\" limit=2000 action=\"deny\"`";
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        let shown = crate::text::shown(v);
        if !matches!(k.as_str(), "priv" | "limit" | "action") {
            out.push((
                Some(i),
                refusal(
                    format!("an rctl value has no `{}`", crate::text::shown(k)),
                    format!("an rctl value has priv, limit and action, {example}"),
                ),
            ));
            continue;
        }
        if seen.contains(&k.as_str()) {
            out.push((
                Some(i),
                refusal(
                    format!("`{k}` is given twice in one rctl value"),
                    format!("give priv, limit and action once each, {example}"),
                ),
            ));
            continue;
        }
        seen.push(k);
        let bad = match k.as_str() {
            "priv" if v != "privileged" => Some(refusal(
                format!("rctl priv `{shown}` is not one zonecfg takes for a zone"),
                format!(
                    "a zone's rctl values are `privileged` (basic and system are refused), {example}"
                ),
            )),
            "limit" if rctl_limit(v).is_none() => Some(refusal(
                format!("rctl limit `{shown}` is not an unsigned number"),
                format!(
                    "write a whole number without sign or unit (0x… hexadecimal and 0… octal are read too), {example}"
                ),
            )),
            "action" if v != "none" && v != "deny" => Some(refusal(
                format!("rctl action `{shown}` is not one zonecfg takes for a zone"),
                format!(
                    "a zone's rctl action is `none` or `deny` (signals are refused), {example}"
                ),
            )),
            _ => None,
        };
        if let Some(b) = bad {
            out.push((Some(i), b));
        }
    }
    let missing: Vec<&str> = ["priv", "limit", "action"]
        .into_iter()
        .filter(|k| !seen.contains(k))
        .collect();
    if !missing.is_empty() {
        out.push((
            None,
            refusal(
                format!("an rctl value lacks {}", missing.join(", ")),
                format!("give priv, limit and action, {example}"),
            ),
        ));
    }
    out
}

/// `validate_net_address_syntax` (zonecfg.c): an IPv4 address or host name with an optional
/// `/prefix` (0–32), or an IPv6 address with a required `/prefix` (0–128); for `defrouter`
/// (`ishost`) a prefix is ignored. Host names start with a letter or digit and hold letters,
/// digits, `-` and `.`.
fn net_address_refusal(prop: &str, address: &str) -> Option<Refusal> {
    let ishost = prop == "defrouter";
    let (part1, prefix) = match address.split_once('/') {
        Some((a, p)) => (a, Some(c_atoi(p))),
        None => (address, None),
    };
    let shown = crate::text::shown(address);
    let help = format!(
        "write an IPv4 address or host name, optionally with /PREFIX, or an IPv6 address{}, e.g. `{prop} \"192.168.10.5/24\"`",
        if ishost { "" } else { " with /PREFIX" }
    );
    if part1.parse::<std::net::Ipv6Addr>().is_ok() {
        if ishost {
            return None;
        }
        return match prefix {
            None => Some(refusal(
                format!("{prop} `{shown}`: an IPv6 address needs a /prefix-length"),
                help,
            )),
            Some(p) if !(0..=128).contains(&p) => Some(refusal(
                format!("{prop} `{shown}`: an IPv6 prefix length is 0 to 128"),
                help,
            )),
            Some(_) => None,
        };
    }
    if !ishost
        && let Some(p) = prefix
        && !(0..=32).contains(&p)
    {
        return Some(refusal(
            format!("{prop} `{shown}`: an IPv4 prefix length is 0 to 32"),
            help,
        ));
    }
    if part1.parse::<std::net::Ipv4Addr>().is_ok() {
        return None;
    }
    let host_ok = part1.starts_with(|c: char| c.is_ascii_alphanumeric())
        && part1
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    (!host_ok).then(|| {
        refusal(
            format!("{prop} `{shown}` is neither an IP address nor a host name"),
            help,
        )
    })
}

/// C `atoi`: white space, an optional sign, digits; 0 when there are none.
fn c_atoi(s: &str) -> i64 {
    let t = s.trim_start_matches(c_space);
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n: i64 = d
        .chars()
        .take_while(char::is_ascii_digit)
        .take(18)
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    if neg { -n } else { n }
}

/// `valid_fs_type` (zonecfg.c): not empty, no `/`, not `.` or `..`, shorter than MAXNAMELEN.
fn fs_type_refusal(t: &str) -> Option<Refusal> {
    let bad = t.is_empty() || t.contains('/') || t == "." || t == ".." || t.len() + 1 > 256;
    bad.then(|| {
        refusal(
            format!(
                "fs type `{}` is not a file system type",
                crate::text::shown(t)
            ),
            "name a file system type (no `/`, not `.` or `..`), e.g. `type \"lofs\"`",
        )
    })
}

/// libzfs's `zfs_name_valid(name, ZFS_TYPE_FILESYSTEM)`, which zonecfg.c's `verify_func`
/// applies to a dataset's name ("dataset: name invalid"): `/`-separated components, none
/// empty, of letters, digits, `_`, `-`, `.`, `:` and space (usr/src/common/zfs/zfs_namecheck.c,
/// `valid_char`, `entity_namecheck`), no snapshot `@` or bookmark `#`, the pool name starting
/// with a letter (`pool_namecheck`), and shorter than ZFS_MAX_DATASET_NAME_LEN (256).
fn dataset_name_refusal(name: &str) -> Option<Refusal> {
    let ok = !name.is_empty()
        && name.len() < 256
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.split('/').all(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_-.: ".contains(ch))
        });
    (!ok).then(|| {
        refusal(
            format!("dataset `{}` is not a ZFS file system name", crate::text::shown(name)),
            "write POOL/PATH: components of letters, digits, `_`, `-`, `.`, `:`, the pool starting with a letter, e.g. `name \"tank/zones/data\"`",
        )
    })
}

/// Properties each resource type must have, as zonecfg.c's `end_func` requires them ("X not
/// specified"): fs dir, special and type; net physical; device match; rctl name and a value;
/// attr name, type and value (checked by `attr_refusals`); dataset name; dedicated-cpu and
/// capped-cpu ncpus; admin user and auths. capped-memory needs one of its three; a
/// security-flags resource needs none.
const REQUIRED: &[(&str, &[&str])] = &[
    ("fs", &["dir", "special", "type"]),
    ("net", &["physical"]),
    ("device", &["match"]),
    ("rctl", &["name", "value"]),
    ("dataset", &["name"]),
    ("dedicated-cpu", &["ncpus"]),
    ("capped-cpu", &["ncpus"]),
    ("admin", &["user", "auths"]),
];

fn simple<'a>(r: &'a Resource, name: &str) -> Option<(usize, &'a str)> {
    r.properties
        .iter()
        .enumerate()
        .find_map(|(i, p)| match &p.value {
            ResourceValue::Simple(v) if p.name == name => Some((i, v.as_str())),
            _ => None,
        })
}

/// Every value of `r` zonecfg would refuse, and every property it lacks, by type (see the
/// functions above and [`REQUIRED`]). Only the rules of each value's own resource are applied;
/// the rules between resources are [`extras_refusals`]'.
pub fn resource_refusals(r: &Resource) -> Vec<(Place, Refusal)> {
    let has = |prop: &str, empty_counts: bool| {
        r.properties.iter().any(|p| {
            p.name == prop
                && (empty_counts || !matches!(&p.value, ResourceValue::Simple(v) if v.is_empty()))
        })
    };
    let mut out: Vec<(Place, Refusal)> = missing_refusals(&r.kind, &has)
        .into_iter()
        .map(|x| (Place::Resource, x))
        .collect();
    out.extend(value_refusals(r));
    out
}

/// The properties of a resource of type `kind` that zonecfg requires and `has` says are
/// missing (see [`REQUIRED`]; capped-memory: zonecfg.c end_func RT_MCAP, "No property was
/// specified.  One of physical, swap or locked is required."). `has(prop, empty_counts)` says
/// whether `prop` is written, counting an empty value only when `empty_counts`: zonecfg takes
/// an empty capped-memory size as 0, but reports an empty required property as not specified.
pub fn missing_refusals(kind: &str, has: &dyn Fn(&str, bool) -> bool) -> Vec<Refusal> {
    let mut out = Vec::new();
    if let Some((_, required)) = REQUIRED.iter().find(|(k, _)| *k == kind) {
        for prop in *required {
            if !has(prop, false) {
                out.push(refusal(
                    format!("resource `{kind}` has no `{prop}`, which zonecfg requires"),
                    format!(
                        "add `{prop} …` inside the braces, {}",
                        required_example(kind, prop)
                    ),
                ));
            }
        }
    }
    if kind == "capped-memory" && !["physical", "swap", "locked"].iter().any(|p| has(p, true)) {
        out.push(refusal(
            "resource `capped-memory` has none of physical, swap and locked, one of which zonecfg requires",
            "add e.g. `physical \"2G\"` inside the braces",
        ));
    }
    out
}

/// The values of `r` zonecfg would refuse, by type.
pub fn value_refusals(r: &Resource) -> Vec<(Place, Refusal)> {
    let mut out = Vec::new();
    let kind = r.kind.as_str();
    for (i, p) in r.properties.iter().enumerate() {
        let at = Place::Property(i);
        match (&p.value, kind, p.name.as_str()) {
            (ResourceValue::Simple(v), "fs", "dir") if !v.is_empty() && !v.starts_with('/') => {
                out.push((
                    at,
                    refusal(
                        format!("fs dir `{}` is not an absolute path", crate::text::shown(v)),
                        "give the mount point in the zone from `/`, e.g. `dir \"/data\"`",
                    ),
                ));
            }
            (ResourceValue::Simple(v), "fs", "raw") if !v.is_empty() && !v.starts_with('/') => {
                out.push((
                    at,
                    refusal(
                        format!("fs raw `{}` is not an absolute path", crate::text::shown(v)),
                        "give the raw device's path from `/`, e.g. `raw \"/dev/rdsk/c1t0d0s0\"`",
                    ),
                ));
            }
            (ResourceValue::Simple(v), "fs", "type") if !v.is_empty() => {
                out.extend(fs_type_refusal(v).map(|x| (at, x)))
            }
            (ResourceValue::Simple(v), "net", "address" | "allowed-address" | "defrouter")
                if !v.is_empty() =>
            {
                out.extend(net_address_refusal(&p.name, v).map(|x| (at, x)))
            }
            (ResourceValue::Simple(v), "rctl", "name") if !v.is_empty() => {
                out.extend(rctl_name_refusal(v).map(|x| (at, x)))
            }
            (ResourceValue::Complex(pairs), "rctl", "value") => {
                for (j, x) in rctl_value_refusals(pairs) {
                    out.push((j.map_or(at, |j| Place::Item(i, j)), x));
                }
            }
            (ResourceValue::Simple(v), "dataset", "name") if !v.is_empty() => {
                out.extend(dataset_name_refusal(v).map(|x| (at, x)))
            }
            (ResourceValue::Simple(v), "dedicated-cpu", "ncpus") if !v.is_empty() => {
                // zonecfg.c set_func RT_DCPU, libzonecfg zonecfg_valid_ncpus.
                let (lo, hi) = v.split_once('-').unwrap_or((v, v));
                let ok = matches!((valid_uint(lo), valid_uint(hi)), (Some(l), Some(h)) if l >= 1 && l <= h);
                if !ok {
                    out.push((at, refusal(
                        format!("dedicated-cpu ncpus `{}` is not a CPU count or range", crate::text::shown(v)),
                        "write N or N-M with 1 <= N <= M, e.g. `ncpus \"2\"` or `ncpus \"1-4\"`",
                    )));
                }
            }
            (ResourceValue::Simple(v), "dedicated-cpu", "importance")
                if valid_uint(v).is_none() =>
            {
                // zonecfg.c set_func RT_DCPU, libzonecfg zonecfg_valid_importance.
                out.push((
                    at,
                    refusal(
                        format!(
                            "dedicated-cpu importance `{}` is not a whole number",
                            crate::text::shown(v)
                        ),
                        "write digits only, e.g. `importance \"10\"`",
                    ),
                ));
            }
            (ResourceValue::Simple(v), "capped-cpu", "ncpus") if !v.is_empty() => {
                // zonecfg.c set_func RT_PCAP: strtod reads it all, > 0, and at least 0.01.
                let ok = matches!(strtod_prefix(v), Some((c, rest)) if rest.is_empty() && c > 0.0 && c * 100.0 >= 1.0 && c.is_finite());
                if !ok {
                    out.push((
                        at,
                        refusal(
                            format!(
                                "capped-cpu ncpus `{}` is not a positive number of CPUs",
                                crate::text::shown(v)
                            ),
                            "write a decimal number of at least 0.01, e.g. `ncpus \"1.5\"`",
                        ),
                    ));
                }
            }
            (
                ResourceValue::Simple(v),
                "capped-memory",
                prop @ ("physical" | "swap" | "locked"),
            ) => {
                // zonecfg.c set_func RT_MCAP: zonecfg_valid_memlimit, and swap at least 50M
                // in a non-global zone.
                match str_to_bytes(v) {
                    None => out.push((at, refusal(
                        format!("capped-memory {prop} `{}` is not a size", crate::text::shown(v)),
                        format!("write a non-negative number with an optional K, M, G or T suffix, e.g. `{prop} \"2G\"`"),
                    ))),
                    Some(b) if prop == "swap" && b < 50 << 20 => out.push((at, refusal(
                        format!("capped-memory swap `{}` is below zonecfg's minimum of 50M", crate::text::shown(v)),
                        "write 50M or more, e.g. `swap \"4G\"`",
                    ))),
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    if kind == "capped-memory" {
        // zonecfg.c end_func RT_MCAP.
        let size = |n: &str| simple(r, n).and_then(|(_, v)| str_to_bytes(v));
        if let (Some(p), Some(l), Some((li, _))) =
            (size("physical"), size("locked"), simple(r, "locked"))
            && p < l
        {
            out.push((
                Place::Property(li),
                refusal(
                    "capped-memory locked is more than physical, which zonecfg refuses",
                    "make locked at most physical, e.g. `physical \"2G\"; locked \"1G\"`",
                ),
            ));
        }
    }
    out
}

fn required_example(kind: &str, prop: &str) -> &'static str {
    match (kind, prop) {
        ("fs", "dir") => "e.g. `dir \"/data\"`",
        ("fs", "special") => "e.g. `special \"/tank/data\"`",
        ("fs", "type") => "e.g. `type \"lofs\"`",
        ("net", _) => "e.g. `physical \"web0\"`",
        ("device", _) => "e.g. `match \"/dev/zvol/rdsk/tank/vol\"`",
        ("rctl", "name") => "e.g. `name \"zone.max-lwps\"`",
        ("rctl", _) => "e.g. `value priv=\"privileged\" limit=2000 action=\"deny\"`",
        ("dataset", _) => "e.g. `name \"tank/zones/data\"`",
        ("dedicated-cpu" | "capped-cpu", _) => "e.g. `ncpus \"2\"`",
        ("admin", "user") => "e.g. `user \"ops\"`",
        ("admin", _) => "e.g. `auths \"login,manage\"`",
        _ => "",
    }
}

/// Rules between a template's zonecfg settings that zonecfg enforces as the settings are
/// added (zonecfg.c `add_resource` and `set_func`): a dedicated-cpu resource refuses a `pool`
/// property and a capped-cpu resource (and each refuses the other); dedicated-cpu, capped-cpu,
/// capped-memory and security-flags exist once; two resources with one key (fs dir, rctl name,
/// dataset name, device match, admin user; attr name) fail `end` with "… already exists", and
/// an rctl resource named after an rctl a global property or capped-memory/capped-cpu already
/// set refuses in the same way. Each refusal names the index of the later resource
/// (`None`: a global property's rctl collides with a later resource of the same rctl).
pub fn extras_refusals(
    properties: &[(String, String)],
    resources: &[Resource],
) -> Vec<(usize, Refusal)> {
    let mut out = Vec::new();
    let pool_set = properties.iter().any(|(k, _)| k == "pool");
    for (i, r) in resources.iter().enumerate() {
        let earlier = &resources[..i];
        let has = |k: &str| earlier.iter().any(|e| e.kind == k);
        match r.kind.as_str() {
            k @ ("dedicated-cpu" | "capped-cpu" | "capped-memory" | "security-flags") if has(k) => {
                out.push((i, refusal(
                    format!("a zone has at most one `{k}` resource; this is the second"),
                    format!("merge the two `resource \"{k}\"` blocks into one"),
                )));
            }
            "dedicated-cpu" if pool_set => out.push((i, refusal(
                "a dedicated-cpu resource cannot be added to a zone whose `pool` property is set",
                "remove `property \"pool\" …` or the dedicated-cpu resource: zonecfg makes a temporary pool for dedicated CPUs",
            ))),
            "dedicated-cpu" if has("capped-cpu") => out.push((i, refusal(
                "a dedicated-cpu resource cannot be added to a zone with a capped-cpu resource",
                "keep one of dedicated-cpu and capped-cpu",
            ))),
            "capped-cpu" if has("dedicated-cpu") => out.push((i, refusal(
                "a capped-cpu resource cannot be added to a zone with a dedicated-cpu resource",
                "keep one of dedicated-cpu and capped-cpu",
            ))),
            k @ ("capped-cpu" | "capped-memory") => {
                let rctls: &[&str] = if k == "capped-cpu" {
                    &["zone.cpu-cap"]
                } else {
                    &["zone.max-physical-memory", "zone.max-swap", "zone.max-locked-memory"]
                };
                if let Some(name) = earlier
                    .iter()
                    .filter(|e| e.kind == "rctl")
                    .filter_map(|e| simple(e, "name").map(|(_, v)| v))
                    .find(|v| rctls.contains(v))
                {
                    out.push((i, refusal(
                        format!("a {k} resource cannot be added after an rctl resource `{name}`, which it would set"),
                        format!("set `{name}` once: either by the {k} resource or by the rctl resource"),
                    )));
                }
            }
            _ => {}
        }
        let key = match r.kind.as_str() {
            "fs" => "dir",
            "rctl" | "dataset" => "name",
            "device" => "match",
            "admin" => "user",
            _ => continue,
        };
        let Some((_, v)) = simple(r, key) else {
            continue;
        };
        if earlier
            .iter()
            .any(|e| e.kind == r.kind && simple(e, key).is_some_and(|(_, w)| w == v))
        {
            out.push((
                i,
                refusal(
                    format!(
                        "a `{}` resource with the {key} `{}` is already configured",
                        r.kind,
                        crate::text::shown(v)
                    ),
                    format!(
                        "give each `{}` resource its own {key}, or merge the two",
                        r.kind
                    ),
                ),
            ));
        } else if r.kind == "rctl" {
            let by_property = properties
                .iter()
                .find(|(k, _)| alias_rctl(k) == Some(v))
                .map(|(k, _)| format!("property `{k}`"));
            let by_resource = match v {
                "zone.cpu-cap" if has("capped-cpu") => Some("the capped-cpu resource".to_string()),
                "zone.max-physical-memory" | "zone.max-swap" | "zone.max-locked-memory"
                    if has("capped-memory") =>
                {
                    Some("the capped-memory resource".to_string())
                }
                _ => None,
            };
            if let Some(by) = by_property.or(by_resource) {
                out.push((
                    i,
                    refusal(
                        format!("rctl `{v}` is already set by {by}"),
                        format!("set `{v}` once: either by {by} or by this rctl resource"),
                    ),
                ));
            }
        }
    }
    out
}
