//! libofmt: the table and parsable (`-p -o`) output of dladm and friends.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// Column width including the separating space.
    pub width: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SelectError {
    /// `-p` without `-o`.
    ParsableNeedsFields,
    /// `-p -o all`.
    AllInParsable,
    /// No valid field was named; the first unknown one.
    Unknown(String),
}

/// Resolves `-o` (case-insensitive, comma-separated, `all` for every
/// field). Returns the fields and any unknown names that were skipped.
pub fn select(
    all: &[Field],
    spec: Option<&str>,
    parsable: bool,
) -> Result<(Vec<Field>, Vec<String>), SelectError> {
    let Some(spec) = spec else {
        if parsable {
            return Err(SelectError::ParsableNeedsFields);
        }
        return Ok((all.to_vec(), Vec::new()));
    };
    if spec.eq_ignore_ascii_case("all") {
        if parsable {
            return Err(SelectError::AllInParsable);
        }
        return Ok((all.to_vec(), Vec::new()));
    }
    let mut fields = Vec::new();
    let mut bad = Vec::new();
    for name in spec.split(',') {
        match all.iter().find(|f| f.name.eq_ignore_ascii_case(name)) {
            Some(f) => fields.push(*f),
            None => bad.push(name.to_string()),
        }
    }
    if fields.is_empty() || (parsable && !bad.is_empty()) {
        return Err(SelectError::Unknown(bad.remove(0)));
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

    /// The header line; parsable output has none.
    pub fn header(&self) -> String {
        if self.parsable {
            return String::new();
        }
        let names: Vec<String> = self.fields.iter().map(|f| f.name.to_string()).collect();
        self.line(&names)
    }

    /// One object, values in field order.
    pub fn row(&self, values: &[String]) -> String {
        self.line(values)
    }

    fn line(&self, values: &[String]) -> String {
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
            let v = if v.is_empty() { "--" } else { v.as_str() };
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

    const VNIC: [Field; 7] = [
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

    fn row(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn human_table_widths_and_dashes() {
        let o = Ofmt::new(VNIC.to_vec(), false);
        assert_eq!(
            o.header(),
            "LINK         OVER       SPEED MACADDRESS        MACADDRTYPE VID  ZONE\n"
        );
        assert_eq!(
            o.row(&row(&[
                "vnic0",
                "igb0",
                "1000",
                "2:8:20:38:a5:d6",
                "random",
                "0",
                ""
            ])),
            "vnic0        igb0       1000  2:8:20:38:a5:d6   random      0    --\n"
        );
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
        let o = Ofmt::new(f, false);
        // "abcdef" overflows by 3 (6 characters and a space in a 4-wide
        // column), so "x" gets no padding beyond its separating space.
        assert_eq!(o.row(&row(&["abcdef", "x", "y"])), "abcdef x y\n");
        assert_eq!(o.row(&row(&["abcde", "xy", "z"])), "abcde xy z\n");
        assert_eq!(o.row(&row(&["ab", "xy", "z"])), "ab  xy  z\n");
    }

    #[test]
    fn parsable_escapes_only_with_several_fields() {
        let one = Ofmt::new(vec![VNIC[3]], true);
        assert_eq!(one.header(), "");
        assert_eq!(one.row(&row(&["2:8:20:a:b:c"])), "2:8:20:a:b:c\n");
        let two = Ofmt::new(vec![VNIC[0], VNIC[3]], true);
        assert_eq!(
            two.row(&row(&["vnic0", "2:8:20:a:b:c"])),
            "vnic0:2\\:8\\:20\\:a\\:b\\:c\n"
        );
        assert_eq!(two.row(&row(&["a\\b", ""])), "a\\\\b:\n");
    }

    #[test]
    fn field_selection() {
        let (f, bad) = select(&VNIC, Some("macaddress,Link"), true).unwrap();
        assert_eq!(f, vec![VNIC[3], VNIC[0]]);
        assert!(bad.is_empty());
        assert_eq!(
            select(&VNIC, None, true),
            Err(SelectError::ParsableNeedsFields)
        );
        assert_eq!(
            select(&VNIC, Some("all"), true),
            Err(SelectError::AllInParsable)
        );
        assert_eq!(select(&VNIC, Some("all"), false).unwrap().0.len(), 7);
        assert_eq!(
            select(&VNIC, Some("bogus"), false),
            Err(SelectError::Unknown("bogus".into()))
        );
        let (f, bad) = select(&VNIC, Some("link,bogus"), false).unwrap();
        assert_eq!((f.len(), bad), (1, vec!["bogus".to_string()]));
    }
}
