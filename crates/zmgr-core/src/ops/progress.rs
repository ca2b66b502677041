//! Reporting long operations: what step runs, the install's own phases, elapsed time.

/// Receives the steps of an operation and the lines its commands print.
pub trait Progress: Send {
    /// A step begins, e.g. "installing web01".
    fn step(&mut self, message: &str);
    /// A line printed by the running command.
    fn output(&mut self, line: &str);
    /// The step is over (successfully or not).
    fn done(&mut self);
    /// A one-line note between steps.
    fn note(&mut self, message: &str);
}

/// Says nothing (scripts, the scripting API, tests).
pub struct Silent;

impl Progress for Silent {
    fn step(&mut self, _: &str) {}
    fn output(&mut self, _: &str) {}
    fn done(&mut self) {}
    fn note(&mut self, _: &str) {}
}

/// When standard error is not a terminal: one plain line per step and per install phase.
/// With `verbose`, every line the command prints, indented.
pub struct Plain {
    pub verbose: bool,
}

impl Progress for Plain {
    fn step(&mut self, message: &str) {
        eprintln!("{message}");
    }
    fn output(&mut self, line: &str) {
        if self.verbose {
            eprintln!("    {line}");
        } else if let Some((label, text)) = phase(line) {
            eprintln!("    {label}: {text}");
        }
    }
    fn done(&mut self) {}
    fn note(&mut self, message: &str) {
        eprintln!("{message}");
    }
}

/// An install phase line, as the ipkg-family brand scripts print them: a label
/// right-aligned to 12 columns, a colon, the text (`  Installing: Packages (output follows)`).
pub fn phase(line: &str) -> Option<(&str, &str)> {
    let (label, text) = line.split_once(": ")?;
    let label_trimmed = label.trim_start();
    let plausible = label.len() <= 14
        && !label_trimmed.is_empty()
        && label_trimmed
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
        && label_trimmed
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ');
    plausible.then_some((label_trimmed, text.trim()))
}
