//! The part of a POSIX shell zlogin's command needs in the simulator.
//!
//! zlogin joins its arguments into one string that `su root -c` hands to
//! the zone's shell (zlogin.c `prep_args`), so the words are parsed again
//! inside the zone. This splits such a string as a POSIX shell would
//! (XCU 2.3 token recognition, 2.2 quoting, 2.9 lists): quotes (`'…'`,
//! `"…"` with its backslash escapes, `\c`), comments, the operators `;`,
//! `&`, `&&`, `||`, `|` and newline, and redirections (`<`, `>`, `>>`,
//! `>|`, `<>`, `<&`, `>&`, with an optional descriptor number), which are
//! taken out of the words.
//!
//! Not done: parameter, command and arithmetic expansion, field splitting
//! of expansions, globbing, here-documents, compound commands (`( )`,
//! `{ }`, `if`, `for`…), whose characters stay literal parts of words.

/// How a command is joined to the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// The first command, or after `;`, `&` or a newline.
    Seq,
    /// After `&&`.
    And,
    /// After `||`.
    Or,
    /// After `|`: the previous command's output went into this one.
    Pipe,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub join: Join,
    /// The words after quote removal, redirections left out.
    pub words: Vec<String>,
    /// Standard output goes to a file (`>`, `>>`, `>|`, `>&`, `1>`…).
    pub stdout_redirected: bool,
    /// Its output goes into the next command (`|` follows).
    pub piped: bool,
}

#[derive(Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    /// `;`, `&`, `&&`, `||`, `|` or a newline (as `\n`).
    Op(&'static str),
    /// A redirection operator with its descriptor number, if given.
    Redir(Option<u32>, &'static str),
}

/// Splits a command string into tokens. Err is a syntax problem.
fn tokens(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    // Whether a word is being built (an empty quoted string is a word).
    let mut in_word = false;
    let mut i = 0;
    let flush = |word: &mut String, in_word: &mut bool, out: &mut Vec<Tok>| {
        if *in_word {
            out.push(Tok::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                flush(&mut word, &mut in_word, &mut out);
                i += 1;
            }
            '\n' => {
                flush(&mut word, &mut in_word, &mut out);
                out.push(Tok::Op("\n"));
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\'' => {
                in_word = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated single quote".into()),
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            word.push(ch);
                            i += 1;
                        }
                    }
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated double quote".into()),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(&n @ ('"' | '\\' | '$' | '`')) => {
                                word.push(n);
                                i += 2;
                            }
                            Some('\n') => i += 2,
                            _ => {
                                word.push('\\');
                                i += 1;
                            }
                        },
                        Some(&ch) => {
                            word.push(ch);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => {
                match chars.get(i + 1) {
                    Some('\n') => {}
                    Some(&n) => {
                        word.push(n);
                        in_word = true;
                    }
                    None => {
                        word.push('\\');
                        in_word = true;
                    }
                }
                i += 2;
            }
            ';' | '&' | '|' => {
                flush(&mut word, &mut in_word, &mut out);
                let next = chars.get(i + 1).copied();
                let op = match (c, next) {
                    ('&', Some('&')) => "&&",
                    ('|', Some('|')) => "||",
                    (';', Some(';')) => {
                        return Err("syntax error near unexpected token `;;'".into());
                    }
                    (';', _) => ";",
                    ('&', _) => "&",
                    _ => "|",
                };
                i += op.len();
                out.push(Tok::Op(op));
            }
            '<' | '>' => {
                // Digits just before, making a whole word, are the
                // descriptor number (XCU 2.10.1 io_number).
                let fd = if in_word && !word.is_empty() && word.chars().all(|d| d.is_ascii_digit())
                {
                    let n = word.parse().ok();
                    word.clear();
                    in_word = false;
                    n
                } else {
                    flush(&mut word, &mut in_word, &mut out);
                    None
                };
                let next = chars.get(i + 1).copied();
                let op = match (c, next) {
                    ('>', Some('>')) => ">>",
                    ('>', Some('|')) => ">|",
                    ('>', Some('&')) => ">&",
                    ('<', Some('>')) => "<>",
                    ('<', Some('&')) => "<&",
                    ('<', Some('<')) => return Err("here-documents are not simulated".into()),
                    ('>', _) => ">",
                    _ => "<",
                };
                i += op.len();
                out.push(Tok::Redir(fd, op));
            }
            _ => {
                word.push(c);
                in_word = true;
                i += 1;
            }
        }
    }
    flush(&mut word, &mut in_word, &mut out);
    Ok(out)
}

/// Parses a command string into its simple commands, in order. An empty
/// string gives no command.
pub fn parse(s: &str) -> Result<Vec<Command>, String> {
    let toks = tokens(s)?;
    let mut cmds: Vec<Command> = Vec::new();
    let mut cur = Command {
        join: Join::Seq,
        words: Vec::new(),
        stdout_redirected: false,
        piped: false,
    };
    // Whether the command being built has anything (word or redirection).
    let mut started = false;
    let mut it = toks.into_iter().peekable();
    while let Some(t) = it.next() {
        match t {
            Tok::Word(w) => {
                cur.words.push(w);
                started = true;
            }
            Tok::Redir(fd, op) => {
                match it.next() {
                    Some(Tok::Word(_)) => {}
                    Some(Tok::Op(o)) => {
                        let o = if o == "\n" { "newline" } else { o };
                        return Err(format!("syntax error near unexpected token `{o}'"));
                    }
                    Some(Tok::Redir(_, o)) => {
                        return Err(format!("syntax error near unexpected token `{o}'"));
                    }
                    None => return Err("syntax error near unexpected token `newline'".into()),
                }
                if op.starts_with('>') && fd.unwrap_or(1) == 1 {
                    cur.stdout_redirected = true;
                }
                started = true;
            }
            Tok::Op(op) => {
                if !started {
                    if op == "\n" {
                        continue;
                    }
                    return Err(format!("syntax error near unexpected token `{op}'"));
                }
                let join = match op {
                    "&&" => Join::And,
                    "||" => Join::Or,
                    "|" => Join::Pipe,
                    _ => Join::Seq,
                };
                cur.piped = join == Join::Pipe;
                let done = std::mem::replace(
                    &mut cur,
                    Command {
                        join,
                        words: Vec::new(),
                        stdout_redirected: false,
                        piped: false,
                    },
                );
                cmds.push(done);
                started = false;
                if matches!(join, Join::And | Join::Or | Join::Pipe) {
                    // The list goes on past newlines.
                    while it.peek() == Some(&Tok::Op("\n")) {
                        it.next();
                    }
                    if it.peek().is_none() {
                        return Err("syntax error: unexpected end of file".into());
                    }
                }
            }
        }
    }
    if started {
        cmds.push(cur);
    }
    Ok(cmds)
}

/// zlogin.c `prep_args`: the words joined with spaces; when there is more
/// than one, those holding a space or a TAB are put in single quotes
/// (nothing else is escaped, so a quote inside such a word ends it).
pub fn join_args(args: &[String]) -> String {
    let quote = args.len() > 1;
    args.iter()
        .map(|a| {
            if quote && (a.contains(' ') || a.contains('\t')) {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Vec<String>> {
        parse(s).unwrap().into_iter().map(|c| c.words).collect()
    }

    fn v(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_lists_and_unquotes() {
        assert_eq!(words("echo a;b"), vec![v(&["echo", "a"]), v(&["b"])]);
        assert_eq!(words("echo 'a;b'"), vec![v(&["echo", "a;b"])]);
        assert_eq!(
            words("printf \"%s\\n\" x\\ y ''"),
            vec![v(&["printf", "%s\\n", "x y", ""])]
        );
        assert_eq!(
            words("a && b || c | d & e\nf # g; h"),
            vec![
                v(&["a"]),
                v(&["b"]),
                v(&["c"]),
                v(&["d"]),
                v(&["e"]),
                v(&["f"])
            ]
        );
        let c = parse("false && x || y").unwrap();
        assert_eq!(
            c.iter().map(|c| c.join).collect::<Vec<_>>(),
            vec![Join::Seq, Join::And, Join::Or]
        );
    }

    #[test]
    fn redirections_leave_the_words() {
        let c = parse("cat > /etc/motd 2>&1 <in").unwrap();
        assert_eq!(c[0].words, v(&["cat"]));
        assert!(c[0].stdout_redirected);
        let c = parse("echo x 2>/dev/null").unwrap();
        assert_eq!(c[0].words, v(&["echo", "x"]));
        assert!(!c[0].stdout_redirected);
        let c = parse("echo a2>b").unwrap();
        assert_eq!(c[0].words, v(&["echo", "a2"]));
    }

    #[test]
    fn syntax_errors() {
        assert!(parse("echo 'a").is_err());
        assert!(parse("; echo").is_err());
        assert!(parse("echo &&").is_err());
        assert!(parse("echo >").is_err());
        assert_eq!(parse("").unwrap(), vec![]);
        assert_eq!(words("a;"), vec![v(&["a"])]);
    }

    #[test]
    fn prep_args_quotes_only_with_several_words() {
        assert_eq!(join_args(&v(&["echo hello"])), "echo hello");
        assert_eq!(
            join_args(&v(&["sh", "-c", "echo a; echo b"])),
            "sh -c 'echo a; echo b'"
        );
        assert_eq!(join_args(&v(&["echo", "a;b"])), "echo a;b");
    }
}
