//! Publisher edits: `publisher add` and `publisher remove`, each on the file as it is under
//! the registry lock, keeping its comments and layout.

use std::sync::Arc;

use kdl::KdlDocument;

use crate::error::{Error, Problem, Problems, Result, SourceFile};
use crate::kdl::Spanned;
use crate::model::publisher::{Publisher, publisher_name_error, uri_error};
use crate::ops::journal::{Change, Journal};
use crate::store::registry::{Kind, Registry};

/// A publisher file as it is on disk now (read under the registry lock before an edit).
fn read_now(registry: &Registry, path: &std::path::Path) -> Result<(Arc<SourceFile>, Publisher)> {
    let invalid = |problems: Vec<Problem>| Error::Registry {
        root: registry.root.clone(),
        problems: Problems(problems),
    };
    let file = crate::kdl::read_source(path).map_err(|p| invalid(vec![p]))?;
    let doc = crate::kdl::parse(&file).map_err(invalid)?;
    let mut problems = Vec::new();
    match Publisher::decode(&file, &doc, &mut problems) {
        Some(p) if !problems.iter().any(Problem::is_error) => Ok((file, p)),
        _ => Err(invalid(problems)),
    }
}

/// What `publisher add` did. As JSON: `{"outcome": "created" | "extended" | "unchanged",
/// "added": [origins]}` for `extended`.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", content = "added", rename_all = "kebab-case")]
pub enum AddOutcome {
    Created,
    /// Origins added to an existing publisher.
    Extended(Vec<String>),
    /// Every origin was already there.
    Unchanged,
}

/// `zmgr publisher add NAME URI…`: writes a new publisher file, or adds the origins that are
/// missing to an existing one, keeping its comments and layout.
///
/// `journal` is the journal of the create whose hook asks, if one does: the change is noted
/// there before it is made.
pub fn add(
    registry: &Registry,
    journal: Option<&Journal>,
    name: &str,
    uris: &[String],
) -> Result<AddOutcome> {
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
    let _lock = crate::fs::lock::RegistryLock::acquire(
        &registry.root,
        std::time::Duration::from_secs(registry.config.lock_wait),
    )?;
    crate::fs::ensure_dir(path.parent().expect("registry paths have a folder"))?;
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
        let text = p.to_kdl();
        note(journal, name, None, Some(text.as_bytes()))?;
        if crate::fs::write_new_atomic(&path, text.as_bytes())? {
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
        origin.push(crate::kdl::string_entry(u));
        crate::kdl::push_child(node, origin);
    }
    let text = doc.to_string();
    note(
        journal,
        name,
        Some(file.text().as_bytes()),
        Some(text.as_bytes()),
    )?;
    crate::fs::write_atomic(&path, text.as_bytes())?;
    Ok(AddOutcome::Extended(new.into_iter().cloned().collect()))
}

/// `zmgr publisher remove NAME [URI…]`: removes origins, or the whole publisher when no URI is
/// given. A publisher that templates still use is kept. `journal` as for [`add`].
pub fn remove(
    registry: &Registry,
    journal: Option<&Journal>,
    name: &str,
    uris: &[String],
) -> Result<()> {
    if !registry.publishers.contains_key(name) {
        return Err(Error::NotFound {
            kind: "publisher",
            name: name.to_string(),
            help: Some("`zmgr publisher list` shows the publishers".into()),
        });
    }
    let path = registry.path_of(Kind::Publisher, name);
    let _lock = crate::fs::lock::RegistryLock::acquire(
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
        note(journal, name, Some(file.text().as_bytes()), None)?;
        return crate::fs::remove(&path);
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
    let text = doc.to_string();
    note(
        journal,
        name,
        Some(file.text().as_bytes()),
        Some(text.as_bytes()),
    )?;
    crate::fs::write_atomic(&path, text.as_bytes())
}

/// Notes a publisher file's change in a create's journal, when there is one.
fn note(
    journal: Option<&Journal>,
    name: &str,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
) -> Result<()> {
    match journal {
        Some(j) => j.record(Change::Publisher {
            name: name.to_string(),
            before: before.map(<[u8]>::to_vec),
            after: after.map(<[u8]>::to_vec),
        }),
        None => Ok(()),
    }
}

/// Takes back a publisher change a create's hook made: the file goes back to `before` if it
/// is still as the hook left it (`after`). `false` when it is as it was before already.
pub fn restore(
    session: &crate::ops::session::Session,
    name: &str,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
) -> Result<bool> {
    let path = Kind::Publisher.path(session.root(), name);
    let _lock = session.lock()?;
    let now = match crate::fs::trust::read(&path, 16 << 20) {
        Ok(b) => Some(b),
        Err(crate::fs::trust::OpenError::Missing) => None,
        Err(e) => {
            return Err(Error::failed(format!(
                "cannot read {}: {}",
                path.display(),
                crate::store::registry::describe(e)
            )));
        }
    };
    if now.as_deref() == before {
        return Ok(false);
    }
    if now.as_deref() != after {
        return Err(Error::failed(format!(
            "{} changed after the hook edited it, so it is left as it is",
            path.display()
        )));
    }
    match before {
        Some(b) => crate::fs::write_atomic(&path, b)?,
        None => crate::fs::remove(&path)?,
    }
    Ok(true)
}

/// What `publisher add` and `publisher remove` of `name` read: the publisher, and every
/// template (a publisher a template uses is kept).
pub fn needs(name: &str) -> impl Fn(&Registry) -> crate::store::needs::Needs + '_ {
    use crate::store::needs::{Needs, Want};
    move |_| Needs {
        config: true,
        publishers: Want::one(name),
        templates: Want::All,
        ..Needs::default()
    }
}
