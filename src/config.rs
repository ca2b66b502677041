//! The global configuration, `config.kdl`.
//!
//! ```kdl
//! default-template "ipkg"
//! zonepath-base "/zones"
//! commands {
//!     zonecfg "/usr/sbin/zonecfg"
//! }
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use kdl::KdlDocument;

use crate::error::{Problem, SourceFile};
use crate::exec::{Commands, Tool};
use crate::kdl_util::{Reader, Spanned};

/// Top-level nodes of `config.kdl`.
const NODES: &[&str] = &["default-template", "zonepath-base", "commands"];

#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from; `None` for the built-in defaults.
    pub file: Option<Arc<SourceFile>>,
    /// Template used by `create` when none is given.
    pub default_template: Option<Spanned<String>>,
    /// New zones live in `<zonepath-base>/<name>`.
    pub zonepath_base: Spanned<PathBuf>,
    pub commands: Commands,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            file: None,
            default_template: None,
            zonepath_base: Spanned::unspanned(PathBuf::from("/zones")),
            commands: Commands::default(),
        }
    }
}

impl Config {
    /// Decodes a parsed `config.kdl`; problems go to `problems`, the result has defaults in their place.
    pub fn decode(
        file: &Arc<SourceFile>,
        doc: &KdlDocument,
        problems: &mut Vec<Problem>,
    ) -> Config {
        let mut r = Reader::new(file, problems);
        let mut config = Config {
            file: Some(file.clone()),
            ..Config::default()
        };
        let mut top = Vec::new();
        for node in doc.nodes() {
            if NODES.contains(&node.name().value()) {
                top.push(node);
            } else {
                r.unknown(node.name().value(), node.name().span(), NODES, "node");
            }
        }
        if let Some(n) = r.single(&top, "default-template") {
            config.default_template = r.one_string_arg(n);
        }
        if let Some(n) = r.single(&top, "zonepath-base") {
            if let Some(v) = r.one_string_arg(n) {
                if v.value.starts_with('/') && v.value.len() > 1 {
                    config.zonepath_base = Spanned::new(PathBuf::from(&v.value), v.span);
                } else {
                    r.error_help(
                        v.span,
                        format!("zonepath-base `{}` is not an absolute path", v.value),
                        "must start with /",
                        "zones live in <zonepath-base>/<zone>; write e.g. \"/zones\"",
                    );
                }
            }
        }
        if let Some(n) = r.single(&top, "commands") {
            let names = Tool::names();
            let children = r.children(n, &names);
            for tool in Tool::ALL {
                let Some(c) = r.single(&children, tool.name()) else {
                    continue;
                };
                let Some(v) = r.one_string_arg(c) else {
                    continue;
                };
                if v.value.starts_with('/') {
                    config.commands.set(tool, PathBuf::from(&v.value));
                } else {
                    r.error_help(
                        v.span,
                        format!("the path of {} must be absolute", tool.name()),
                        "not an absolute path",
                        format!(
                            "zmgr runs tools without a shell or PATH lookup; the illumos path is {}",
                            tool.default_path()
                        ),
                    );
                }
            }
        }
        config
    }
}
