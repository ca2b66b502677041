//! pkg(1): the commands zmgr builds for a zone's image.

use crate::host::exec::{CommandLine, Tool};

/// `pkg -R ROOT install PACKAGE…`: installs packages into the image at `root` (a zone's
/// root, from the global zone).
pub fn install_in_image(root: &str, packages: &[String]) -> CommandLine {
    let mut args = vec!["-R".to_string(), root.to_string(), "install".to_string()];
    args.extend(packages.iter().cloned());
    CommandLine::new(Tool::Pkg, args)
}
