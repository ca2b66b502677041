//! IPS publishers, `publishers/NAME.kdl`: a publisher name and its origin URIs.

use std::sync::Arc;

use kdl::KdlDocument;

use crate::error::{Problem, SourceFile};
use crate::kdl_util::{Reader, Spanned, quote};

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

/// A publisher file as it is on disk now (read under the registry lock before an edit).
fn read_now(
    registry: &crate::registry::Registry,
    path: &std::path::Path,
) -> crate::error::Result<(Arc<SourceFile>, Publisher)> {
    use crate::error::{Error, Problems};
    let invalid = |problems: Vec<Problem>| Error::Registry {
        root: registry.root.clone(),
        problems: Problems(problems),
    };
    let file = crate::kdl_util::read_source(path).map_err(|p| invalid(vec![p]))?;
    let doc = crate::kdl_util::parse(&file).map_err(invalid)?;
    let mut problems = Vec::new();
    match Publisher::decode(&file, &doc, &mut problems) {
        Some(p) if !problems.iter().any(Problem::is_error) => Ok((file, p)),
        _ => Err(invalid(problems)),
    }
}

/// What `publisher add` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AddOutcome {
    Created,
    /// Origins added to an existing publisher.
    Extended(Vec<String>),
    /// Every origin was already there.
    Unchanged,
}

/// `zmgr publisher add NAME URI…`: writes a new publisher file, or adds the origins that are
/// missing to an existing one, keeping its comments and layout.
pub fn add(
    registry: &crate::registry::Registry,
    name: &str,
    uris: &[String],
) -> crate::error::Result<AddOutcome> {
    use crate::error::Error;
    use crate::registry::Kind;
    if let Some(why) = publisher_name_error(name) {
        return Err(Error::usage(why));
    }
    if uris.is_empty() {
        return Err(Error::usage("give at least one origin URI"));
    }
    for u in uris {
        if let Some(why) = uri_error(u) {
            return Err(Error::usage(why));
        }
    }
    let path = registry.path_of(Kind::Publisher, name);
    let _lock = crate::lock::RegistryLock::acquire(
        &registry.root,
        std::time::Duration::from_secs(registry.config.lock_wait),
    )?;
    crate::fsutil::ensure_dir(path.parent().expect("registry paths have a folder"))?;
    if !path.exists() {
        let mut origins: Vec<Spanned<String>> = Vec::new();
        for u in uris {
            if !origins.iter().any(|o| &o.value == u) {
                origins.push(Spanned::unspanned(u.clone()));
            }
        }
        let p = Publisher {
            file: None,
            name: Spanned::unspanned(name.to_string()),
            origins,
            mirrors: Vec::new(),
        };
        if crate::fsutil::write_new_atomic(&path, p.to_kdl().as_bytes())? {
            return Ok(AddOutcome::Created);
        }
    }
    let (file, current) = read_now(registry, &path)?;
    let new: Vec<&String> = uris
        .iter()
        .filter(|u| !current.origins.iter().any(|o| &&o.value == u))
        .fold(Vec::new(), |mut v, u| {
            if !v.contains(&u) {
                v.push(u);
            }
            v
        });
    if new.is_empty() {
        return Ok(AddOutcome::Unchanged);
    }
    // Re-parse with the full parser: only it keeps comments and layout for printing.
    let mut doc = KdlDocument::parse_v2(file.text()).expect("the file parsed a moment ago");
    let node = &mut doc.nodes_mut()[0];
    for u in &new {
        let mut origin = kdl::KdlNode::new("origin");
        origin.push(crate::kdl_util::string_entry(u));
        crate::kdl_util::push_child(node, origin);
    }
    crate::fsutil::write_atomic(&path, doc.to_string().as_bytes())?;
    Ok(AddOutcome::Extended(new.into_iter().cloned().collect()))
}

/// `zmgr publisher remove NAME [URI…]`: removes origins, or the whole publisher when no URI is
/// given. A publisher that templates still use is kept.
pub fn remove(
    registry: &crate::registry::Registry,
    name: &str,
    uris: &[String],
) -> crate::error::Result<()> {
    use crate::error::Error;
    use crate::registry::Kind;
    if !registry.publishers.contains_key(name) {
        return Err(Error::NotFound {
            kind: "publisher",
            name: name.to_string(),
            help: Some("`zmgr publisher list` shows the publishers".into()),
        });
    }
    let path = registry.path_of(Kind::Publisher, name);
    let _lock = crate::lock::RegistryLock::acquire(
        &registry.root,
        std::time::Duration::from_secs(registry.config.lock_wait),
    )?;
    // Edit the file as it is now, under the lock, not as it was loaded.
    let (file, current) = read_now(registry, &path)?;
    if uris.is_empty() {
        let users: Vec<&str> = registry
            .templates
            .values()
            .filter(|t| t.publishers.iter().any(|p| p.value == name))
            .map(|t| t.name.value.as_str())
            .collect();
        if !users.is_empty() {
            return Err(Error::failed(format!(
                "publisher `{name}` is used by template{} {}",
                if users.len() == 1 { "" } else { "s" },
                users.join(", ")
            ))
            .with_help("remove it from those templates first"));
        }
        return crate::fsutil::remove(&path);
    }
    for u in uris {
        if !current.origins.iter().any(|o| &o.value == u) {
            return Err(
                Error::failed(format!("publisher `{name}` has no origin {u}")).with_help(format!(
                    "its origins are: {}",
                    current
                        .origins
                        .iter()
                        .map(|o| o.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    if current.origins.iter().all(|o| uris.contains(&o.value)) {
        return Err(Error::failed(format!(
            "removing {} would leave publisher `{name}` without an origin",
            uris.join(", ")
        ))
        .with_help(format!(
            "to remove the publisher itself, run `zmgr publisher remove {name}`"
        )));
    }
    let mut doc = KdlDocument::parse_v2(file.text()).map_err(|_| {
        Error::failed(format!(
            "{} changed while zmgr was reading it; try again",
            path.display()
        ))
    })?;
    let is_removed = |e: &kdl::KdlEntry| {
        e.name().is_none()
            && e.value()
                .as_string()
                .is_some_and(|v| uris.iter().any(|u| u == v))
    };
    if let Some(children) = doc.nodes_mut()[0].children_mut() {
        // `origin "a" "b"` may hold several URIs: drop the entries, then nodes left empty.
        for n in children
            .nodes_mut()
            .iter_mut()
            .filter(|n| n.name().value() == "origin")
        {
            n.entries_mut().retain(|e| !is_removed(e));
        }
        children
            .nodes_mut()
            .retain(|n| n.name().value() != "origin" || !n.entries().is_empty());
    }
    crate::fsutil::write_atomic(&path, doc.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let text = "publisher \"site\" {\n    origin \"https://pkg.example.org/site\" \"http://mirror.example.org/\"\n    mirror \"https://m.example.org/\"\n}\n";
        let decode = |t: &str| {
            let file = SourceFile::new("publishers/site.kdl", t.to_string());
            let doc = crate::kdl_util::parse(&file).unwrap();
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
            crate::view::publishers([&first]).json,
            crate::view::publishers([&second]).json
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
