//! Values as messages show them: a value read from a file or a tool's output may hold
//! terminal escapes, text-reordering code points, or a megabyte of one name, none of which
//! may reach a person's terminal as it is.

/// `s` as it is safe to print on a terminal: control characters and the code points that
/// reorder or hide text (bidirectional controls, line separators, the BOM) are written as
/// escapes (`\n`, `\u{1b}`); everything else is kept.
pub fn printable(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `c` is written as an escape by [`printable`].
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// The most characters of one value a message quotes.
pub const SHOWN: usize = 80;

/// `s` as a message quotes it: [`printable`], and cut after [`SHOWN`] characters with a note
/// of how many more there are.
pub fn shown(s: &str) -> String {
    let count = s.chars().count();
    if count <= SHOWN {
        return printable(s);
    }
    let head: String = s.chars().take(SHOWN).collect();
    format!("{}… ({} more characters)", printable(&head), count - SHOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        assert_eq!(printable("web01"), "web01");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("a\nb"), "a\\nb");
        assert_eq!(printable("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(printable("zoné"), "zoné");
    }

    #[test]
    fn cuts_long_values() {
        assert_eq!(shown(&"a".repeat(SHOWN)), "a".repeat(SHOWN));
        let long = "é".repeat(100_000);
        assert_eq!(
            shown(&long),
            format!("{}… (99920 more characters)", "é".repeat(SHOWN))
        );
        assert_eq!(shown("\u{1b}"), "\\u{1b}");
    }
}
