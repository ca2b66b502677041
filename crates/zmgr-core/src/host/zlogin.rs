//! zlogin(1): running a command inside a zone.
//!
//! zlogin joins its arguments into one string that the zone's login shell runs
//! (illumos-gate `usr/src/cmd/zlogin/zlogin.c`, `prep_args`): older versions join with
//! spaces and no quoting, newer ones single-quote an argument with a space or TAB when there
//! are several, and never quote a lone argument. So zmgr quotes every word for a POSIX shell
//! itself and passes the whole command line as ONE argument: both versions hand it to the
//! shell unchanged, and each word arrives as it was given.

use crate::host::exec::{CommandLine, Tool, shell_quote};

/// `zlogin ZONE 'WORD WORD…'`: runs the words in the zone, non-interactively, each word
/// quoted so that the zone's shell sees exactly these words.
pub fn run(zone: &str, words: &[String]) -> CommandLine {
    let line = words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ");
    CommandLine::new(Tool::Zlogin, [zone.to_string(), line])
}

/// `zlogin ZONE` (an interactive login when standard input is a terminal; otherwise the
/// zone's shell reads its commands from standard input, zlogin.c `main`), or `zlogin ZONE
/// 'WORD…'` for a command, as [`run`] builds it.
pub fn login(zone: &str, words: &[String]) -> CommandLine {
    if words.is_empty() {
        CommandLine::new(Tool::Zlogin, [zone])
    } else {
        run(zone, words)
    }
}

/// `zlogin -C ZONE`: the zone's console, which zoneadmd offers whenever the zone is installed
/// (zlogin.c, "console login"); `~.` at the start of a line disconnects.
pub fn console(zone: &str) -> CommandLine {
    CommandLine::new(Tool::Zlogin, ["-C", zone])
}

/// `svcs -H -o state FMRI`, run in the zone: the state of one of its services.
pub fn service_state(zone: &str, fmri: &str) -> CommandLine {
    run(zone, &["svcs", "-H", "-o", "state", fmri].map(String::from))
}

/// The milestone a zone's services reach when it has finished booting.
pub const MULTI_USER: &str = "svc:/milestone/multi-user:default";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_arrives_as_given() {
        let words = ["echo", "a b", "c;d", "it's"].map(String::from);
        let cmd = run("web01", &words);
        assert_eq!(cmd.args, ["web01", r#"echo 'a b' 'c;d' 'it'\''s'"#]);
        // One word is still one argument, quoted only when it needs it.
        assert_eq!(run("z", &["uptime".into()]).args, ["z", "uptime"]);
    }

    #[test]
    fn login_and_console() {
        assert_eq!(login("web01", &[]).args, ["web01"]);
        assert_eq!(
            login("web01", &["ls".into(), "-l".into(), "/a b".into()]).args,
            ["web01", "ls -l '/a b'"]
        );
        assert_eq!(console("web01").args, ["-C", "web01"]);
    }
}
