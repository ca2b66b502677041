//! IP Filter NAT: the kernel's rule list (loaded by the ipfilter service or
//! `ipnat -f`), a parser for the `map`, `bimap` and `rdr` rules of
//! ipnat(5), their printed form, and the `ipnat` command.
//!
//! Sources: illumos-gate usr/src/cmd/ipf/tools/ipnat.c (options, flush and
//! list output), ipnat_y.y (grammar, address masking, protocol defaults),
//! lexer.c (`yyerror`), usr/src/cmd/ipf/lib/common/printnat.c,
//! printmask.c and printproto (how rules are printed).

use std::net::Ipv4Addr;

use crate::ctx::{Ctx, Exit, argv0};
use crate::getopt::{Getopt, Opt};
use crate::state::smf::{IPFILTER, ONLINE};

/// One parsed rule: its printed form and the line it ended on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub printed: String,
    pub line: usize,
}

/// A parsed file: the rules before the first error, and that error
/// (`yyerror`'s text, which makes ipnat exit 1).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub rules: Vec<Rule>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Sym(char),
    Arrow,
}

impl Tok {
    /// What `yyerror` prints for the token.
    fn text(&self) -> String {
        match self {
            Tok::Word(w) => w.clone(),
            Tok::Sym(c) => c.to_string(),
            Tok::Arrow => "->".into(),
        }
    }
}

/// Splits ipnat.conf text into tokens with their line numbers. `#` starts a
/// comment; `/ , ; : = !` are tokens of their own; `->` is a token.
fn tokens(text: &str) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.split('#').next().unwrap_or_default();
        for chunk in line.split_whitespace() {
            let mut word = String::new();
            let chars: Vec<char> = chunk.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                if c == '-' && chars.get(i + 1) == Some(&'>') {
                    if !word.is_empty() {
                        out.push((Tok::Word(std::mem::take(&mut word)), line_no));
                    }
                    out.push((Tok::Arrow, line_no));
                    i += 2;
                    continue;
                }
                let range_dash = c == '-'
                    && word.ends_with(|d: char| d.is_ascii_digit())
                    && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
                if "/,;:=!".contains(c) || range_dash {
                    if !word.is_empty() {
                        out.push((Tok::Word(std::mem::take(&mut word)), line_no));
                    }
                    out.push((Tok::Sym(c), line_no));
                } else {
                    word.push(c);
                }
                i += 1;
            }
            if !word.is_empty() {
                out.push((Tok::Word(word), line_no));
            }
        }
    }
    out
}

/// A rule being built (the fields of `ipnat_t` the simulator uses).
#[derive(Default)]
struct Nat {
    redir: &'static str,
    ifnames: (String, String),
    in_addr: (u32, u32),
    out_addr: (u32, u32),
    /// rdr: second internal address (`a,b`, IPN_SPLIT).
    split: Option<u32>,
    tcp: bool,
    udp: bool,
    proto: Option<(u8, String)>,
    auto_portmap: bool,
    pmin: u16,
    pmax: u16,
    pnext: u16,
    fixed_dport: bool,
    sequential: bool,
    round_robin: bool,
    frag: bool,
    sticky: bool,
    age: (u32, u32),
    mssclamp: u32,
    tag: String,
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    eof_line: usize,
}

type PResult<T> = Result<T, String>;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn line(&self) -> usize {
        self.toks
            .get(self.pos)
            .map(|(_, l)| *l)
            .unwrap_or(self.eof_line)
    }

    /// `yyerror`: `MSG error at "TOKEN", line N`.
    fn error(&self, msg: &str) -> String {
        let txt = self.peek().map(Tok::text).unwrap_or_default();
        format!("{msg} error at \"{txt}\", line {}\n", self.line())
    }

    fn syntax(&self) -> String {
        self.error("syntax error")
    }

    fn word(&mut self) -> PResult<String> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.syntax()),
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_sym(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn number(&mut self) -> PResult<u32> {
        match self.peek() {
            Some(Tok::Word(w)) if w.chars().all(|c| c.is_ascii_digit()) => {
                let n = w.parse().map_err(|_| self.syntax())?;
                self.pos += 1;
                Ok(n)
            }
            _ => Err(self.syntax()),
        }
    }

    /// A port: a number up to 65535 or a service name (only a few are known).
    fn port(&mut self) -> PResult<u16> {
        match self.peek() {
            Some(Tok::Word(w)) if w.chars().all(|c| c.is_ascii_digit()) => {
                let n: u32 = w.parse().unwrap_or(u32::MAX);
                if n > 65535 {
                    return Err(self.error("invalid port number"));
                }
                self.pos += 1;
                Ok(n as u16)
            }
            Some(Tok::Word(w)) => {
                let p = match w.as_str() {
                    "ftp" => 21,
                    "ssh" => 22,
                    "smtp" => 25,
                    "domain" => 53,
                    "http" | "www" => 80,
                    "https" => 443,
                    _ => return Err(self.error("invalid port number")),
                };
                self.pos += 1;
                Ok(p)
            }
            _ => Err(self.syntax()),
        }
    }

    /// `hostname`: a dotted IPv4 address or a plain number (0 is "any").
    fn host(&mut self) -> PResult<u32> {
        let w = self.word()?;
        if w.chars().all(|c| c.is_ascii_digit()) {
            return w.parse::<u32>().map_err(|_| {
                self.pos -= 1;
                self.syntax()
            });
        }
        if let Ok(a) = w.parse::<Ipv4Addr>() {
            return Ok(u32::from(a));
        }
        self.pos -= 1;
        if w.contains(':') || w.parse::<std::net::Ipv6Addr>().is_ok() {
            return Err(self.error("IPv6 rules are not simulated;"));
        }
        Err(self.error("Unknown hostname"))
    }

    /// `addr`: `any`, `host`, `host/N`, `host/a.b.c.d`, `host/0xHEX`,
    /// `host mask|netmask a.b.c.d|0xHEX`. The address is masked.
    fn addr(&mut self) -> PResult<(u32, u32)> {
        if self.eat_word("any") {
            return Ok((0, 0));
        }
        let a = self.host()?;
        let mask = if self.eat_sym('/') || self.eat_word("mask") || self.eat_word("netmask") {
            let w = self.word()?;
            if let Some(hex) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
                u32::from_str_radix(hex, 16).map_err(|_| {
                    self.pos -= 1;
                    self.syntax()
                })?
            } else if let Ok(m) = w.parse::<Ipv4Addr>() {
                u32::from(m)
            } else if let Ok(n) = w.parse::<u32>() {
                if n > 32 {
                    self.pos -= 1;
                    return Err(self.error("invalid mask"));
                }
                if n == 0 { 0 } else { u32::MAX << (32 - n) }
            } else {
                self.pos -= 1;
                return Err(self.syntax());
            }
        } else {
            u32::MAX
        };
        Ok((a & mask, mask))
    }

    fn proto(&mut self) -> PResult<(u8, String)> {
        let w = self.word()?;
        Ok(match w.as_str() {
            "tcp" => (6, w),
            "udp" => (17, w),
            "icmp" => (1, w),
            "ip" => (0, w),
            n if n.chars().all(|c| c.is_ascii_digit()) => {
                let v: u8 = n.parse().map_err(|_| self.syntax())?;
                let name = match v {
                    1 => "icmp".to_string(),
                    6 => "tcp".to_string(),
                    17 => "udp".to_string(),
                    _ => v.to_string(),
                };
                (v, name)
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("unknown protocol"));
            }
        })
    }

    fn set_proto(nat: &mut Nat, p: u8, name: String) {
        nat.tcp = p == 6;
        nat.udp = p == 17;
        if p != 6 && p != 17 {
            nat.pmin = 0;
            nat.pmax = 0;
            nat.pnext = 0;
        }
        nat.proto = Some((p, name));
    }

    /// `tcpudp` after `portmap`.
    fn tcpudp(&mut self, nat: &mut Nat) -> PResult<()> {
        if self.eat_word("tcpudp") {
            nat.tcp = true;
            nat.udp = true;
        } else if self.eat_word("tcp") {
            if self.eat_sym('/') {
                if !self.eat_word("udp") {
                    return Err(self.syntax());
                }
                nat.tcp = true;
                nat.udp = true;
            } else {
                Self::set_proto(nat, 6, "tcp".into());
            }
        } else if self.eat_word("udp") {
            Self::set_proto(nat, 17, "udp".into());
        }
        Ok(())
    }

    /// The options after a map or rdr rule, in the grammar's order.
    fn options(&mut self, nat: &mut Nat, rdr: bool) -> PResult<()> {
        if self.eat_word("round-robin") {
            nat.round_robin = true;
        }
        if self.eat_word("frag") {
            nat.frag = true;
        }
        if self.eat_word("age") {
            let a = self.number()?;
            let b = if self.eat_sym('/') { self.number()? } else { a };
            nat.age = (a, b);
        }
        if rdr && self.eat_word("sticky") {
            nat.sticky = true;
        }
        if self.eat_word("mssclamp") {
            nat.mssclamp = self.number()?;
        }
        if self.is_word("proxy") {
            return Err(self.error("proxy rules are not simulated;"));
        }
        if self.eat_word("tag") {
            nat.tag = self.word()?;
        }
        if !rdr && !nat.tcp && !nat.udp && nat.proto.is_none() {
            if self.eat_word("tcpudp") {
                nat.tcp = true;
                nat.udp = true;
            } else if self.is_word("tcp")
                || self.is_word("udp")
                || self.is_word("icmp")
                || matches!(self.peek(), Some(Tok::Word(w)) if w.chars().all(|c| c.is_ascii_digit()))
            {
                if self.is_word("tcp") {
                    self.pos += 1;
                    if self.eat_sym('/') {
                        if !self.eat_word("udp") {
                            return Err(self.syntax());
                        }
                        nat.tcp = true;
                        nat.udp = true;
                    } else {
                        Self::set_proto(nat, 6, "tcp".into());
                    }
                } else {
                    let (p, n) = self.proto()?;
                    Self::set_proto(nat, p, n);
                }
            }
        }
        Ok(())
    }

    fn ifnames(&mut self, nat: &mut Nat) -> PResult<()> {
        nat.ifnames.0 = self.word()?;
        if self.eat_sym(',') {
            nat.ifnames.1 = self.word()?;
        } else {
            nat.ifnames.1 = nat.ifnames.0.clone();
        }
        Ok(())
    }

    fn map(&mut self, kind: &'static str) -> PResult<Nat> {
        let mut nat = Nat {
            redir: kind,
            ..Nat::default()
        };
        self.ifnames(&mut nat)?;
        if self.is_word("from") || self.eat_sym('!') {
            return Err(self.error("from/to rules are not simulated;"));
        }
        nat.in_addr = self.addr()?;
        if self.peek() != Some(&Tok::Arrow) {
            return Err(self.syntax());
        }
        self.pos += 1;
        if self.is_word("range") {
            return Err(self.error("range rules are not simulated;"));
        }
        nat.out_addr = self.addr()?;
        if self.eat_word("portmap") {
            self.tcpudp(&mut nat)?;
            if self.eat_word("auto") {
                nat.auto_portmap = true;
                nat.pmin = 1024;
                nat.pmax = 65535;
            } else {
                nat.pmin = self.port()?;
                if !self.eat_sym(':') {
                    return Err(self.syntax());
                }
                nat.pmax = self.port()?;
            }
            if self.eat_word("sequential") {
                nat.sequential = true;
            }
        } else if self.is_word("icmpidmap") {
            return Err(self.error("icmpidmap rules are not simulated;"));
        }
        self.options(&mut nat, false)?;
        Ok(nat)
    }

    fn rdr(&mut self) -> PResult<Nat> {
        let mut nat = Nat {
            redir: "rdr",
            ..Nat::default()
        };
        self.ifnames(&mut nat)?;
        if self.is_word("from") || self.eat_sym('!') {
            return Err(self.error("from/to rules are not simulated;"));
        }
        nat.out_addr = self.addr()?;
        if self.eat_word("port") {
            nat.pmin = self.port()?;
            nat.pmax = if self.eat_sym(':') || self.eat_sym('-') {
                self.port()?
            } else {
                nat.pmin
            };
        }
        if self.peek() != Some(&Tok::Arrow) {
            return Err(self.syntax());
        }
        self.pos += 1;
        let ip = self.host()?;
        nat.in_addr = (ip, u32::MAX);
        if self.eat_sym(',') {
            nat.split = Some(self.host()?);
        } else if self.eat_sym('/') {
            let n = self.number()?;
            if ip != 0 || (n != 0 && n != 32) {
                self.pos -= 1;
                return Err(self.error("Invalid mask for dip"));
            }
            nat.in_addr.1 = if n == 0 { 0 } else { u32::MAX };
        }
        if nat.pmin != 0 || self.is_word("port") {
            if !self.eat_word("port") {
                return Err(self.syntax());
            }
            if self.eat_sym('=') {
                nat.fixed_dport = true;
            }
            nat.pnext = self.port()?;
        }
        // setproto
        if self.eat_word("tcpudp") {
            nat.tcp = true;
            nat.udp = true;
        } else if self.is_word("tcp") {
            self.pos += 1;
            if self.eat_sym('/') {
                if !self.eat_word("udp") {
                    return Err(self.syntax());
                }
                nat.tcp = true;
                nat.udp = true;
            } else {
                Self::set_proto(&mut nat, 6, "tcp".into());
            }
        } else if self.is_word("udp")
            || self.is_word("icmp")
            || matches!(self.peek(), Some(Tok::Word(w)) if w.chars().all(|c| c.is_ascii_digit()))
        {
            let (p, n) = self.proto()?;
            Self::set_proto(&mut nat, p, n);
        }
        self.options(&mut nat, true)?;
        if nat.proto.is_none() && !(nat.tcp && nat.udp) && (nat.pmin != 0 || nat.pnext != 0) {
            Self::set_proto(&mut nat, 6, "tcp".into());
        }
        Ok(nat)
    }
}

fn mask_text(mask: u32) -> String {
    let ones = mask.leading_ones();
    if mask.checked_shl(ones).unwrap_or(0) == 0 {
        format!("/{ones}")
    } else {
        format!("/{}", Ipv4Addr::from(mask))
    }
}

fn proto_text(nat: &Nat) -> String {
    if nat.tcp && nat.udp {
        "tcp/udp".into()
    } else if nat.tcp {
        "tcp".into()
    } else if nat.udp {
        "udp".into()
    } else {
        match &nat.proto {
            Some((0, _)) | None => "ip".into(),
            Some((_, name)) => name.clone(),
        }
    }
}

/// printnat(): the rule as `ipnat -l` shows it.
fn print(nat: &Nat) -> String {
    let mut s = String::from(nat.redir);
    s.push(' ');
    s.push_str(&nat.ifnames.0);
    if !nat.ifnames.1.is_empty() && nat.ifnames.1 != nat.ifnames.0 {
        s.push_str(&format!(",{} ", nat.ifnames.1));
    }
    s.push(' ');
    let tcpudp = nat.tcp || nat.udp;
    if nat.redir == "rdr" {
        s.push_str(&Ipv4Addr::from(nat.out_addr.0).to_string());
        s.push_str(&mask_text(nat.out_addr.1));
        if tcpudp {
            s.push_str(&format!(" port {}", nat.pmin));
            if nat.pmax != nat.pmin {
                s.push_str(&format!("-{}", nat.pmax));
            }
        }
        s.push_str(" -> ");
        s.push_str(&Ipv4Addr::from(nat.in_addr.0).to_string());
        if let Some(b) = nat.split {
            s.push(',');
            s.push_str(&Ipv4Addr::from(b).to_string());
        }
        if nat.in_addr.0 == 0 {
            s.push_str(&mask_text(nat.in_addr.1));
        }
        if tcpudp {
            if nat.fixed_dport {
                s.push_str(&format!(" port = {}", nat.pnext));
            } else {
                s.push_str(&format!(" port {}", nat.pnext));
            }
        }
        s.push(' ');
        s.push_str(&proto_text(nat));
        if nat.round_robin {
            s.push_str(" round-robin");
        }
        if nat.frag {
            s.push_str(" frag");
        }
        if nat.age != (0, 0) {
            s.push_str(&format!(" age {}/{}", nat.age.0, nat.age.1));
        }
        if nat.sticky {
            s.push_str(" sticky");
        }
        if nat.mssclamp != 0 {
            s.push_str(&format!(" mssclamp {}", nat.mssclamp));
        }
        if !nat.tag.is_empty() {
            s.push_str(&format!(" tag {}", nat.tag));
        }
        return s;
    }
    s.push_str(&Ipv4Addr::from(nat.in_addr.0).to_string());
    s.push_str(&mask_text(nat.in_addr.1));
    s.push_str(" -> ");
    s.push_str(&Ipv4Addr::from(nat.out_addr.0).to_string());
    s.push_str(&mask_text(nat.out_addr.1));
    if nat.pmin != 0 || nat.pmax != 0 {
        s.push_str(" portmap ");
        s.push_str(&proto_text(nat));
        if nat.auto_portmap {
            s.push_str(" auto");
        } else {
            s.push_str(&format!(" {}:{}", nat.pmin, nat.pmax));
        }
    } else if tcpudp || nat.proto.as_ref().is_some_and(|(p, _)| *p != 0) {
        s.push(' ');
        s.push_str(&proto_text(nat));
    }
    if nat.frag {
        s.push_str(" frag");
    }
    if nat.age != (0, 0) {
        s.push_str(&format!(" age {}/{}", nat.age.0, nat.age.1));
    }
    if nat.mssclamp != 0 {
        s.push_str(&format!(" mssclamp {}", nat.mssclamp));
    }
    if !nat.tag.is_empty() {
        s.push_str(&format!(" tag {}", nat.tag));
    }
    if nat.sequential {
        s.push_str(" sequential");
    }
    s
}

/// Parses ipnat.conf text as `ipnat -f` does: rule after rule, stopping at
/// the first error.
pub fn parse(text: &str) -> Parsed {
    let mut p = Parser {
        toks: tokens(text),
        pos: 0,
        eof_line: 1 + text.matches('\n').count(),
    };
    let mut out = Parsed::default();
    while let Some(t) = p.peek().cloned() {
        let res = match &t {
            Tok::Word(w) if w == "map" || w == "bimap" => {
                p.pos += 1;
                p.map(if w == "map" { "map" } else { "bimap" })
            }
            Tok::Word(w) if w == "rdr" => {
                p.pos += 1;
                p.rdr()
            }
            Tok::Word(w) if w == "map-block" => Err(p.error("map-block rules are not simulated;")),
            _ => Err(p.syntax()),
        };
        match res {
            Ok(nat) => {
                p.eat_sym(';');
                let line = p.toks[p.pos - 1].1;
                out.rules.push(Rule {
                    printed: print(&nat),
                    line,
                });
            }
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
    }
    out
}

fn usage(ctx: &Ctx) -> Exit {
    ctx.err(&format!(
        "Usage: {} [-CdFhlnrRsv] [-f filename] [-G|-z zonename]\n",
        argv0("ipnat")
    ));
    Exit(1)
}

pub fn run(ctx: &mut Ctx, args: &[String]) -> i32 {
    match main(ctx, args) {
        Ok(()) => 0,
        Err(Exit(code)) => code,
    }
}

fn main(ctx: &mut Ctx, args: &[String]) -> Result<(), Exit> {
    let mut opts: Vec<char> = Vec::new();
    let mut file: Option<String> = None;
    let mut g = Getopt::new(args, "CdFf:G:hlM:N:nrRsvz:", 0);
    for o in g.by_ref() {
        match o {
            Opt::Flag('f', Some(f)) => file = Some(f),
            Opt::Flag(c @ ('G' | 'M' | 'N' | 'z' | 'd'), _) => {
                ctx.err(&format!("ipnat: -{c} is not simulated\n"));
                return Err(Exit(1));
            }
            Opt::Flag(c, _) => opts.push(c),
            Opt::Unknown(c) => {
                ctx.err(&format!("{}: illegal option -- {c}\n", argv0("ipnat")));
                return Err(usage(ctx));
            }
            Opt::MissingArg(c) => {
                ctx.err(&format!(
                    "{}: option requires an argument -- {c}\n",
                    argv0("ipnat")
                ));
                return Err(usage(ctx));
            }
        }
    }
    let has = |c: char| opts.contains(&c);
    let sub = if file.is_some() {
        "load"
    } else if has('C') || has('F') {
        "flush"
    } else {
        "list"
    };
    if let Some(f) = ctx.fault("ipnat", sub, None).failure {
        let msg = f
            .message
            .unwrap_or_else(|| "/dev/ipnat: open: Permission denied".into());
        ctx.err(&format!("{msg}\n"));
        return Err(Exit(f.exit));
    }
    // The file is read before the state is locked.
    let text = match &file {
        None => None,
        Some(f) if f == "-" => Some(Ok(ctx.read_stdin_all())),
        Some(f) => Some(std::fs::read_to_string(f).map_err(|e| (f.clone(), e))),
    };
    let donothing = has('n');
    let st = ctx.store.read().map_err(|e| {
        ctx.err(&format!("ipnat: cannot read state: {e}\n"));
        Exit(1)
    })?;
    let running = st.smf.get(IPFILTER).is_some_and(|i| i.state == ONLINE);
    if !donothing && !running {
        ctx.err("ioctl(SIOCGNATS): I/O error\n");
        return Err(Exit(1));
    }
    let mut out = String::new();
    let mut err = String::new();
    let mut failed = false;
    let res = ctx.store.update(|st| {
        if has('F') {
            out.push_str("0 entries flushed from NAT table\n");
        }
        if has('C') {
            let n = if donothing { 0 } else { st.nat.rules.len() };
            if !donothing {
                st.nat.rules.clear();
            }
            out.push_str(&format!("{n} entries flushed from NAT list\n"));
        }
        match &text {
            None => {}
            Some(Err((f, e))) => {
                err.push_str(&format!(
                    "fopen({f}) failed: {}\n",
                    crate::ctx::strerror(e)
                ));
            }
            Some(Ok(text)) => {
                let parsed = parse(text);
                for r in &parsed.rules {
                    if has('v') {
                        out.push_str(&r.printed);
                        out.push('\n');
                    }
                    if donothing {
                        continue;
                    }
                    if has('r') {
                        if let Some(i) = st.nat.rules.iter().position(|x| *x == r.printed) {
                            st.nat.rules.remove(i);
                        } else {
                            err.push_str(&format!(
                                "{}:ioctl(delete nat rule): No such process\n",
                                r.line
                            ));
                        }
                    } else if st.nat.rules.contains(&r.printed) {
                        err.push_str(&format!(
                            "{}:ioctl(add/insert nat rule): File exists\n",
                            r.line
                        ));
                    } else {
                        st.nat.rules.push(r.printed.clone());
                    }
                }
                if let Some(e) = parsed.error {
                    err.push_str(&e);
                    failed = true;
                }
            }
        }
        if failed {
            return;
        }
        if has('s') {
            out.push_str(&format!(
                "mapped\tin\t0\tout\t0\nadded\t0\texpired\t0\nno memory\t0\tbad nat\t0\ninuse\t0\norphans\t0\nrules\t{}\nwilds\t0\n",
                st.nat.rules.len()
            ));
        }
        if has('l') {
            out.push_str("List of active MAP/Redirect filters:\n");
            for r in &st.nat.rules {
                if has('h') {
                    out.push_str("0 ");
                }
                out.push_str(r);
                out.push('\n');
            }
            out.push_str("\nList of active sessions:\n");
        }
    });
    if let Err(e) = res {
        ctx.err(&format!("ipnat: cannot update state: {e}\n"));
        return Err(Exit(1));
    }
    ctx.out(&out);
    ctx.err(&err);
    if failed {
        return Err(Exit(1));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(text: &str) -> Vec<String> {
        let p = parse(text);
        assert_eq!(p.error, None, "{text}");
        p.rules.into_iter().map(|r| r.printed).collect()
    }

    #[test]
    fn map_rules_print_like_printnat() {
        assert_eq!(
            printed(
                "# NAT for pool lab\nmap e1000g0 192.168.100.0/24 -> 0/32 portmap tcp/udp auto\nmap e1000g0 192.168.100.0/24 -> 0/32\n"
            ),
            vec![
                "map e1000g0 192.168.100.0/24 -> 0.0.0.0/32 portmap tcp/udp auto",
                "map e1000g0 192.168.100.0/24 -> 0.0.0.0/32",
            ]
        );
        assert_eq!(
            printed("map igb0 10.1.2.3/16 -> 203.0.113.5/32 portmap tcp 1025:65000\n"),
            vec!["map igb0 10.1.0.0/16 -> 203.0.113.5/32 portmap tcp 1025:65000"]
        );
        assert_eq!(
            printed("map a0,b0 10.0.0.0 netmask 255.255.0.0 -> 0/32 udp\n"),
            vec!["map a0,b0  10.0.0.0/16 -> 0.0.0.0/32 udp"]
        );
        assert_eq!(
            printed("bimap e1000g0 10.0.0.5/32 -> 203.0.113.9/32\n"),
            vec!["bimap e1000g0 10.0.0.5/32 -> 203.0.113.9/32"]
        );
        assert_eq!(
            printed("map e0 10.0.0.0/255.0.255.0 -> 0/32\n"),
            vec!["map e0 10.0.0.0/255.0.255.0 -> 0.0.0.0/32"]
        );
    }

    #[test]
    fn rdr_rules() {
        assert_eq!(
            printed("rdr e1000g0 203.0.113.5/32 port 80 -> 10.0.0.5 port 8080\n"),
            vec!["rdr e1000g0 203.0.113.5/32 port 80 -> 10.0.0.5 port 8080 tcp"]
        );
    }

    #[test]
    fn errors_like_yyerror() {
        let p = parse("map e1000g0 10.0.0.0/24 -> 0/32\nmap e1000g0 10.0.0.0/24 => 0/32\n");
        assert_eq!(p.rules.len(), 1);
        assert_eq!(
            p.error.as_deref(),
            Some("syntax error error at \"=\", line 2\n")
        );
        let p = parse("map e1000g0 10.0.0.0/40 -> 0/32\n");
        assert_eq!(
            p.error.as_deref(),
            Some("invalid mask error at \"40\", line 1\n")
        );
        let p = parse("map e1000g0\n");
        assert_eq!(
            p.error.as_deref(),
            Some("syntax error error at \"\", line 2\n")
        );
    }
}
