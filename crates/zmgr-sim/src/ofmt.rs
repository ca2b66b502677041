//! libofmt: the table and parsable (`-p -o`) output of dladm and friends.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// Column width including the separating space.
    pub width: usize,
}

/// Rows per screen when the window size is unknown (stdout is not a
/// terminal); libofmt repeats the header every screenful.
const WINDOW_ROWS: usize = 24;

#[derive(Debug, PartialEq, Eq)]
pub enum SelectError {
    /// `-p` without `-o`.
    ParsableNeedsFields,
    /// `-p -o all`.
    AllInParsable,
    /// No field named was valid.
    NoValidFields,
    /// Unknown fields in parsable mode.
    BadFields(Vec<String>),
}

impl SelectError {
    /// `ofmt_strerror`'s text.
    pub fn message(&self) -> String {
        match self {
            SelectError::ParsableNeedsFields => {
                "output fields must be specified in parsable mode".into()
            }
            SelectError::AllInParsable => "output field `all' invalid in parsable mode".into(),
            SelectError::NoValidFields => "no valid output fields".into(),
            SelectError::BadFields(bad) => bad_fields("unknown output field", bad),
        }
    }
}

/// `unknown output field: `x'` / `unknown output fields: `x' `y'`.
fn bad_fields(lead: &str, bad: &[String]) -> String {
    let plural = if bad.len() > 1 { "s" } else { "" };
    let names: String = bad.iter().map(|b| format!(" `{b}'")).collect();
    format!("{lead}{plural}:{names}")
}

/// The warning for unknown fields outside parsable mode.
pub fn ignoring_message(bad: &[String]) -> String {
    bad_fields("ignoring unknown output field", bad)
}

/// `ofmt_open`: resolves `-o` (case-insensitive, comma-separated, `all`
/// for every field). Returns the fields and the unknown names that were
/// skipped (only outside parsable mode).
pub fn select(
    all: &[Field],
    spec: Option<&str>,
    parsable: bool,
) -> Result<(Vec<Field>, Vec<String>), SelectError> {
    let spec = spec.filter(|s| !s.is_empty());
    if parsable {
        match spec {
            None => return Err(SelectError::ParsableNeedsFields),
            Some(s) if s.eq_ignore_ascii_case("all") => return Err(SelectError::AllInParsable),
            _ => {}
        }
    }
    let Some(spec) = spec.filter(|s| !s.eq_ignore_ascii_case("all")) else {
        return Ok((all.to_vec(), Vec::new()));
    };
    let mut fields = Vec::new();
    let mut bad = Vec::new();
    for name in spec.split(',').filter(|n| !n.is_empty()) {
        match all.iter().find(|f| f.name.eq_ignore_ascii_case(name)) {
            Some(f) => fields.push(*f),
            None => bad.push(name.to_string()),
        }
    }
    if fields.is_empty() {
        return Err(SelectError::NoValidFields);
    }
    if parsable && !bad.is_empty() {
        return Err(SelectError::BadFields(bad));
    }
    Ok((fields, bad))
}

pub struct Ofmt {
    fields: Vec<Field>,
    parsable: bool,
}

impl Ofmt {
    pub fn new(fields: Vec<Field>, parsable: bool) -> Ofmt {
        Ofmt { fields, parsable }
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// All rows, values in field order, with the header where libofmt puts
    /// it: before the first row and again every screenful; nothing at all
    /// when there are no rows.
    pub fn print(&self, rows: &[Vec<String>]) -> String {
        let mut out = String::new();
        let mut nrow = 0usize;
        for r in rows {
            let at = nrow;
            nrow += 1;
            if at.is_multiple_of(WINDOW_ROWS) && !self.parsable {
                let names: Vec<String> = self.fields.iter().map(|f| f.name.to_string()).collect();
                out.push_str(&self.line(&names, false));
                nrow += 1;
            }
            out.push_str(&self.line(r, true));
        }
        out
    }

    fn line(&self, values: &[String], undef: bool) -> String {
        let mut out = String::new();
        let n = self.fields.len();
        if self.parsable {
            if n == 1 {
                out.push_str(&values[0]);
            } else {
                let escaped: Vec<String> = values
                    .iter()
                    .map(|v| {
                        let mut e = String::new();
                        for c in v.chars() {
                            if c == ':' || c == '\\' {
                                e.push('\\');
                            }
                            e.push(c);
                        }
                        e
                    })
                    .collect();
                out.push_str(&escaped.join(":"));
            }
            out.push('\n');
            return out;
        }
        let mut overflow = 0usize;
        for (i, (f, v)) in self.fields.iter().zip(values).enumerate() {
            let v = if v.is_empty() && undef {
                "--"
            } else {
                v.as_str()
            };
            if i == n - 1 {
                out.push_str(v);
                break;
            }
            let mut width = f.width;
            let len = v.chars().count();
            if len + overflow >= width {
                overflow = overflow + len + 1 - width;
                out.push_str(v);
                out.push(' ');
                continue;
            }
            if overflow > 0 {
                let compress = overflow.min(width - len);
                overflow -= compress;
                width -= compress;
            }
            out.push_str(&format!("{v:<width$}"));
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The show-vnic fields, whose widths the layout tests below rely on.
    use crate::dladm::VNIC_FIELDS as VNIC;

    fn row(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn human_table_widths_and_dashes() {
        let o = Ofmt::new(VNIC.to_vec(), false);
        assert_eq!(
            o.print(&[row(&[
                "vnic0",
                "igb0",
                "1000",
                "2:8:20:38:a5:d6",
                "random",
                "0",
                ""
            ])]),
            concat!(
                "LINK         OVER       SPEED MACADDRESS        MACADDRTYPE VID  ZONE\n",
                "vnic0        igb0       1000  2:8:20:38:a5:d6   random      0    --\n",
            )
        );
    }

    #[test]
    fn no_rows_no_header() {
        assert_eq!(Ofmt::new(VNIC.to_vec(), false).print(&[]), "");
    }

    #[test]
    fn header_repeats_every_screenful() {
        let f = vec![Field {
            name: "N",
            width: 4,
        }];
        let rows: Vec<Vec<String>> = (0..30).map(|i| vec![i.to_string()]).collect();
        let out = Ofmt::new(f, false).print(&rows);
        let lines: Vec<&str> = out.lines().collect();
        // A header, 23 rows, a header, the other 7 rows.
        assert_eq!(lines[0], "N");
        assert_eq!(lines[1], "0");
        assert_eq!(lines[23], "22");
        assert_eq!(lines[24], "N");
        assert_eq!(lines[25], "23");
        assert_eq!(lines.len(), 32);
    }

    #[test]
    fn overflow_shrinks_later_padding() {
        let f = vec![
            Field {
                name: "A",
                width: 4,
            },
            Field {
                name: "B",
                width: 4,
            },
            Field {
                name: "C",
                width: 4,
            },
        ];
        let o = Ofmt::new(f, true);
        let human = Ofmt {
            fields: o.fields.clone(),
            parsable: false,
        };
        // "abcdef" overflows by 3 (6 characters and a space in a 4-wide
        // column), so "x" gets no padding beyond its separating space.
        assert_eq!(
            human.line(&row(&["abcdef", "x", "y"]), true),
            "abcdef x y\n"
        );
        assert_eq!(
            human.line(&row(&["abcde", "xy", "z"]), true),
            "abcde xy z\n"
        );
        assert_eq!(human.line(&row(&["ab", "xy", "z"]), true), "ab  xy  z\n");
    }

    #[test]
    fn parsable_escapes_only_with_several_fields() {
        let one = Ofmt::new(vec![VNIC[3]], true);
        assert_eq!(one.print(&[row(&["2:8:20:a:b:c"])]), "2:8:20:a:b:c\n");
        let two = Ofmt::new(vec![VNIC[0], VNIC[3]], true);
        assert_eq!(
            two.print(&[row(&["vnic0", "2:8:20:a:b:c"])]),
            "vnic0:2\\:8\\:20\\:a\\:b\\:c\n"
        );
        assert_eq!(two.print(&[row(&["a\\b", ""])]), "a\\\\b:\n");
    }

    #[test]
    fn field_selection_and_messages() {
        let (f, bad) = select(&VNIC, Some("macaddress,Link"), true).unwrap();
        assert_eq!(f, vec![VNIC[3], VNIC[0]]);
        assert!(bad.is_empty());
        assert_eq!(
            select(&VNIC, None, true),
            Err(SelectError::ParsableNeedsFields)
        );
        assert_eq!(
            select(&VNIC, Some("ALL"), true),
            Err(SelectError::AllInParsable)
        );
        assert_eq!(select(&VNIC, Some("all"), false).unwrap().0.len(), 7);
        assert_eq!(
            select(&VNIC, Some("bogus"), false),
            Err(SelectError::NoValidFields)
        );
        let (f, bad) = select(&VNIC, Some("link,bogus"), false).unwrap();
        assert_eq!((f.len(), bad.clone()), (1, vec!["bogus".to_string()]));
        assert_eq!(
            ignoring_message(&bad),
            "ignoring unknown output field: `bogus'"
        );
        let err = select(&VNIC, Some("link,x,y"), true).unwrap_err();
        assert_eq!(err.message(), "unknown output fields: `x' `y'");
        assert_eq!(
            SelectError::AllInParsable.message(),
            "output field `all' invalid in parsable mode"
        );
    }
}
