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
