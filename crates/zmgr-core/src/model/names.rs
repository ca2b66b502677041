//! Naming rules of illumos and of the registry, checked before any name is used.

/// Why a zone name is refused, per zonecfg's rules: `[A-Za-z0-9][A-Za-z0-9_.-]*`, at most
/// 63 characters, not `global`, not starting with `SUNW`.
pub fn zone_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a zone name cannot be empty".into());
    }
    if name.len() > 63 {
        return Some(format!(
            "zone name `{}` is {} characters long; illumos allows at most 63",
            printable(name),
            name.len()
        ));
    }
    if name == "global" {
        return Some("`global` is the global zone's name and cannot be used".into());
    }
    if name.starts_with("SUNW") {
        return Some(format!(
            "zone name `{}` starts with SUNW, which illumos reserves",
            printable(name)
        ));
    }
    if let Some(bad) = first_bad_char(name, |i, c| {
        c.is_ascii_alphanumeric() || (i > 0 && matches!(c, '_' | '.' | '-'))
    }) {
        return Some(format!(
            "zone name `{}` contains {bad}; use letters, digits, `_`, `.` and `-`, starting with a letter or digit",
            printable(name)
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
            "link name `{}` is {} characters long; dladm allows at most 31",
            printable(name),
            name.len()
        ));
    }
    if let Some(bad) = first_bad_char(name, |i, c| {
        (c.is_ascii_alphanumeric() || matches!(c, '_' | '.')) && !(i == 0 && c.is_ascii_digit())
    }) {
        return Some(format!(
            "link name `{}` contains {bad}; use letters, digits, `_` and `.`, not starting with a digit",
            printable(name)
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
        return Some(format!(
            "{kind} name `{}` is longer than 64 characters",
            printable(name)
        ));
    }
    if let Some(bad) = first_bad_char(name, |i, c| {
        c.is_ascii_alphanumeric() || (i > 0 && matches!(c, '_' | '.' | '-'))
    }) {
        return Some(format!(
            "{kind} name `{}` contains {bad}; use letters, digits, `_`, `.` and `-`, starting with a letter or digit",
            printable(name)
        ));
    }
    None
}

/// Why a brand name is refused. A brand is a folder of `/usr/lib/brand` that zonecfg
/// looks up by name, and zmgr writes it into zonecfg command files and registry entries:
/// the rule of registry object names (as templates check their `brand`).
pub fn brand_name_error(brand: &str) -> Option<String> {
    object_name_error("brand", brand)
}

/// The longest zonepath: MAXPATHLEN (1024) less the terminating NUL.
pub const ZONEPATH_MAX: usize = 1023;

/// Why a zonepath is refused. zoneadm takes only absolute paths (illumos-gate
/// `usr/src/cmd/zoneadm/zfs.c`: "zonepath must be an absolute path."), and zmgr writes it into
/// `set zonepath="…"` and joins it with `root` to reach into the zone: so it must be
/// absolute and below `/`, shorter than MAXPATHLEN, and hold no double quote or control
/// character (which could end a zonecfg command, see [`crate::model::zonecfg_value`]).
/// A new zonepath (from the system's tools, or a zonepath base) must also pass
/// [`zonepath_component_error`].
pub fn zonepath_error(path: &str) -> Option<String> {
    let shown = printable(path);
    if !path.starts_with('/') || path.trim_matches('/').is_empty() {
        return Some(format!(
            "zonepath `{shown}` is not an absolute path below /"
        ));
    }
    if path.len() > ZONEPATH_MAX {
        return Some(format!(
            "zonepath `{shown}` is {} bytes long; illumos allows at most {ZONEPATH_MAX}",
            path.len()
        ));
    }
    if let Some(c) = path.chars().find(|&c| c == '"' || c.is_control()) {
        return Some(format!(
            "zonepath `{shown}` contains {}, which zonecfg cannot take",
            if c == '"' {
                "a double quote".to_string()
            } else {
                describe_char(c)
            }
        ));
    }
    None
}

/// Why a zonepath is not taken as a new one: a `.` or `..` component makes it name another
/// folder than it reads as (`/zones/../etc` is `/etc`), and zmgr reaches into the zone's
/// root below it. Import refuses such a zonepath; in an entry it is a warning, since a
/// zonepath base in config.kdl could have given it.
pub fn zonepath_component_error(path: &str) -> Option<String> {
    path.split('/').any(|c| c == "." || c == "..").then(|| {
        format!(
            "zonepath `{}` has a `.` or `..` component; give the path itself",
            printable(path)
        )
    })
}

use crate::text::needs_escape;
pub use crate::text::printable;

/// A character as messages name it: "a newline", "`/`".
fn describe_char(c: char) -> String {
    match c {
        '\n' => "a newline".to_string(),
        '\r' => "a carriage return".to_string(),
        '\t' => "a tab".to_string(),
        ' ' => "a space".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c if needs_escape(c) => format!("the invisible character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// Describes the first character that fails `ok`, e.g. "`/` at position 3".
fn first_bad_char(name: &str, ok: impl Fn(usize, char) -> bool) -> Option<String> {
    name.chars()
        .enumerate()
        .find(|&(i, c)| !ok(i, c))
        .map(|(i, c)| {
            let shown = describe_char(c);
            if i == 0 {
                format!("{shown} at the start")
            } else {
                format!("{shown} at position {}", i + 1)
            }
        })
}

/// Why `name` cannot be a zmgr snapshot name (the part after `zmgr-` in `DATASET@zmgr-NAME`).
/// ZFS takes letters, digits and `-_.: ` in a snapshot name, below 256 bytes for the whole
/// `DATASET@SNAP` (illumos-gate `usr/src/common/zfs/zfs_namecheck.c`, `valid_char` and
/// `zfs_component_namecheck`); zmgr also refuses the space (names are words on its command
/// line and in its output), a leading `-` (it would read as an option) and more than 200
/// bytes (the dataset's name needs room).
pub fn snapshot_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a snapshot name cannot be empty".into());
    }
    if name.len() > 200 {
        return Some(format!(
            "snapshot name `{}…` is {} bytes long; at most 200",
            printable(&name.chars().take(20).collect::<String>()),
            name.len()
        ));
    }
    if name.starts_with('-') {
        return Some(format!(
            "snapshot name `{}` starts with `-`",
            printable(name)
        ));
    }
    if let Some((i, c)) = name
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || "-_.:".contains(*c)))
    {
        let what = match c {
            ' ' => "a space".to_string(),
            '@' => "`@`, which ZFS keeps for the dataset/snapshot separator".to_string(),
            c if c.is_control() => format!("the control character U+{:04X}", c as u32),
            c => format!("`{c}`"),
        };
        return Some(format!(
            "snapshot name `{}` contains {what} at position {}; ZFS snapshot names take letters, digits, `-`, `_`, `.` and `:`",
            printable(name),
            i + 1
        ));
    }
    None
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

    #[test]
    fn zonepaths() {
        for ok in [
            "/zones/web01",
            "/data/zones/a b",
            "/z",
            "/zones/a:b",
            "/zones//x",
            "/zones/x/",
            &format!("/{}", "x".repeat(ZONEPATH_MAX - 1)),
        ] {
            assert_eq!(zonepath_error(ok), None, "{ok}");
        }
        for (bad, says) in [
            ("", "is not an absolute path below /"),
            ("/", "is not an absolute path below /"),
            ("//", "is not an absolute path below /"),
            ("zones/a", "is not an absolute path below /"),
            ("../../../../tmp/x", "is not an absolute path below /"),
            ("/zones/a\"\ndelete -F", "a double quote"),
            ("/zones/a\nb", "a newline"),
            ("/zones/a\tb", "a tab"),
            ("/zones/a\0b", "U+0000"),
            ("/zones/a\u{1b}[2J", "U+001B"),
        ] {
            let why = zonepath_error(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(why.contains(says), "{bad:?}: {why}");
            assert!(!why.chars().any(char::is_control), "{why:?}");
        }
        let long = format!("/{}", "x".repeat(ZONEPATH_MAX));
        assert!(zonepath_error(&long).unwrap().contains("at most 1023"));
        for dots in ["/zones/../etc", "/zones/./a", "/zones/..", "/./z"] {
            assert_eq!(zonepath_error(dots), None, "{dots}");
            assert_eq!(
                zonepath_component_error(dots).unwrap(),
                format!("zonepath `{dots}` has a `.` or `..` component; give the path itself")
            );
        }
        for ok in ["/zones/a..b", "/zones/.a", "/zones/a."] {
            assert_eq!(zonepath_component_error(ok), None, "{ok}");
        }
    }

    #[test]
    fn brand_names() {
        for ok in [
            "ipkg", "nlipkg", "lx", "sparse", "pkgsrc", "bhyve", "illumos", "a.b-c_d",
        ] {
            assert_eq!(brand_name_error(ok), None, "{ok}");
        }
        for bad in [
            "",
            "-x",
            "../x",
            "a/b",
            "a b",
            "a\"b",
            "a;b",
            "a\nb",
            &"b".repeat(65),
        ] {
            assert!(brand_name_error(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn messages_show_values_without_control_characters() {
        assert_eq!(printable("web01"), "web01");
        assert_eq!(printable("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\n");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(printable("é/ü"), "é/ü");
        let why = zone_name_error("a\u{1b}]0;pwned\u{7}").unwrap();
        assert!(!why.chars().any(char::is_control), "{why:?}");
        assert!(
            why.contains("the control character U+001B at position 2"),
            "{why}"
        );
        let why = link_name_error("\u{202e}0").unwrap();
        assert!(
            why.contains("the invisible character U+202E at the start"),
            "{why}"
        );
        assert!(!why.contains('\u{202e}'), "{why}");
    }
}
