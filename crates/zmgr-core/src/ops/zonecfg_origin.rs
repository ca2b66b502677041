//! When zonecfg refuses the command file that configures a new zone, it names a line of a
//! file the person never saw (zmgr writes it to zonecfg's standard input). This finds the
//! line of the template that produced it, so the error points there.

use crate::command::ExecError;
use crate::error::{Error, Problem};
use crate::host::zonecfg::{LineOrigin, Script, failed_line};
use crate::kdl::Spanned;
use crate::model::template::Template;

/// The error for a failed `zonecfg -f -`: pointing at the template line behind the line
/// zonecfg stopped at, or naming who wrote it (zmgr, a pre-install hook); the tool's error
/// as it was when its output names no line.
pub fn explain(cause: ExecError, script: &Script, template: Option<&Template>) -> Error {
    let Some((n, said, origin, line)) =
        cause.stderr().and_then(failed_line).and_then(|(n, said)| {
            script
                .origin_of(n)
                .map(|(o, l)| (n, said, o, l.to_string()))
        })
    else {
        return Error::Command(cause);
    };
    let said = crate::text::shown(&said);
    let problem = if line == "commit" {
        // Checks of the whole configuration (verify) run at commit: point at what the
        // template adds to it, if anything.
        let message = format!(
            "zonecfg refused the zone's configuration as a whole when committing it (line {n}): {said}"
        );
        match template.and_then(zonecfg_node) {
            Some((t, span)) => Problem::error(message).at(&t.file, span, "with these settings"),
            None => Problem::error(message),
        }
    } else {
        let message = format!(
            "zonecfg refused line {n} of the zone's configuration, `{}`: {said}",
            crate::text::shown(&line)
        );
        match (origin, template) {
            (LineOrigin::Zmgr, _) => Problem::error(format!(
                "{message} (zmgr writes that line itself, from the zone's brand, zonepath, ip-type or net)"
            )),
            (origin, Some(t)) => match locate(t, origin) {
                Some(at) => Problem::error(message).at(&t.file, at.span, at.value),
                None => Problem::error(format!("{message} (a pre-install hook added that line)")),
            },
            (_, None) => Problem::error(message),
        }
    };
    Error::Refused {
        problem: Box::new(problem.with_help(format!("{cause}"))),
        cause,
    }
}

/// The span of the template's `zonecfg` node (its name), when it has one.
fn zonecfg_node(t: &Template) -> Option<(&Template, miette::SourceSpan)> {
    let doc = crate::kdl::parse(&t.file).ok()?;
    let node = doc
        .nodes()
        .iter()
        .find(|n| n.name().value() == "template")?
        .children()?
        .nodes()
        .iter()
        .find(|n| n.name().value() == "zonecfg")?;
    Some((t, node.name().span()))
}

/// The head of a node: its name and arguments, without its children block.
fn head(node: &kdl::KdlNode) -> miette::SourceSpan {
    let start = node.span().offset();
    let end = node
        .entries()
        .iter()
        .map(|e| e.span().offset() + e.span().len())
        .max()
        .unwrap_or(node.name().span().offset() + node.name().span().len());
    (start, end.saturating_sub(start)).into()
}

/// The node of `template` that a command-file line came from, with a label; `None` for what
/// pre-install hooks added (they come after the template's own attrs and resources).
fn locate(template: &Template, origin: LineOrigin) -> Option<Spanned<String>> {
    let doc = crate::kdl::parse(&template.file).ok()?;
    let zonecfg = doc
        .nodes()
        .iter()
        .find(|n| n.name().value() == "template")?
        .children()?
        .nodes()
        .iter()
        .find(|n| n.name().value() == "zonecfg")?
        .children()?;
    let nth = |kind: &str, i: usize| {
        zonecfg
            .nodes()
            .iter()
            .filter(move |n| n.name().value() == kind)
            .nth(i)
    };
    let extras = &template.zonecfg;
    let (node, label) = match origin {
        LineOrigin::Zmgr => return None,
        LineOrigin::Property(i) => (nth("property", i)?, "this property".to_string()),
        LineOrigin::Attr(i) if i < extras.attrs.len() => (nth("attr", i)?, "this attr".into()),
        LineOrigin::Resource(i, k) if i < extras.resources.len() => {
            let resource = nth("resource", i)?;
            match k {
                None => (resource, "this resource".into()),
                Some(k) => {
                    // Properties are kept in the order of zmgr's table, not the file's: find
                    // the k-th by name and by how many of that name came before it.
                    let props = &extras.resources[i].properties;
                    let name = &props.get(k)?.name;
                    let before = props[..k].iter().filter(|p| &p.name == name).count();
                    let node = resource
                        .children()?
                        .nodes()
                        .iter()
                        .filter(|n| n.name().value() == name)
                        .nth(before)?;
                    (node, format!("this `{name}`"))
                }
            }
        }
        LineOrigin::Attr(_) | LineOrigin::Resource(..) => return None,
    };
    Some(Spanned::new(label, head(node)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SourceFile;
    use crate::host::zonecfg::{ZoneSpec, create_command_file};

    const TEMPLATE: &str = r#"template "web" {
    brand "ipkg"
    zonecfg {
        property "scheduling-class" "FSS"
        attr "owner" "ops"
        resource "capped-memory" {
            swap "2G"
            physical "1G"
        }
        resource "rctl" {
            name "zone.max-lwps"
            value priv="privileged" limit=2000 action="deny"
            value priv="privileged" limit=3000 action="none"
        }
    }
}
"#;

    fn template() -> Template {
        let file = SourceFile::new("templates/web.kdl", TEMPLATE.to_string());
        let doc = crate::kdl::parse(&file).unwrap();
        let mut problems = Vec::new();
        let t = Template::decode(&file, &doc, &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        t
    }

    fn script(t: &Template) -> Script {
        create_command_file(&ZoneSpec {
            brand: "ipkg",
            zonepath: "/zones/w1",
            autoboot: true,
            ip_type: crate::model::template::IpType::Exclusive,
            nets: vec![crate::host::zonecfg::SpecNet {
                physical: "w1_0".into(),
                address: Some("192.0.2.10/24".into()),
                defrouter: None,
            }],
            extras: &t.zonecfg,
        })
        .unwrap()
    }

    fn failed(stderr: &str) -> ExecError {
        ExecError::Failed {
            command: "zonecfg -z w1 -f -".into(),
            status: "exit status 1".into(),
            code: Some(1),
            stdout: String::new(),
            stderr: stderr.into(),
        }
    }

    /// The line of the template a problem points at, and the problem's message.
    fn pointed(e: &Error) -> (Option<usize>, String) {
        let Error::Refused { problem, .. } = e else {
            panic!("not a refusal: {e:?}");
        };
        let line = problem
            .position()
            .map(|p| p.split(':').nth(1).unwrap().parse().unwrap());
        (line, problem.to_string())
    }

    #[test]
    fn each_line_of_the_command_file_points_at_the_template_line_behind_it() {
        let t = template();
        let s = script(&t);
        let text = s.text();
        let line_of = |needle: &str| text.lines().position(|l| l == needle).unwrap() + 1;
        for (command_line, template_line) in [
            ("set scheduling-class=\"FSS\"", 4),
            ("set value=\"ops\"", 5),
            ("add capped-memory", 6),
            ("set physical=\"1G\"", 8),
            ("set swap=\"2G\"", 7),
            ("add value (priv=privileged,limit=3000,action=none)", 13),
            ("set name=\"zone.max-lwps\"", 11),
        ] {
            let n = line_of(command_line);
            let e = explain(
                failed(&format!("On line {n}:\nzonecfg: invalid value\n")),
                &s,
                Some(&t),
            );
            let (line, message) = pointed(&e);
            assert_eq!(line, Some(template_line), "{command_line}: {message}");
            assert!(message.contains(&format!("line {n} ")), "{message}");
            assert!(message.contains(command_line), "{message}");
        }
    }

    #[test]
    fn lines_zmgr_writes_and_output_without_a_line_say_so() {
        let t = template();
        let s = script(&t);
        let e = explain(failed("On line 3:\nzonepath: bad\n"), &s, Some(&t));
        let (line, message) = pointed(&e);
        assert_eq!(line, None);
        assert!(
            message.contains("zmgr writes that line itself"),
            "{message}"
        );
        let commit = s.text().lines().count();
        let e = explain(
            failed(&format!(
                "On line {commit}:\nrctl zone.cpu-shares and dedicated-cpu are incompatible.\n"
            )),
            &s,
            Some(&t),
        );
        let (line, message) = pointed(&e);
        assert_eq!(line, Some(3), "the template's zonecfg node");
        assert!(
            message.contains(&format!(
                "as a whole when committing it (line {commit}): rctl zone.cpu-shares"
            )),
            "{message}"
        );
        // No line number, or one past the end: the tool's own error.
        for stderr in ["zonecfg: something else\n", "On line 999:\nx\n", ""] {
            assert!(matches!(
                explain(failed(stderr), &s, Some(&t)),
                Error::Command(_)
            ));
        }
    }

    #[test]
    fn what_a_hook_added_is_named_as_the_hook_s() {
        let t = template();
        let mut extras = t.zonecfg.clone();
        extras.attrs.push(crate::model::template::Attr {
            name: "role".into(),
            ty: "string".into(),
            value: "web".into(),
        });
        let s = create_command_file(&ZoneSpec {
            brand: "ipkg",
            zonepath: "/zones/w1",
            autoboot: true,
            ip_type: crate::model::template::IpType::Exclusive,
            nets: vec![crate::host::zonecfg::SpecNet {
                physical: "w1_0".into(),
                address: None,
                defrouter: None,
            }],
            extras: &extras,
        })
        .unwrap();
        let n = s
            .text()
            .lines()
            .position(|l| l == "set value=\"web\"")
            .unwrap()
            + 1;
        let e = explain(failed(&format!("On line {n}:\nbad\n")), &s, Some(&t));
        assert!(
            pointed(&e)
                .1
                .contains("(a pre-install hook added that line)")
        );
    }
}
