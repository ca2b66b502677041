//! Rendering listings: aligned tables, illumos-style parsable lines, JSON, and key/value blocks.

use serde_json::Value;

use zmgr_core::error::{Error, Result};
use zmgr_core::ops::view::{Field, Listing, Rows};

/// How a listing is printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns with a header; `fields` empty means the default columns.
    Table {
        fields: Vec<String>,
    },
    /// `-p -o a,b`: one line per object, fields joined by `:`.
    Parsable {
        fields: Vec<String>,
    },
    Json,
}

impl Format {
    /// The format the `--json`, `-p` and `-o` options ask for.
    pub fn from_options(json: bool, parsable: bool, fields: Vec<String>) -> Result<Format> {
        match (json, parsable) {
            (true, true) => Err(Error::usage("--json and -p cannot be used together")),
            (true, false) if !fields.is_empty() => {
                Err(Error::usage("--json prints every field; -o only applies to tables and -p"))
            }
            (true, false) => Ok(Format::Json),
            (false, true) if fields.is_empty() => Err(Error::usage(
                "-p needs the fields to print, as in -p -o name,state",
            )
            .with_help("parsable output names its fields so that scripts keep working when new fields are added")),
            (false, true) => Ok(Format::Parsable { fields }),
            (false, false) => Ok(Format::Table { fields }),
        }
    }
}

/// Indexes of the requested fields; `-o all` means every field.
fn select(fields: &[Field], requested: &[String], parsable: bool) -> Result<Vec<usize>> {
    if requested.is_empty() {
        return Ok((0..fields.len()).filter(|&i| fields[i].default).collect());
    }
    let mut out = Vec::new();
    for r in requested {
        // Field names are the JSON keys (`ip_type`); `ip-type` is taken too, as typed in KDL.
        let want = r.trim().to_ascii_lowercase().replace('-', "_");
        if want == "all" {
            if parsable {
                return Err(Error::usage(
                    "-o all cannot be used with -p; name the fields",
                ));
            }
            out.extend(0..fields.len());
            continue;
        }
        match fields.iter().position(|f| f.name == want) {
            Some(i) => out.push(i),
            None => {
                let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                let help = match zmgr_core::suggest::did_you_mean(&want, &names) {
                    Some(s) => format!("did you mean `{s}`? fields: {}", names.join(", ")),
                    None => format!("fields: {}", names.join(", ")),
                };
                return Err(Error::usage(format!("unknown output field `{r}`")).with_help(help));
            }
        }
    }
    Ok(out)
}

/// A listing of several objects.
pub fn render(listing: &Listing, format: &Format) -> Result<String> {
    match format {
        Format::Json => Ok(json_list(listing.key, &listing.json)),
        Format::Parsable { fields } => {
            let idx = select(listing.fields, fields, true)?;
            Ok(parsable(&listing.rows, &idx))
        }
        Format::Table { fields } => {
            let idx = select(listing.fields, fields, false)?;
            Ok(table(listing.fields, &listing.rows, &idx))
        }
    }
}

/// Rows as a table or parsable lines (a JSON listing goes through [`render`]).
pub fn render_rows(fields: &[Field], rows: &dyn Rows, format: &Format) -> Result<String> {
    match format {
        Format::Json => Err(Error::failed("JSON is rendered from objects, not rows")),
        Format::Parsable { fields: f } => Ok(parsable(rows, &select(fields, f, true)?)),
        Format::Table { fields: f } => Ok(table(fields, rows, &select(fields, f, false)?)),
    }
}

/// One object: a key/value block (with `extra` lines after its fields), or its JSON object,
/// or one parsable line.
pub fn render_one(listing: &Listing, format: &Format, extra: &[(&str, String)]) -> Result<String> {
    match format {
        Format::Json => Ok(json_object(
            listing
                .json
                .first()
                .unwrap_or(&Value::Object(Default::default())),
        )),
        Format::Parsable { .. } => render(listing, format),
        Format::Table { fields } => {
            let idx = if fields.is_empty() {
                (0..listing.fields.len()).collect()
            } else {
                select(listing.fields, fields, false)?
            };
            let Some(row) = listing.rows.first() else {
                return Ok(String::new());
            };
            let mut pairs: Vec<(&str, String)> = idx
                .iter()
                .map(|&i| (listing.fields[i].name, row[i].clone()))
                .collect();
            if fields.is_empty() {
                pairs.extend(extra.iter().cloned());
            }
            Ok(key_values(&pairs))
        }
    }
}

/// `key:  value` lines with the values aligned; empty values show as `-`.
pub fn key_values(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (k, v) in pairs {
        let v = if v.is_empty() { "-" } else { v };
        out += &format!("{:<width$}  {v}\n", format!("{k}:"));
    }
    out
}

pub fn pretty(v: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values always serialise");
    s.push('\n');
    s
}

/// The version of zmgr's JSON documents, their first key. It changes only when a key is
/// renamed or removed or a value changes type; new keys may appear without it.
pub const JSON_VERSION: u32 = 1;

/// A `--json` document: `version`, then the body's keys.
#[derive(serde::Serialize)]
struct Document<'a, B: serde::Serialize> {
    version: u32,
    #[serde(flatten)]
    body: &'a B,
}

/// The `--json` document of one object: `{"version": 1, …its keys, sorted}`.
pub fn json_object(body: &impl serde::Serialize) -> String {
    match serde_json::to_value(body).expect("JSON values always serialise") {
        Value::Object(map) => pretty(&Document {
            version: JSON_VERSION,
            body: &map,
        }),
        other => unreachable!("a JSON document's body is an object, not {other}"),
    }
}

/// The `--json` document of a list: `{"version": 1, "KEY": [...]}`. The items are given as
/// JSON values (their keys sorted), so a listing of many zones is not copied.
pub fn json_list(key: &str, items: &[Value]) -> String {
    pretty(&Document {
        version: JSON_VERSION,
        body: &std::collections::BTreeMap::from([(key, items)]),
    })
}

/// [`json_list`] of values that serialise to objects.
pub fn json_list_of<T: serde::Serialize>(key: &str, items: &[T]) -> String {
    let values: Vec<Value> = items
        .iter()
        .map(|i| serde_json::to_value(i).expect("JSON values always serialise"))
        .collect();
    json_list(key, &values)
}

/// `-p` lines: fields joined by `:`; with more than one field, `:` and `\` in values are
/// escaped as `\:` and `\\`, as dladm and zoneadm do.
fn parsable(rows: &dyn Rows, idx: &[usize]) -> String {
    let mut out = String::new();
    for row in 0..rows.count() {
        let line: Vec<String> = idx
            .iter()
            .map(|&i| {
                let v = rows.cell(row, i);
                if idx.len() > 1 {
                    v.replace('\\', "\\\\").replace(':', "\\:")
                } else {
                    v
                }
            })
            .collect();
        out += &line.join(":");
        out.push('\n');
    }
    out
}

fn table(fields: &[Field], rows: &dyn Rows, idx: &[usize]) -> String {
    let cell = |row: usize, i: usize| -> String {
        let v = rows.cell(row, i);
        if v.is_empty() { "-".into() } else { v }
    };
    // Cells are made twice, to measure and to print, rather than kept.
    let widths: Vec<usize> = idx
        .iter()
        .map(|&i| {
            (0..rows.count())
                .map(|r| cell(r, i).chars().count())
                .chain([fields[i].name.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = |cells: Vec<String>| {
        let last = cells.len().saturating_sub(1);
        let mut l = String::new();
        for (k, c) in cells.iter().enumerate() {
            if k == last {
                l += c;
            } else {
                l += &format!("{c:<w$}  ", w = widths[k]);
            }
        }
        out += l.trim_end();
        out.push('\n');
    };
    line(
        idx.iter()
            .map(|&i| fields[i].name.to_ascii_uppercase())
            .collect(),
    );
    for row in 0..rows.count() {
        line(idx.iter().map(|&i| cell(row, i)).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use zmgr_core::ops::view::Field;

    const FIELDS: &[Field] = &[
        Field {
            name: "name",
            default: true,
        },
        Field {
            name: "path",
            default: true,
        },
        Field {
            name: "extra",
            default: false,
        },
    ];

    fn listing() -> Listing {
        Listing {
            key: "things",
            fields: FIELDS,
            rows: vec![
                vec!["web01".into(), "/zones/a:b".into(), "".into()],
                vec!["db".into(), "c\\d".into(), "x".into()],
            ],
            json: vec![],
        }
    }

    #[test]
    fn table_aligns_and_marks_empty() {
        let out = render(&listing(), &Format::Table { fields: vec![] }).unwrap();
        assert_eq!(out, "NAME   PATH\nweb01  /zones/a:b\ndb     c\\d\n");
        let out = render(
            &listing(),
            &Format::Table {
                fields: vec!["extra".into(), "name".into()],
            },
        )
        .unwrap();
        assert_eq!(out, "EXTRA  NAME\n-      web01\nx      db\n");
    }

    #[test]
    fn parsable_escapes_only_with_several_fields() {
        let one = render(
            &listing(),
            &Format::Parsable {
                fields: vec!["path".into()],
            },
        )
        .unwrap();
        assert_eq!(one, "/zones/a:b\nc\\d\n");
        let two = render(
            &listing(),
            &Format::Parsable {
                fields: vec!["name".into(), "PATH".into()],
            },
        )
        .unwrap();
        assert_eq!(two, "web01:/zones/a\\:b\ndb:c\\\\d\n");
    }

    #[test]
    fn unknown_field_suggests() {
        let err = render(
            &listing(),
            &Format::Parsable {
                fields: vec!["nmae".into()],
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "unknown output field `nmae`");
    }
}
