//! IPS publishers, `publishers/NAME.kdl`: a publisher name and its origin URIs.

use std::sync::Arc;

use kdl::KdlDocument;

use crate::error::{Problem, SourceFile};
use crate::kdl::{Reader, Spanned, quote};

const NODES: &[&str] = &["origin", "mirror"];

#[derive(Debug, Clone)]
pub struct Publisher {
    pub file: Option<Arc<SourceFile>>,
    pub name: Spanned<String>,
    /// Where packages come from, preferred first.
    pub origins: Vec<Spanned<String>>,
    pub mirrors: Vec<Spanned<String>>,
}

impl Publisher {
    pub fn decode(
        file: &Arc<SourceFile>,
        doc: &KdlDocument,
        problems: &mut Vec<Problem>,
    ) -> Option<Publisher> {
        let mut r = Reader::new(file, problems);
        let (node, name) = r.top_node(doc, "publisher")?;
        if let Some(why) = publisher_name_error(&name.value) {
            r.error(name.span, why, "invalid publisher name");
        }
        let nodes = r.children(node, NODES);
        let read = |r: &mut Reader<'_>, key: &str| {
            let mut out: Vec<Spanned<String>> = Vec::new();
            for n in r.all(&nodes, key) {
                for uri in r.string_args(n) {
                    if let Some(why) = uri_error(&uri.value) {
                        r.error_help(
                            uri.span,
                            why,
                            "invalid URI",
                            "write an http, https or file URI, like \"https://pkg.openindiana.org/hipster\"",
                        );
                    } else if out.iter().any(|o| o.value == uri.value) {
                        r.error(
                            uri.span,
                            format!("{key} {} is listed twice", uri.value),
                            "duplicate",
                        );
                    } else {
                        out.push(uri);
                    }
                }
            }
            out
        };
        let origins = read(&mut r, "origin");
        let mirrors = read(&mut r, "mirror");
        if origins.is_empty() && r.all(&nodes, "origin").is_empty() {
            r.missing(node, "origin", "origin \"https://pkg.example.org/\"");
        }
        Some(Publisher {
            file: Some(file.clone()),
            name,
            origins,
            mirrors,
        })
    }

    /// A new publisher file's text.
    pub fn to_kdl(&self) -> String {
        let mut s = format!("publisher {} {{\n", quote(&self.name.value));
        for o in &self.origins {
            s += &format!("    origin {}\n", quote(&o.value));
        }
        for m in &self.mirrors {
            s += &format!("    mirror {}\n", quote(&m.value));
        }
        s += "}\n";
        s
    }
}

/// Why a publisher name is refused. IPS prefixes are letters, digits, `.` and `-`; the name
/// also becomes `-P NAME=URI` and a file name, so `=` and `/` are out.
pub fn publisher_name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a publisher name cannot be empty".into());
    }
    let ok = name
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_alphanumeric() || (i > 0 && matches!(c, '.' | '-' | '_')));
    (!ok).then(|| {
        format!("publisher name `{name}` may only hold letters, digits, `.`, `-` and `_`, starting with a letter or digit")
    })
}

/// Why an origin URI is refused.
pub fn uri_error(uri: &str) -> Option<String> {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Some(format!("`{uri}` is not a URI"));
    };
    if !matches!(scheme, "http" | "https" | "file") {
        return Some(format!(
            "`{uri}` uses the scheme {scheme}; IPS origins are http, https or file URIs"
        ));
    }
    if rest.is_empty() || (scheme != "file" && rest.starts_with('/')) {
        return Some(format!("`{uri}` has no host"));
    }
    uri.chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == '"')
        .map(|c| format!("`{uri}` contains {c:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let text = "publisher \"site\" {\n    origin \"https://pkg.example.org/site\" \"http://mirror.example.org/\"\n    mirror \"https://m.example.org/\"\n}\n";
        let decode = |t: &str| {
            let file = SourceFile::new("publishers/site.kdl", t.to_string());
            let doc = crate::kdl::parse(&file).unwrap();
            let mut problems = Vec::new();
            let p = Publisher::decode(&file, &doc, &mut problems);
            assert!(problems.is_empty(), "{problems:?}");
            p.unwrap()
        };
        let first = decode(text);
        let written = first.to_kdl();
        let second = decode(&written);
        assert_eq!(second.to_kdl(), written);
        assert_eq!(
            crate::ops::view::publishers([&first]).json,
            crate::ops::view::publishers([&second]).json
        );
        assert_eq!(second.origins.len(), 2);
    }

    #[test]
    fn names_and_uris() {
        assert!(publisher_name_error("openindiana.org").is_none());
        assert!(publisher_name_error("a=b").is_some());
        assert!(publisher_name_error("-x").is_some());
        assert!(uri_error("https://pkg.openindiana.org/hipster").is_none());
        assert!(uri_error("file:///srv/repo").is_none());
        assert!(uri_error("ftp://x/").is_some());
        assert!(uri_error("pkg.openindiana.org").is_some());
        assert!(uri_error("https://").is_some());
    }
}
