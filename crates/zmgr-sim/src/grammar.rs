//! The zonecfg grammar (zonecfg_grammar.y) as a recursive-descent parser
//! that reports errors where yacc, with its default reductions, would.

use crate::lexer::{CmdWord, Pt, Rt, TokKind, Token};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListItem {
    Simple(String),
    Complex(Vec<(Pt, String)>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PropValue {
    Simple(String),
    Complex(Vec<(Pt, String)>),
    List(Vec<ListItem>),
}

/// One parsed subcommand (the grammar's `cmd_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmd {
    pub word: CmdWord,
    /// Miscellaneous words such as `-F` or a template name.
    pub argv: Vec<String>,
    /// The resource type after add/select/remove/info.
    pub res: Option<Rt>,
    /// `info <global-property>`.
    pub info_prop: Option<Pt>,
    /// Property name/value pairs (`set`, `add <prop> <value>`, qualifiers).
    pub props: Vec<(Pt, PropValue)>,
    /// `clear <prop>`.
    pub clear: Option<Pt>,
}

impl Cmd {
    fn new(word: CmdWord) -> Cmd {
        Cmd {
            word,
            argv: Vec::new(),
            res: None,
            info_prop: None,
            props: Vec::new(),
            clear: None,
        }
    }
}

/// What a grammar rule with its own usage message adds after the short
/// usage line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageExtra {
    None,
    ResProps,
    Props,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// End of input.
    Eof,
    /// A bare terminator.
    Empty,
    Command(Cmd),
    /// A rule that prints the command's usage and enters error recovery.
    Usage {
        cmd: CmdWord,
        extra: UsageExtra,
        /// The lexer line counter at the time of the error.
        line: u32,
    },
    /// yacc's "syntax error" at the given token.
    Syntax(Token),
}

/// Global properties that `info` accepts by name.
const INFO_PROPS: [Pt; 19] = [
    Pt::Zonename,
    Pt::Zonepath,
    Pt::Brand,
    Pt::Autoboot,
    Pt::IpType,
    Pt::Pool,
    Pt::Limitpriv,
    Pt::Bootargs,
    Pt::SchedulingClass,
    Pt::CpuShares,
    Pt::MaxLwps,
    Pt::MaxProcesses,
    Pt::MaxShmMemory,
    Pt::MaxShmIds,
    Pt::MaxMsgIds,
    Pt::MaxSemIds,
    Pt::Hostid,
    Pt::FsAllowed,
    Pt::ZfsIoPriority,
];

pub struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

type Res<T> = Result<T, Parsed>;

impl Parser {
    pub fn new(toks: Vec<Token>) -> Parser {
        Parser { toks, pos: 0 }
    }

    fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn kind(&self) -> &TokKind {
        &self.peek().kind
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    /// The lexer's line counter after the last token read so far.
    pub fn lineno(&self) -> u32 {
        if self.pos == 0 {
            1
        } else {
            self.toks[self.pos - 1].line_after
        }
    }

    fn syntax(&self) -> Parsed {
        Parsed::Syntax(self.peek().clone())
    }

    /// Discards tokens up to and including the next terminator, as yacc's
    /// error recovery does.
    pub fn recover(&mut self) {
        loop {
            match self.kind() {
                TokKind::Eof => return,
                TokKind::Semicolon | TokKind::Newline => {
                    self.bump();
                    return;
                }
                _ => {
                    self.bump();
                }
            }
        }
    }

    /// Parses the next command. After `Usage` or `Syntax` the caller must
    /// call `recover`.
    pub fn next_command(&mut self) -> Parsed {
        match self.kind().clone() {
            TokKind::Eof => Parsed::Eof,
            TokKind::Semicolon | TokKind::Newline => {
                self.bump();
                Parsed::Empty
            }
            TokKind::Cmd(word) => {
                self.bump();
                match self.command(word) {
                    Ok(cmd) => {
                        if self.peek().is_terminator() {
                            self.bump();
                            Parsed::Command(cmd)
                        } else {
                            self.syntax()
                        }
                    }
                    Err(p) => p,
                }
            }
            _ => self.syntax(),
        }
    }

    fn usage(&self, cmd: CmdWord, extra: UsageExtra) -> Parsed {
        Parsed::Usage {
            cmd,
            extra,
            line: self.peek().line_after,
        }
    }

    fn word(&mut self) -> Option<String> {
        if let TokKind::Word(w) = self.kind().clone() {
            self.bump();
            Some(w)
        } else {
            None
        }
    }

    fn words(&mut self, cmd: &mut Cmd, max: usize) {
        while cmd.argv.len() < max {
            match self.word() {
                Some(w) => cmd.argv.push(w),
                None => break,
            }
        }
    }

    fn command(&mut self, word: CmdWord) -> Res<Cmd> {
        let mut cmd = Cmd::new(word);
        match word {
            CmdWord::Cancel
            | CmdWord::Commit
            | CmdWord::Delete
            | CmdWord::End
            | CmdWord::Exit
            | CmdWord::Help
            | CmdWord::Revert
            | CmdWord::Verify => self.words(&mut cmd, 1),
            CmdWord::Create => self.words(&mut cmd, 3),
            CmdWord::Export => self.words(&mut cmd, 2),
            CmdWord::Add => match self.kind().clone() {
                TokKind::Word(w) => {
                    self.bump();
                    cmd.argv.push(w);
                }
                TokKind::Res(rt) => {
                    self.bump();
                    cmd.res = Some(rt);
                }
                TokKind::Prop(pt) => {
                    self.bump();
                    let v = self.value(false)?;
                    cmd.props.push((pt, v));
                }
                _ => return Err(self.usage(word, UsageExtra::ResProps)),
            },
            CmdWord::Info => match self.kind().clone() {
                TokKind::Word(_) => {
                    self.bump();
                    return Err(self.usage(word, UsageExtra::ResProps));
                }
                TokKind::Res(rt) => {
                    self.bump();
                    cmd.res = Some(rt);
                    self.qualifiers(&mut cmd)?;
                }
                TokKind::Prop(pt) if INFO_PROPS.contains(&pt) => {
                    self.bump();
                    cmd.info_prop = Some(pt);
                }
                _ => {}
            },
            CmdWord::Remove => match self.kind().clone() {
                TokKind::Word(w) => {
                    self.bump();
                    match self.kind().clone() {
                        TokKind::Res(rt) => {
                            self.bump();
                            cmd.argv.push(w);
                            cmd.res = Some(rt);
                        }
                        _ => return Err(self.usage(word, UsageExtra::ResProps)),
                    }
                }
                TokKind::Res(rt) => {
                    self.bump();
                    cmd.res = Some(rt);
                    self.qualifiers(&mut cmd)?;
                }
                TokKind::Prop(pt) => {
                    self.bump();
                    let v = self.value(false)?;
                    cmd.props.push((pt, v));
                }
                _ => return Err(self.usage(word, UsageExtra::ResProps)),
            },
            CmdWord::Select => match self.kind().clone() {
                TokKind::Res(rt) => {
                    self.bump();
                    cmd.res = Some(rt);
                    self.qualifiers(&mut cmd)?;
                    let bare_ok = matches!(rt, Rt::DedicatedCpu | Rt::CappedCpu | Rt::CappedMemory);
                    if cmd.props.is_empty() && !bare_ok {
                        return Err(self.usage(word, UsageExtra::None));
                    }
                }
                _ => return Err(self.usage(word, UsageExtra::ResProps)),
            },
            CmdWord::Set => match self.kind().clone() {
                TokKind::Prop(pt) => {
                    self.bump();
                    if *self.kind() != TokKind::Equal {
                        return Err(self.syntax());
                    }
                    self.bump();
                    let v = self.value(true)?;
                    cmd.props.push((pt, v));
                }
                TokKind::Word(w) => {
                    self.bump();
                    if *self.kind() != TokKind::Prop(Pt::Zonepath) {
                        return Err(self.syntax());
                    }
                    self.bump();
                    if *self.kind() != TokKind::Equal {
                        return Err(self.syntax());
                    }
                    self.bump();
                    let v = self.value(false)?;
                    cmd.argv.push(w);
                    cmd.props.push((Pt::Zonepath, v));
                }
                _ => return Err(self.usage(word, UsageExtra::Props)),
            },
            CmdWord::Clear => match self.kind().clone() {
                TokKind::Prop(pt) => {
                    self.bump();
                    cmd.clear = Some(pt);
                }
                _ => return Err(self.usage(word, UsageExtra::Props)),
            },
        }
        Ok(cmd)
    }

    /// Up to three `<prop>=<value>` qualifiers after a resource type.
    fn qualifiers(&mut self, cmd: &mut Cmd) -> Res<()> {
        while cmd.props.len() < 3 {
            let TokKind::Prop(pt) = self.kind().clone() else {
                return Ok(());
            };
            self.bump();
            if *self.kind() != TokKind::Equal {
                return Err(self.syntax());
            }
            self.bump();
            let v = self.value(false)?;
            cmd.props.push((pt, v));
        }
        Ok(())
    }

    fn simple(&mut self) -> Option<String> {
        let s = match self.kind() {
            TokKind::Word(w) => w.clone(),
            TokKind::Res(rt) => rt.name().to_string(),
            TokKind::Prop(pt) => pt.name().to_string(),
            _ => return None,
        };
        self.bump();
        Some(s)
    }

    fn value(&mut self, empty_list_ok: bool) -> Res<PropValue> {
        match self.kind() {
            TokKind::OpenParen => Ok(PropValue::Complex(self.complex()?)),
            TokKind::OpenSq => {
                self.bump();
                if *self.kind() == TokKind::CloseSq && empty_list_ok {
                    self.bump();
                    return Ok(PropValue::List(Vec::new()));
                }
                let mut items = Vec::new();
                loop {
                    if *self.kind() == TokKind::OpenParen {
                        items.push(ListItem::Complex(self.complex()?));
                    } else if let Some(s) = self.simple() {
                        items.push(ListItem::Simple(s));
                    } else {
                        return Err(self.syntax());
                    }
                    match self.kind() {
                        TokKind::Comma => {
                            self.bump();
                        }
                        TokKind::CloseSq => {
                            self.bump();
                            return Ok(PropValue::List(items));
                        }
                        _ => return Err(self.syntax()),
                    }
                }
            }
            _ => match self.simple() {
                Some(s) => Ok(PropValue::Simple(s)),
                None => Err(self.syntax()),
            },
        }
    }

    fn complex(&mut self) -> Res<Vec<(Pt, String)>> {
        self.bump(); // '('
        let mut pieces = Vec::new();
        loop {
            let TokKind::Prop(pt) = self.kind().clone() else {
                return Err(self.syntax());
            };
            self.bump();
            if *self.kind() != TokKind::Equal {
                return Err(self.syntax());
            }
            self.bump();
            let Some(v) = self.simple() else {
                return Err(self.syntax());
            };
            pieces.push((pt, v));
            match self.kind() {
                TokKind::Comma => {
                    self.bump();
                }
                TokKind::CloseParen => {
                    self.bump();
                    return Ok(pieces);
                }
                _ => return Err(self.syntax()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::{Dialect, Lexer};

    fn parse_all(input: &str) -> Vec<Parsed> {
        let mut p = Parser::new(Lexer::new(Dialect::OmniOs).tokenize(input));
        let mut out = Vec::new();
        loop {
            let r = p.next_command();
            match &r {
                Parsed::Eof => return out,
                Parsed::Usage { .. } | Parsed::Syntax(_) => p.recover(),
                _ => {}
            }
            out.push(r);
        }
    }

    fn one(input: &str) -> Cmd {
        match parse_all(input).remove(0) {
            Parsed::Command(c) => c,
            other => panic!("not a command: {other:?}"),
        }
    }

    #[test]
    fn set_simple_list_and_empty_list() {
        let c = one("set zonepath=/zones/a\n");
        assert_eq!(
            c.props,
            vec![(Pt::Zonepath, PropValue::Simple("/zones/a".into()))]
        );
        let c = one("set options=[ro,\"a=b\"]\n");
        assert_eq!(
            c.props[0].1,
            PropValue::List(vec![
                ListItem::Simple("ro".into()),
                ListItem::Simple("a=b".into())
            ])
        );
        assert_eq!(one("set options=[]\n").props[0].1, PropValue::List(vec![]));
        // Keywords are accepted as values.
        assert_eq!(
            one("set type=lofs\n").props[0],
            (Pt::Type, PropValue::Simple("lofs".into()))
        );
        assert_eq!(
            one("set name=value\n").props[0],
            (Pt::Name, PropValue::Simple("value".into()))
        );
    }

    #[test]
    fn complex_values() {
        let c = one("add value (priv=privileged,limit=100,action=deny)\n");
        assert_eq!(
            c.props[0],
            (
                Pt::Value,
                PropValue::Complex(vec![
                    (Pt::Priv, "privileged".into()),
                    (Pt::Limit, "100".into()),
                    (Pt::Action, "deny".into())
                ])
            )
        );
    }

    #[test]
    fn usage_rules() {
        assert!(matches!(
            parse_all("add\n")[0],
            Parsed::Usage {
                cmd: CmdWord::Add,
                extra: UsageExtra::ResProps,
                ..
            }
        ));
        assert!(matches!(
            parse_all("set\n")[0],
            Parsed::Usage {
                cmd: CmdWord::Set,
                extra: UsageExtra::Props,
                ..
            }
        ));
        assert!(matches!(
            parse_all("select net\n")[0],
            Parsed::Usage {
                cmd: CmdWord::Select,
                extra: UsageExtra::None,
                ..
            }
        ));
        assert!(matches!(
            parse_all("select capped-memory\n")[0],
            Parsed::Command(_)
        ));
        assert!(matches!(
            parse_all("info foo\n")[0],
            Parsed::Usage {
                cmd: CmdWord::Info,
                ..
            }
        ));
    }

    #[test]
    fn syntax_errors_name_the_token() {
        let shown = |input: &str| match parse_all(input).remove(0) {
            Parsed::Syntax(t) => t.shown().to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(shown("foo\n"), "f");
        assert_eq!(shown("set foo=bar\n"), "=");
        assert_eq!(shown("set zonepath=\n"), "\\n");
        assert_eq!(shown("add net physical=x\n"), "physical");
        assert_eq!(shown("set options=[a;\n"), ";");
    }

    #[test]
    fn recovery_resumes_after_the_terminator() {
        let r = parse_all("foo bar; commit\nverify\n");
        assert!(matches!(r[0], Parsed::Syntax(_)));
        assert!(matches!(&r[1], Parsed::Command(c) if c.word == CmdWord::Commit));
        assert!(matches!(&r[2], Parsed::Command(c) if c.word == CmdWord::Verify));
    }

    #[test]
    fn info_forms() {
        let c = one("info net physical=vnic0\n");
        assert_eq!(c.res, Some(Rt::Net));
        assert_eq!(c.props.len(), 1);
        assert_eq!(one("info zonepath\n").info_prop, Some(Pt::Zonepath));
        assert_eq!(one("info\n").res, None);
    }

    #[test]
    fn remove_forms() {
        let c = one("remove -F net\n");
        assert_eq!(c.argv, vec!["-F".to_string()]);
        assert_eq!(c.res, Some(Rt::Net));
        let c = one("remove options ro\n");
        assert_eq!(c.props[0], (Pt::Options, PropValue::Simple("ro".into())));
    }
}
