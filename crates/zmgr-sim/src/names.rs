//! Name rules for zones (libzonecfg) and datalinks (libdladm).

pub const ZONENAME_MAX: usize = 64;
pub const MAXLINKNAMELEN: usize = 32;

/// `zonecfg_validate_zonename`: `[A-Za-z0-9][A-Za-z0-9_.-]*`, shorter than
/// ZONENAME_MAX, not `global`. Names starting with `SUNW` pass: they name
/// templates, which zonecfg shows but refuses to change.
pub fn valid_zone_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && name.len() < ZONENAME_MAX
        && name != "global"
}

/// `dladm_valid_linkname`: shorter than MAXLINKNAMELEN, letters, digits,
/// `_` and `.`, not starting with a digit, ending in a number without
/// leading zeros.
pub fn valid_link_name(name: &str) -> bool {
    if name.is_empty() || name.len() >= MAXLINKNAMELEN {
        return false;
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return false;
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return false;
    }
    let ppa = &name[name.len() - digits..];
    !(ppa.len() > 1 && ppa.starts_with('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names() {
        assert!(valid_zone_name("web1"));
        assert!(valid_zone_name("a.b-c_d"));
        assert!(valid_zone_name(&"a".repeat(63)));
        assert!(!valid_zone_name(&"a".repeat(64)));
        assert!(!valid_zone_name("global"));
        assert!(valid_zone_name("SUNWdefault"));
        assert!(!valid_zone_name("-web"));
        assert!(!valid_zone_name("web:1"));
        assert!(!valid_zone_name(""));
    }

    #[test]
    fn link_names() {
        assert!(valid_link_name("vnic0"));
        assert!(valid_link_name("web1_0"));
        assert!(valid_link_name("net10"));
        assert!(valid_link_name(&format!("{}1", "a".repeat(30))));
        assert!(!valid_link_name(&format!("{}1", "a".repeat(31))));
        assert!(!valid_link_name("vnic"));
        assert!(!valid_link_name("vnic01"));
        assert!(!valid_link_name("0vnic"));
        assert!(!valid_link_name("vn-ic0"));
    }
}
