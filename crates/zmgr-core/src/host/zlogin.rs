//! zlogin(1): running a command inside a zone.

use crate::host::exec::{CommandLine, Tool};

/// `zlogin ZONE WORD…`: runs the words in the zone, non-interactively.
pub fn run(zone: &str, words: &[String]) -> CommandLine {
    let mut args = vec![zone.to_string()];
    args.extend(words.iter().cloned());
    CommandLine::new(Tool::Zlogin, args)
}
