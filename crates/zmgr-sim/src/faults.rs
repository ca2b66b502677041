//! Fault and delay injection from `STATE/faults`.
//!
//! One rule a line: `TOOL SUBCOMMAND [zone=NAME] [fail] [delay=SECONDS]
//! [times=N] [exit=N] [message=TEXT…]`. `*` matches any tool or
//! subcommand; `message=` takes the rest of the line; `times=N` limits a
//! rule to the first N invocations it matches. Every matching rule's delay
//! is added up; the first matching rule that fails decides the failure.

use std::path::Path;
use std::time::Duration;

pub const FAULTS_FILE: &str = "faults";

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub tool: String,
    pub sub: String,
    pub zone: Option<String>,
    pub fail: bool,
    pub delay: Duration,
    pub exit: Option<i32>,
    pub message: Option<String>,
    /// How many matching invocations the rule applies to.
    pub times: Option<u32>,
    /// The rule's line, which names its use counter.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub exit: i32,
    /// The message the rule gave, if any; the tool supplies its own default.
    pub message: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub delay: Duration,
    pub failure: Option<Failure>,
}

#[derive(Clone, Debug, Default)]
pub struct Faults {
    rules: Vec<Rule>,
}

impl Faults {
    pub fn load(dir: &Path) -> Result<Faults, String> {
        let path = dir.join(FAULTS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Faults::parse(&text).map_err(|e| format!("{}:{e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Faults::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    pub fn parse(text: &str) -> Result<Faults, String> {
        let mut rules = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            rules.push(parse_rule(line).map_err(|e| format!("{}: {e}", i + 1))?);
        }
        Ok(Faults { rules })
    }

    /// The rules that match `tool sub` acting on `zone`, in file order.
    pub fn matching(&self, tool: &str, sub: &str, zone: Option<&str>) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| {
                (r.tool == "*" || r.tool == tool)
                    && (r.sub == "*" || r.sub == sub)
                    && match &r.zone {
                        None => true,
                        Some(z) => Some(z.as_str()) == zone,
                    }
            })
            .collect()
    }

    /// The effect of the rules on `tool sub` acting on `zone`. `use_limited`
    /// is asked whether a rule with `times=` still applies (and counts the
    /// use); rules without a limit always apply.
    pub fn check(
        &self,
        tool: &str,
        sub: &str,
        zone: Option<&str>,
        mut use_limited: impl FnMut(&Rule) -> bool,
    ) -> Outcome {
        let mut out = Outcome::default();
        for r in self.matching(tool, sub, zone) {
            if r.times.is_some() && !use_limited(r) {
                continue;
            }
            out.delay += r.delay;
            if r.fail && out.failure.is_none() {
                out.failure = Some(Failure {
                    exit: r.exit.unwrap_or(1),
                    message: r.message.clone(),
                });
            }
        }
        out
    }
}

fn parse_rule(line: &str) -> Result<Rule, String> {
    let mut rest = line;
    let next_word = |rest: &mut &str| -> Option<String> {
        let s = rest.trim_start();
        if s.is_empty() {
            return None;
        }
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        let w = s[..end].to_string();
        *rest = &s[end..];
        Some(w)
    };
    let tool = next_word(&mut rest).ok_or("missing tool")?;
    let sub = next_word(&mut rest).ok_or("missing subcommand")?;
    let mut rule = Rule {
        tool,
        sub,
        zone: None,
        fail: false,
        delay: Duration::ZERO,
        exit: None,
        message: None,
        times: None,
        text: line.to_string(),
    };
    let mut has_delay = false;
    loop {
        let trimmed = rest.trim_start();
        if let Some(msg) = trimmed.strip_prefix("message=") {
            rule.message = Some(msg.trim_end().to_string());
            break;
        }
        let Some(w) = next_word(&mut rest) else {
            break;
        };
        if w == "fail" {
            rule.fail = true;
        } else if let Some(z) = w.strip_prefix("zone=") {
            rule.zone = Some(z.to_string());
        } else if let Some(d) = w.strip_prefix("delay=") {
            let secs: f64 = d
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| format!("bad delay '{d}'"))?;
            rule.delay = Duration::from_secs_f64(secs);
            has_delay = true;
        } else if let Some(t) = w.strip_prefix("times=") {
            rule.times = Some(t.parse().map_err(|_| format!("bad count '{t}'"))?);
        } else if let Some(e) = w.strip_prefix("exit=") {
            rule.exit = Some(e.parse().map_err(|_| format!("bad exit status '{e}'"))?);
        } else {
            return Err(format!("unknown word '{w}'"));
        }
    }
    // A rule without a delay is a failure rule.
    if !has_delay {
        rule.fail = true;
    }
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches_in_order() {
        let f = Faults::parse(
            "# comment\n\nzoneadm install zone=web1 exit=3 message=pkg: no route to host\n\
             zoneadm install delay=0.5\nzoneadm * delay=0.25\ndladm create-vnic\n",
        )
        .unwrap();
        let o = f.check("zoneadm", "install", Some("web1"), |_| true);
        assert_eq!(o.delay, Duration::from_millis(750));
        assert_eq!(
            o.failure,
            Some(Failure {
                exit: 3,
                message: Some("pkg: no route to host".into())
            })
        );
        let o = f.check("zoneadm", "install", Some("web2"), |_| true);
        assert_eq!(o.failure, None);
        assert_eq!(o.delay, Duration::from_millis(750));
        let o = f.check("dladm", "create-vnic", None, |_| true);
        assert_eq!(
            o.failure,
            Some(Failure {
                exit: 1,
                message: None
            })
        );
        assert_eq!(
            f.check("dladm", "delete-vnic", None, |_| true),
            Outcome::default()
        );
    }

    #[test]
    fn delay_with_fail() {
        let f = Faults::parse("zonecfg commit delay=1 fail\n").unwrap();
        let o = f.check("zonecfg", "commit", Some("z"), |_| true);
        assert_eq!(o.delay, Duration::from_secs(1));
        assert!(o.failure.is_some());
    }

    #[test]
    fn limited_rules_ask_before_applying() {
        let f = Faults::parse("dladm create-vnic times=1\n").unwrap();
        assert!(
            f.check("dladm", "create-vnic", None, |_| true)
                .failure
                .is_some()
        );
        assert!(
            f.check("dladm", "create-vnic", None, |_| false)
                .failure
                .is_none()
        );
        assert!(Faults::parse("dladm create-vnic times=x\n").is_err());
    }

    #[test]
    fn rejects_bad_rules() {
        assert!(Faults::parse("zoneadm\n").is_err());
        assert!(Faults::parse("zoneadm boot delay=x\n").is_err());
        assert!(Faults::parse("zoneadm boot bogus\n").is_err());
    }
}
