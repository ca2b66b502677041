//! POSIX getopt(3C), as the zone tools call it: options may be grouped,
//! an option argument may be attached or be the next word, and scanning
//! stops at the first operand or at `--`.

#[derive(Debug, PartialEq, Eq)]
pub enum Opt {
    /// A known option and its argument, if it takes one.
    Flag(char, Option<String>),
    /// An option not in the option string.
    Unknown(char),
    /// An option that needs an argument but has none.
    MissingArg(char),
}

pub struct Getopt<'a> {
    args: &'a [String],
    spec: &'a str,
    /// Index of the next word to scan (`optind`).
    pub optind: usize,
    /// Position inside a group of options (`-abc`).
    sub: usize,
}

impl<'a> Getopt<'a> {
    /// Scans `args` from `start` (zonecfg resets `optind` to 0, so its
    /// subcommand words are scanned from the first one).
    pub fn new(args: &'a [String], spec: &'a str, start: usize) -> Getopt<'a> {
        Getopt {
            args,
            spec,
            optind: start,
            sub: 0,
        }
    }

    fn takes_arg(&self, c: char) -> Option<bool> {
        let mut it = self.spec.chars().peekable();
        while let Some(s) = it.next() {
            let has_arg = it.peek() == Some(&':');
            if has_arg {
                it.next();
            }
            if s == c && c != ':' {
                return Some(has_arg);
            }
        }
        None
    }
}

impl Iterator for Getopt<'_> {
    type Item = Opt;

    fn next(&mut self) -> Option<Opt> {
        if self.sub == 0 {
            let word = self.args.get(self.optind)?;
            if word == "--" {
                self.optind += 1;
                return None;
            }
            if !word.starts_with('-') || word.len() < 2 {
                return None;
            }
            self.sub = 1;
        }
        let word: Vec<char> = self.args[self.optind].chars().collect();
        let c = word[self.sub];
        self.sub += 1;
        let at_end = self.sub >= word.len();
        let finish_word = |g: &mut Getopt| {
            g.optind += 1;
            g.sub = 0;
        };
        match self.takes_arg(c) {
            None => {
                if at_end {
                    finish_word(self);
                }
                Some(Opt::Unknown(c))
            }
            Some(false) => {
                if at_end {
                    finish_word(self);
                }
                Some(Opt::Flag(c, None))
            }
            Some(true) => {
                if !at_end {
                    let arg: String = word[self.sub..].iter().collect();
                    finish_word(self);
                    Some(Opt::Flag(c, Some(arg)))
                } else {
                    finish_word(self);
                    match self.args.get(self.optind) {
                        Some(a) => {
                            let a = a.clone();
                            self.optind += 1;
                            Some(Opt::Flag(c, Some(a)))
                        }
                        None => Some(Opt::MissingArg(c)),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn groups_attached_and_separate_arguments() {
        let args = v(&["-bF", "-tfoo", "-a", "/p", "rest"]);
        let mut g = Getopt::new(&args, "a:bFt:", 0);
        let opts: Vec<Opt> = g.by_ref().collect();
        assert_eq!(
            opts,
            vec![
                Opt::Flag('b', None),
                Opt::Flag('F', None),
                Opt::Flag('t', Some("foo".into())),
                Opt::Flag('a', Some("/p".into())),
            ]
        );
        assert_eq!(g.optind, 4);
    }

    #[test]
    fn unknown_and_missing() {
        let args = v(&["-x", "-t"]);
        let opts: Vec<Opt> = Getopt::new(&args, "t:", 0).collect();
        assert_eq!(opts, vec![Opt::Unknown('x'), Opt::MissingArg('t')]);
    }

    #[test]
    fn stops_at_operands_and_double_dash() {
        let args = v(&["-F", "--", "-x"]);
        let mut g = Getopt::new(&args, "F", 0);
        assert_eq!(g.next(), Some(Opt::Flag('F', None)));
        assert_eq!(g.next(), None);
        assert_eq!(g.optind, 2);
    }
}
