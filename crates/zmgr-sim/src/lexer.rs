//! The zonecfg lexer (zonecfg_lex.l): four start conditions, per-state token
//! classes, quoted strings without escapes, and the line counter that error
//! messages report.

/// Which zonecfg source the lexer follows for `"` inside `( )`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// OmniOS accepts quoted strings inside `( )`.
    OmniOs,
    /// illumos-gate: a `"` inside `( )` is a stray character.
    Gate,
}

/// Subcommand keywords, recognised only at the start of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmdWord {
    Add,
    Cancel,
    Clear,
    Commit,
    Create,
    Delete,
    End,
    Exit,
    Export,
    Help,
    Info,
    Remove,
    Revert,
    Select,
    Set,
    Verify,
}

/// Resource types (TSTATE only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rt {
    Fs,
    Net,
    Device,
    Rctl,
    Attr,
    Dataset,
    DedicatedCpu,
    CappedCpu,
    CappedMemory,
    Admin,
    SecurityFlags,
}

impl Rt {
    pub fn name(self) -> &'static str {
        match self {
            Rt::Fs => "fs",
            Rt::Net => "net",
            Rt::Device => "device",
            Rt::Rctl => "rctl",
            Rt::Attr => "attr",
            Rt::Dataset => "dataset",
            Rt::DedicatedCpu => "dedicated-cpu",
            Rt::CappedCpu => "capped-cpu",
            Rt::CappedMemory => "capped-memory",
            Rt::Admin => "admin",
            Rt::SecurityFlags => "security-flags",
        }
    }

    const ALL: [Rt; 11] = [
        Rt::Net,
        Rt::Fs,
        Rt::Device,
        Rt::Rctl,
        Rt::Attr,
        Rt::Admin,
        Rt::SecurityFlags,
        Rt::Dataset,
        Rt::DedicatedCpu,
        Rt::CappedCpu,
        Rt::CappedMemory,
    ];

    fn from_word(w: &str) -> Option<Rt> {
        Rt::ALL.into_iter().find(|r| r.name() == w)
    }
}

/// Property names (TSTATE and CSTATE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pt {
    Zonename,
    Zonepath,
    Brand,
    Autoboot,
    IpType,
    Pool,
    Limitpriv,
    Bootargs,
    Type,
    Value,
    Options,
    AllowedAddress,
    Address,
    Physical,
    Defrouter,
    MacAddr,
    VlanId,
    GlobalNic,
    Property,
    Dir,
    Special,
    Raw,
    Name,
    Match,
    Priv,
    Limit,
    Action,
    Ncpus,
    Locked,
    Swap,
    Importance,
    CpuShares,
    MaxLwps,
    MaxProcesses,
    MaxShmMemory,
    MaxShmIds,
    MaxMsgIds,
    MaxSemIds,
    SchedulingClass,
    Hostid,
    User,
    Auths,
    FsAllowed,
    Default,
    Lower,
    Upper,
    ZfsIoPriority,
}

impl Pt {
    pub fn name(self) -> &'static str {
        match self {
            Pt::Zonename => "zonename",
            Pt::Zonepath => "zonepath",
            Pt::Brand => "brand",
            Pt::Autoboot => "autoboot",
            Pt::IpType => "ip-type",
            Pt::Pool => "pool",
            Pt::Limitpriv => "limitpriv",
            Pt::Bootargs => "bootargs",
            Pt::Type => "type",
            Pt::Value => "value",
            Pt::Options => "options",
            Pt::AllowedAddress => "allowed-address",
            Pt::Address => "address",
            Pt::Physical => "physical",
            Pt::Defrouter => "defrouter",
            Pt::MacAddr => "mac-addr",
            Pt::VlanId => "vlan-id",
            Pt::GlobalNic => "global-nic",
            Pt::Property => "property",
            Pt::Dir => "dir",
            Pt::Special => "special",
            Pt::Raw => "raw",
            Pt::Name => "name",
            Pt::Match => "match",
            Pt::Priv => "priv",
            Pt::Limit => "limit",
            Pt::Action => "action",
            Pt::Ncpus => "ncpus",
            Pt::Locked => "locked",
            Pt::Swap => "swap",
            Pt::Importance => "importance",
            Pt::CpuShares => "cpu-shares",
            Pt::MaxLwps => "max-lwps",
            Pt::MaxProcesses => "max-processes",
            Pt::MaxShmMemory => "max-shm-memory",
            Pt::MaxShmIds => "max-shm-ids",
            Pt::MaxMsgIds => "max-msg-ids",
            Pt::MaxSemIds => "max-sem-ids",
            Pt::SchedulingClass => "scheduling-class",
            Pt::Hostid => "hostid",
            Pt::User => "user",
            Pt::Auths => "auths",
            Pt::FsAllowed => "fs-allowed",
            Pt::Default => "default",
            Pt::Lower => "lower",
            Pt::Upper => "upper",
            Pt::ZfsIoPriority => "zfs-io-priority",
        }
    }

    const ALL: [Pt; 47] = [
        Pt::Zonename,
        Pt::Zonepath,
        Pt::Brand,
        Pt::Autoboot,
        Pt::IpType,
        Pt::Pool,
        Pt::Limitpriv,
        Pt::Bootargs,
        Pt::Type,
        Pt::Value,
        Pt::Options,
        Pt::AllowedAddress,
        Pt::Address,
        Pt::Physical,
        Pt::Defrouter,
        Pt::MacAddr,
        Pt::VlanId,
        Pt::GlobalNic,
        Pt::Property,
        Pt::Dir,
        Pt::Special,
        Pt::Raw,
        Pt::Name,
        Pt::Match,
        Pt::Priv,
        Pt::Limit,
        Pt::Action,
        Pt::Ncpus,
        Pt::Locked,
        Pt::Swap,
        Pt::Importance,
        Pt::CpuShares,
        Pt::MaxLwps,
        Pt::MaxProcesses,
        Pt::MaxShmMemory,
        Pt::MaxShmIds,
        Pt::MaxMsgIds,
        Pt::MaxSemIds,
        Pt::SchedulingClass,
        Pt::Hostid,
        Pt::User,
        Pt::Auths,
        Pt::FsAllowed,
        Pt::Default,
        Pt::Lower,
        Pt::Upper,
        Pt::ZfsIoPriority,
    ];

    fn from_word(w: &str) -> Option<Pt> {
        Pt::ALL.into_iter().find(|p| p.name() == w)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokKind {
    Cmd(CmdWord),
    Res(Rt),
    Prop(Pt),
    Equal,
    OpenSq,
    CloseSq,
    OpenParen,
    CloseParen,
    Comma,
    /// An unquoted word or a quoted string with its quotes stripped.
    Word(String),
    /// Any character no other rule matches (lex's `.` rule).
    Stray(char),
    Semicolon,
    Newline,
    Eof,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokKind,
    /// The matched text, as yacc error messages show it.
    pub text: String,
    /// The lexer's line counter after this token was read.
    pub line_after: u32,
}

impl Token {
    pub fn is_terminator(&self) -> bool {
        matches!(self.kind, TokKind::Semicolon | TokKind::Newline)
    }

    /// How a syntax error names this token.
    pub fn shown(&self) -> &str {
        if self.kind == TokKind::Newline {
            "\\n"
        } else {
            &self.text
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Initial,
    T,
    L,
    C,
}

const COMMANDS: [(&str, CmdWord); 17] = [
    ("add", CmdWord::Add),
    ("cancel", CmdWord::Cancel),
    ("commit", CmdWord::Commit),
    ("create", CmdWord::Create),
    ("delete", CmdWord::Delete),
    ("end", CmdWord::End),
    ("exit", CmdWord::Exit),
    ("export", CmdWord::Export),
    ("?", CmdWord::Help),
    ("help", CmdWord::Help),
    ("info", CmdWord::Info),
    ("remove", CmdWord::Remove),
    ("revert", CmdWord::Revert),
    ("select", CmdWord::Select),
    ("set", CmdWord::Set),
    ("clear", CmdWord::Clear),
    ("verify", CmdWord::Verify),
];

/// A lexer over one input text. The start condition and line counter
/// survive between calls, as they do in the real lexer across lines.
pub struct Lexer {
    dialect: Dialect,
    state: State,
    /// The state `)` returns to (`state` in zonecfg_lex.l).
    paren_return: State,
    lineno: u32,
}

impl Lexer {
    pub fn new(dialect: Dialect) -> Lexer {
        Lexer {
            dialect,
            state: State::Initial,
            paren_return: State::Initial,
            lineno: 1,
        }
    }

    /// Lexes all of `input`, ending with an `Eof` token.
    pub fn tokenize(&mut self, input: &str) -> Vec<Token> {
        let chars: Vec<char> = input.chars().collect();
        let mut pos = 0;
        let mut out = Vec::new();
        loop {
            let tok = self.next(&chars, &mut pos);
            let eof = tok.kind == TokKind::Eof;
            out.push(tok);
            if eof {
                return out;
            }
        }
    }

    fn tok(&self, kind: TokKind, text: String) -> Token {
        Token {
            kind,
            text,
            line_after: self.lineno,
        }
    }

    fn next(&mut self, s: &[char], pos: &mut usize) -> Token {
        loop {
            let Some(&c) = s.get(*pos) else {
                return self.tok(TokKind::Eof, String::new());
            };
            match c {
                ' ' | '\t' => {
                    *pos += 1;
                    continue;
                }
                ';' => {
                    *pos += 1;
                    self.state = State::Initial;
                    return self.tok(TokKind::Semicolon, ";".into());
                }
                '\n' => {
                    *pos += 1;
                    self.lineno += 1;
                    self.state = State::Initial;
                    return self.tok(TokKind::Newline, "\n".into());
                }
                _ => {}
            }
            return match self.state {
                State::Initial => {
                    if c == '#' {
                        while *pos < s.len() && s[*pos] != '\n' {
                            *pos += 1;
                        }
                        continue;
                    }
                    self.initial(s, pos)
                }
                State::T => self.in_token_state(s, pos),
                State::L => self.in_list_state(s, pos),
                State::C => self.in_complex_state(s, pos),
            };
        }
    }

    fn stray(&self, s: &[char], pos: &mut usize) -> Token {
        let c = s[*pos];
        *pos += 1;
        self.tok(TokKind::Stray(c), c.to_string())
    }

    fn initial(&mut self, s: &[char], pos: &mut usize) -> Token {
        // Longest match among the command words; ties cannot happen.
        let rest = &s[*pos..];
        let best = COMMANDS
            .iter()
            .filter(|(w, _)| starts_with(rest, w))
            .max_by_key(|(w, _)| w.len());
        match best {
            Some((w, cmd)) => {
                *pos += w.chars().count();
                self.state = State::T;
                self.paren_return = State::T;
                self.tok(TokKind::Cmd(*cmd), (*w).to_string())
            }
            None => self.stray(s, pos),
        }
    }

    fn in_token_state(&mut self, s: &[char], pos: &mut usize) -> Token {
        let c = s[*pos];
        match c {
            '=' => {
                *pos += 1;
                self.tok(TokKind::Equal, "=".into())
            }
            '[' => {
                *pos += 1;
                self.state = State::L;
                self.paren_return = State::L;
                self.tok(TokKind::OpenSq, "[".into())
            }
            '(' => {
                *pos += 1;
                self.state = State::C;
                self.tok(TokKind::OpenParen, "(".into())
            }
            '"' => self.quoted(s, pos),
            _ => {
                let word = run(s, *pos, |c| !" \t\n\";=[]()".contains(c));
                if word.is_empty() {
                    return self.stray(s, pos);
                }
                *pos += word.chars().count();
                let kind = if let Some(rt) = Rt::from_word(&word) {
                    TokKind::Res(rt)
                } else if let Some(pt) = Pt::from_word(&word) {
                    TokKind::Prop(pt)
                } else {
                    TokKind::Word(word.clone())
                };
                self.tok(kind, word)
            }
        }
    }

    fn in_list_state(&mut self, s: &[char], pos: &mut usize) -> Token {
        let c = s[*pos];
        match c {
            '=' => {
                *pos += 1;
                self.tok(TokKind::Equal, "=".into())
            }
            ']' => {
                *pos += 1;
                self.state = State::T;
                self.paren_return = State::T;
                self.tok(TokKind::CloseSq, "]".into())
            }
            '(' => {
                *pos += 1;
                self.state = State::C;
                self.tok(TokKind::OpenParen, "(".into())
            }
            ',' => {
                *pos += 1;
                self.tok(TokKind::Comma, ",".into())
            }
            '"' => self.quoted(s, pos),
            _ => {
                let word = run(s, *pos, |c| !" \t\n\",;=[]()".contains(c));
                if word.is_empty() {
                    return self.stray(s, pos);
                }
                *pos += word.chars().count();
                self.tok(TokKind::Word(word.clone()), word)
            }
        }
    }

    fn in_complex_state(&mut self, s: &[char], pos: &mut usize) -> Token {
        let c = s[*pos];
        match c {
            '=' => {
                *pos += 1;
                self.tok(TokKind::Equal, "=".into())
            }
            ')' => {
                *pos += 1;
                self.state = self.paren_return;
                self.tok(TokKind::CloseParen, ")".into())
            }
            ',' => {
                *pos += 1;
                self.tok(TokKind::Comma, ",".into())
            }
            '"' if self.dialect == Dialect::OmniOs => self.quoted(s, pos),
            _ => {
                let word = run(s, *pos, |c| !" \t\n\",;=()".contains(c));
                if word.is_empty() {
                    return self.stray(s, pos);
                }
                *pos += word.chars().count();
                let kind = match Pt::from_word(&word) {
                    Some(pt) => TokKind::Prop(pt),
                    None => TokKind::Word(word.clone()),
                };
                self.tok(kind, word)
            }
        }
    }

    /// `\"[^\"\n]*[\"\n]`: the string ends at the next quote or newline; a
    /// newline ends it without ending the command and stays in the value.
    /// With neither before the end of input the rule does not match and the
    /// quote is a stray character.
    fn quoted(&mut self, s: &[char], pos: &mut usize) -> Token {
        let start = *pos;
        let mut end = start + 1;
        while end < s.len() && s[end] != '"' && s[end] != '\n' {
            end += 1;
        }
        if end >= s.len() {
            return self.stray(s, pos);
        }
        let text: String = s[start..=end].iter().collect();
        let value: String = if s[end] == '"' {
            s[start + 1..end].iter().collect()
        } else {
            s[start + 1..=end].iter().collect()
        };
        *pos = end + 1;
        self.tok(TokKind::Word(value), text)
    }
}

fn starts_with(s: &[char], w: &str) -> bool {
    w.chars().enumerate().all(|(i, wc)| s.get(i) == Some(&wc))
}

fn run(s: &[char], from: usize, ok: impl Fn(char) -> bool) -> String {
    s[from..].iter().take_while(|c| ok(**c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<TokKind> {
        Lexer::new(Dialect::OmniOs)
            .tokenize(input)
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn kinds_gate(input: &str) -> Vec<TokKind> {
        Lexer::new(Dialect::Gate)
            .tokenize(input)
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn w(s: &str) -> TokKind {
        TokKind::Word(s.into())
    }

    use TokKind::*;

    #[test]
    fn semicolon_and_newline_end_commands_in_every_state() {
        assert_eq!(
            kinds("set a=b;end\n"),
            vec![
                Cmd(CmdWord::Set),
                w("a"),
                Equal,
                w("b"),
                Semicolon,
                Cmd(CmdWord::End),
                Newline,
                Eof
            ]
        );
        // Inside [ ] and ( ) a ';' still ends the command; the next word is
        // lexed as a command again.
        assert_eq!(
            kinds("set x=[a;end"),
            vec![
                Cmd(CmdWord::Set),
                w("x"),
                Equal,
                OpenSq,
                w("a"),
                Semicolon,
                Cmd(CmdWord::End),
                Eof
            ]
        );
        assert_eq!(
            kinds("add value (priv=a\nend"),
            vec![
                Cmd(CmdWord::Add),
                Prop(Pt::Value),
                OpenParen,
                Prop(Pt::Priv),
                Equal,
                w("a"),
                Newline,
                Cmd(CmdWord::End),
                Eof
            ]
        );
    }

    #[test]
    fn hash_is_a_comment_only_at_command_start() {
        assert_eq!(
            kinds("# a comment; set x\ncommit\n"),
            vec![Newline, Cmd(CmdWord::Commit), Newline, Eof]
        );
        assert_eq!(kinds("  # indented comment\n"), vec![Newline, Eof]);
        assert_eq!(
            kinds("set bootargs=#x\n"),
            vec![
                Cmd(CmdWord::Set),
                Prop(Pt::Bootargs),
                Equal,
                w("#x"),
                Newline,
                Eof
            ]
        );
        // After ';' the lexer is back at a command start.
        assert_eq!(
            kinds("commit;# rest\n"),
            vec![Cmd(CmdWord::Commit), Semicolon, Newline, Eof]
        );
    }

    #[test]
    fn quoted_strings_keep_everything_literal() {
        assert_eq!(
            kinds("set bootargs=\"-m verbose; #x=[a,b] \\n $y\"\n"),
            vec![
                Cmd(CmdWord::Set),
                Prop(Pt::Bootargs),
                Equal,
                w("-m verbose; #x=[a,b] \\n $y"),
                Newline,
                Eof
            ]
        );
    }

    #[test]
    fn unterminated_quote_swallows_the_newline() {
        let toks = Lexer::new(Dialect::OmniOs).tokenize("set bootargs=\"abc\nend\n");
        let k: Vec<_> = toks.iter().map(|t| t.kind.clone()).collect();
        assert_eq!(
            k,
            vec![
                Cmd(CmdWord::Set),
                Prop(Pt::Bootargs),
                Equal,
                w("abc\n"),
                // "end" is glued onto the same command, as an ordinary word.
                w("end"),
                Newline,
                Eof
            ]
        );
        // The swallowed newline is not counted.
        assert_eq!(toks[5].line_after, 2);
        assert_eq!(toks[3].text, "\"abc\n");
    }

    #[test]
    fn quote_without_end_before_eof_is_stray() {
        assert_eq!(
            kinds("set a=\"abc"),
            vec![Cmd(CmdWord::Set), w("a"), Equal, Stray('"'), w("abc"), Eof]
        );
    }

    #[test]
    fn commas_are_word_characters_only_in_token_state() {
        assert_eq!(
            kinds("set value=1.1.1.1,1.0.0.1\n"),
            vec![
                Cmd(CmdWord::Set),
                Prop(Pt::Value),
                Equal,
                w("1.1.1.1,1.0.0.1"),
                Newline,
                Eof
            ]
        );
        assert_eq!(
            kinds("set options=[ro,nodevices]\n"),
            vec![
                Cmd(CmdWord::Set),
                Prop(Pt::Options),
                Equal,
                OpenSq,
                w("ro"),
                Comma,
                w("nodevices"),
                CloseSq,
                Newline,
                Eof
            ]
        );
        assert_eq!(
            kinds("add value (priv=privileged,limit=10,action=deny)\n"),
            vec![
                Cmd(CmdWord::Add),
                Prop(Pt::Value),
                OpenParen,
                Prop(Pt::Priv),
                Equal,
                w("privileged"),
                Comma,
                Prop(Pt::Limit),
                Equal,
                w("10"),
                Comma,
                Prop(Pt::Action),
                Equal,
                w("deny"),
                CloseParen,
                Newline,
                Eof
            ]
        );
    }

    #[test]
    fn token_classes_per_state() {
        // TSTATE: ']' is not a word character.
        assert_eq!(
            kinds("set a=b]c\n"),
            vec![
                Cmd(CmdWord::Set),
                w("a"),
                Equal,
                w("b"),
                Stray(']'),
                w("c"),
                Newline,
                Eof
            ]
        );
        // LSTATE: '[' is stray; keywords are plain words.
        assert_eq!(
            kinds("set a=[net,[x]\n"),
            vec![
                Cmd(CmdWord::Set),
                w("a"),
                Equal,
                OpenSq,
                w("net"),
                Comma,
                Stray('['),
                w("x"),
                CloseSq,
                Newline,
                Eof
            ]
        );
        // CSTATE: brackets are word characters, resource names are words,
        // property names are keywords.
        assert_eq!(
            kinds("add property (name=a[0],value=net)\n"),
            vec![
                Cmd(CmdWord::Add),
                Prop(Pt::Property),
                OpenParen,
                Prop(Pt::Name),
                Equal,
                w("a[0]"),
                Comma,
                Prop(Pt::Value),
                Equal,
                w("net"),
                CloseParen,
                Newline,
                Eof
            ]
        );
    }

    #[test]
    fn close_paren_returns_to_the_list_state() {
        assert_eq!(
            kinds("set value=[(priv=a),b]\n"),
            vec![
                Cmd(CmdWord::Set),
                Prop(Pt::Value),
                Equal,
                OpenSq,
                OpenParen,
                Prop(Pt::Priv),
                Equal,
                w("a"),
                CloseParen,
                Comma,
                w("b"),
                CloseSq,
                Newline,
                Eof
            ]
        );
    }

    #[test]
    fn keywords_only_as_whole_words() {
        assert_eq!(
            kinds("add network\n"),
            vec![Cmd(CmdWord::Add), w("network"), Newline, Eof]
        );
        assert_eq!(
            kinds("add net\n"),
            vec![Cmd(CmdWord::Add), Res(Rt::Net), Newline, Eof]
        );
        // At a command start the longest command word wins and the rest of
        // the word is lexed after it.
        assert_eq!(
            kinds("addnet\n"),
            vec![Cmd(CmdWord::Add), Res(Rt::Net), Newline, Eof]
        );
        assert_eq!(kinds("foo\n")[0], Stray('f'));
        assert_eq!(kinds("\"x\"\n")[0], Stray('"'));
    }

    #[test]
    fn quotes_in_parens_depend_on_the_dialect() {
        let input = "add property (name=gateway,value=\"10.0.0.1\")\n";
        assert_eq!(
            kinds(input),
            vec![
                Cmd(CmdWord::Add),
                Prop(Pt::Property),
                OpenParen,
                Prop(Pt::Name),
                Equal,
                w("gateway"),
                Comma,
                Prop(Pt::Value),
                Equal,
                w("10.0.0.1"),
                CloseParen,
                Newline,
                Eof
            ]
        );
        let gate = kinds_gate(input);
        assert_eq!(gate[9], Stray('"'));
        assert_eq!(gate[10], w("10.0.0.1"));
        assert_eq!(gate[11], Stray('"'));
        // Outside parentheses both dialects accept quotes.
        assert_eq!(kinds_gate("set a=\"b c\"\n")[3], w("b c"));
    }

    #[test]
    fn keywords_are_lower_case_only() {
        assert_eq!(kinds("SET a=b\n")[0], Stray('S'));
        assert_eq!(
            kinds("add Net\n"),
            vec![Cmd(CmdWord::Add), w("Net"), Newline, Eof]
        );
    }

    #[test]
    fn whitespace_separates_and_is_ignored() {
        assert_eq!(
            kinds("\tset  a =\tb \n"),
            vec![Cmd(CmdWord::Set), w("a"), Equal, w("b"), Newline, Eof]
        );
    }

    #[test]
    fn line_numbers_count_newlines_outside_quotes() {
        let toks = Lexer::new(Dialect::OmniOs).tokenize("a\nb\n");
        assert_eq!(toks[0].line_after, 1);
        assert_eq!(toks[1].line_after, 2);
        assert_eq!(toks[3].line_after, 3);
    }
}
