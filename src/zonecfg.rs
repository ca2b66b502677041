//! zonecfg's command language, from zmgr's side: what may be written into a command file.
//!
//! zonecfg input is code. A quoted string has no escapes and ends at `"` or a newline, so
//! a value with either could end the command and start another. Inside `( … )` illumos-gate
//! accepts no quotes at all, so values there are limited to plain tokens.

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
pub fn complex_value_error(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("an empty value cannot be written inside ( … )".into());
    }
    let bad = value
        .chars()
        .find(|&c| matches!(c, ' ' | '\t' | '"' | ',' | ';' | '=' | '(' | ')') || c.is_control())?;
    Some(format!(
        "value {value:?} contains {bad:?}, which zonecfg cannot take inside ( … )"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_refuse_what_could_end_a_command() {
        assert_eq!(quoted_value_error("a b;c#d=e(f)"), None);
        assert!(quoted_value_error("a\"; delete -F").is_some());
        assert!(quoted_value_error("a\nadd net").is_some());
        assert!(quoted_value_error("a\r").is_some());
    }

    #[test]
    fn complex_values_are_plain_tokens() {
        assert_eq!(complex_value_error("privileged"), None);
        assert_eq!(complex_value_error("2000"), None);
        for bad in ["a,b", "a b", "a=b", "(a", "a)", "a;b", "\"a\"", ""] {
            assert!(complex_value_error(bad).is_some(), "{bad}");
        }
    }
}
