//! Finding a registry object by name, and what to say when it is not there: the one home of
//! "did you mean" for names, used by the verbs, the script API and `check`'s references.

use crate::error::{Error, Result};
use crate::model::pool::Pool;
use crate::model::publisher::Publisher;
use crate::model::template::Template;
use crate::model::zone::ZoneEntry;
use crate::store::registry::{Kind, Registry};

impl Registry {
    /// The zone entry `name`, or a not-found error that suggests a name.
    pub fn zone(&self, name: &str) -> Result<&ZoneEntry> {
        self.zones
            .get(name)
            .ok_or_else(|| self.not_found(Kind::Zone, name))
    }

    /// The template `name`, or a not-found error that suggests a name.
    pub fn template(&self, name: &str) -> Result<&Template> {
        self.templates
            .get(name)
            .ok_or_else(|| self.not_found(Kind::Template, name))
    }

    /// The pool `name`, or a not-found error that suggests a name.
    pub fn pool(&self, name: &str) -> Result<&Pool> {
        self.pools
            .get(name)
            .ok_or_else(|| self.not_found(Kind::Pool, name))
    }

    /// The publisher `name`, or a not-found error that suggests a name.
    pub fn publisher(&self, name: &str) -> Result<&Publisher> {
        self.publishers
            .get(name)
            .ok_or_else(|| self.not_found(Kind::Publisher, name))
    }

    fn not_found(&self, kind: Kind, name: &str) -> Error {
        Error::NotFound {
            kind: kind.node(),
            name: name.to_string(),
            help: Some(self.available(kind, name)),
        }
    }

    /// "known pools: a, b" or "did you mean `a`?", for a missing reference.
    pub fn available(&self, kind: Kind, wanted: &str) -> String {
        // A registry read in part knows its other names from the folder's listing only.
        let listed: Vec<String> = if self.partial {
            std::fs::read_dir(self.root.join(kind.dir()))
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".kdl")
                        .filter(|n| !n.starts_with('.'))
                        .map(str::to_string)
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut names: Vec<&str> = match kind {
            _ if self.partial => listed.iter().map(String::as_str).collect(),
            Kind::Template => self.templates.keys().map(String::as_str).collect(),
            Kind::Pool => self.pools.keys().map(String::as_str).collect(),
            Kind::Zone => self.zones.keys().map(String::as_str).collect(),
            Kind::Publisher => self.publishers.keys().map(String::as_str).collect(),
        };
        names.sort_unstable();
        if let Some(s) = crate::suggest::did_you_mean(wanted, &names) {
            return format!("did you mean `{s}`?");
        }
        if names.is_empty() {
            format!(
                "there are no {}s in {}",
                kind.node(),
                self.root.join(kind.dir()).display()
            )
        } else if names.len() <= 10 {
            format!("known {}s: {}", kind.node(), names.join(", "))
        } else {
            format!(
                "known {}s: {}, … ({} in all)",
                kind.node(),
                names[..10].join(", "),
                names.len()
            )
        }
    }
}
