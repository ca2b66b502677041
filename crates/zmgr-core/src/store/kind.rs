//! The kinds of object the registry keeps, one folder each.

use std::path::{Path, PathBuf};

/// The kinds of file kept in the registry's folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Template,
    Pool,
    Zone,
    Publisher,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Template, Kind::Pool, Kind::Zone, Kind::Publisher];

    /// The folder under the root that holds this kind.
    pub fn dir(self) -> &'static str {
        match self {
            Kind::Template => "templates",
            Kind::Pool => "pools",
            Kind::Zone => "zones",
            Kind::Publisher => "publishers",
        }
    }

    /// `ROOT/DIR/NAME.kdl`: where the object `name` of this kind lives.
    pub fn path(self, root: &Path, name: &str) -> PathBuf {
        root.join(self.dir()).join(format!("{name}.kdl"))
    }

    /// The top-level node of a file of this kind, also used in messages.
    pub fn node(self) -> &'static str {
        match self {
            Kind::Template => "template",
            Kind::Pool => "pool",
            Kind::Zone => "zone",
            Kind::Publisher => "publisher",
        }
    }
}
