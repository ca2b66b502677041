//! pkg(1): the commands zmgr builds for a zone's image.

use crate::host::exec::{CommandLine, ExecError, Output, Tool};

/// pkg's exit status when there was nothing to do ("No updates necessary for this image."):
/// pkg(1), EXIT STATUS.
pub const NOTHING_TO_DO: i32 = 4;

/// The result of a `pkg install`, where nothing to do is success: the packages are there.
pub fn installed(result: Result<Output, ExecError>) -> Result<Output, ExecError> {
    match result {
        Err(ExecError::Failed {
            code: Some(NOTHING_TO_DO),
            stdout,
            stderr,
            ..
        }) => Ok(Output { stdout, stderr }),
        other => other,
    }
}

/// `pkg -R ROOT set-publisher [-g ORIGIN]… [-m MIRROR]… NAME`: adds origins and mirrors to
/// a publisher of the image at `root` (adding the publisher, last in the search order, when
/// the image does not have it).
pub fn set_publisher(
    root: &str,
    name: &str,
    origins: &[String],
    mirrors: &[String],
) -> CommandLine {
    let mut args = vec![
        "-R".to_string(),
        root.to_string(),
        "set-publisher".to_string(),
    ];
    for o in origins {
        args.push("-g".into());
        args.push(o.clone());
    }
    for m in mirrors {
        args.push("-m".into());
        args.push(m.clone());
    }
    args.push(name.to_string());
    CommandLine::new(Tool::Pkg, args)
}

/// `pkg -R ROOT install PACKAGE…`: installs packages into the image at `root` (a zone's
/// root, from the global zone).
pub fn install_in_image(root: &str, packages: &[String]) -> CommandLine {
    let mut args = vec!["-R".to_string(), root.to_string(), "install".to_string()];
    args.extend(packages.iter().cloned());
    CommandLine::new(Tool::Pkg, args)
}
