//! Naming rules of illumos and of the registry, checked before any name is used.

/// Why a zone name is refused, per zonecfg's rules: `[A-Za-z0-9][A-Za-z0-9_.-]*`, at most
/// 63 characters, not `global`, not starting with `SUNW`.
pub fn zone_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a zone name cannot be empty".into());
    }
    if name.len() > 63 {
        return Some(format!(
            "zone name `{name}` is {} characters long; illumos allows at most 63",
            name.len()
        ));
    }
    if name == "global" {
        return Some("`global` is the global zone's name and cannot be used".into());
    }
    if name.starts_with("SUNW") {
        return Some(format!(
            "zone name `{name}` starts with SUNW, which illumos reserves"
        ));
    }
    if let Some(bad) = first_bad_char(name, |i, c| {
        c.is_ascii_alphanumeric() || (i > 0 && matches!(c, '_' | '.' | '-'))
    }) {
        return Some(format!(
            "zone name `{name}` contains {bad}; use letters, digits, `_`, `.` and `-`, starting with a letter or digit"
        ));
    }
    None
}

/// Why a datalink name is refused, per libdladm's `dladm_valid_linkname` (illumos-gate
/// `usr/src/lib/libdladm/common/libdladm.c`): shorter than MAXLINKNAMELEN (32), letters,
/// digits, `_` and `.`, not starting with a digit, ending in a digit; and the number at
/// the end (the PPA) without leading zeros, as the link-name rules of dladm(8) require.
pub fn link_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a link name cannot be empty".into());
    }
    if name.len() > 31 {
        return Some(format!(
            "link name `{name}` is {} characters long; dladm allows at most 31",
            name.len()
        ));
    }
    if let Some(bad) = first_bad_char(name, |i, c| {
        (c.is_ascii_alphanumeric() || matches!(c, '_' | '.')) && !(i == 0 && c.is_ascii_digit())
    }) {
        return Some(format!(
            "link name `{name}` contains {bad}; use letters, digits, `_` and `.`, not starting with a digit"
        ));
    }
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let ppa = &name[name.len() - digits..];
    if digits == 0 {
        return Some(format!(
            "link name `{name}` must end in a number, like `{name}0`"
        ));
    }
    if ppa.len() > 1 && ppa.starts_with('0') {
        return Some(format!(
            "link name `{name}` ends in a number with a leading zero, which dladm refuses"
        ));
    }
    None
}

/// Why a registry object name (template, pool, publisher) is refused: it is also a file
/// name, so `[A-Za-z0-9][A-Za-z0-9_.-]*`, at most 64 characters.
pub fn object_name_error(kind: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!("a {kind} name cannot be empty"));
    }
    if name.len() > 64 {
        return Some(format!("{kind} name `{name}` is longer than 64 characters"));
    }
    if let Some(bad) = first_bad_char(name, |i, c| {
        c.is_ascii_alphanumeric() || (i > 0 && matches!(c, '_' | '.' | '-'))
    }) {
        return Some(format!(
            "{kind} name `{name}` contains {bad}; use letters, digits, `_`, `.` and `-`, starting with a letter or digit"
        ));
    }
    None
}

/// Describes the first character that fails `ok`, e.g. "`/` at position 3".
fn first_bad_char(name: &str, ok: impl Fn(usize, char) -> bool) -> Option<String> {
    name.chars()
        .enumerate()
        .find(|&(i, c)| !ok(i, c))
        .map(|(i, c)| {
            let shown = match c {
                '\n' => "a newline".to_string(),
                '\r' => "a carriage return".to_string(),
                '\t' => "a tab".to_string(),
                ' ' => "a space".to_string(),
                c if c.is_control() => format!("the control character U+{:04X}", c as u32),
                c => format!("`{c}`"),
            };
            if i == 0 {
                format!("{shown} at the start")
            } else {
                format!("{shown} at position {}", i + 1)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names() {
        for ok in ["web01", "a", "A.b-c_d", &"x".repeat(63)] {
            assert_eq!(zone_name_error(ok), None, "{ok}");
        }
        for bad in [
            "",
            "global",
            "SUNWfoo",
            "-a",
            "_a",
            "a b",
            "a;b",
            "a\"b",
            &"x".repeat(64),
        ] {
            assert!(zone_name_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn link_names() {
        for ok in [
            "vnic0",
            "web1_0",
            "net10",
            "a.b1",
            "_a0",
            ".x1",
            &format!("{}1", "x".repeat(30)),
        ] {
            assert_eq!(link_name_error(ok), None, "{ok}");
        }
        for bad in [
            "vnic",
            "vnic01",
            "0vnic",
            "a-b0",
            "",
            "9a0",
            &format!("{}1", "x".repeat(31)),
        ] {
            assert!(link_name_error(bad).is_some(), "{bad}");
        }
        assert_eq!(
            link_name_error("vnic").unwrap(),
            "link name `vnic` must end in a number, like `vnic0`"
        );
    }
}
