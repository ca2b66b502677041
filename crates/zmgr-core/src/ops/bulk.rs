//! Several zones at once: `boot`, `halt`, `shutdown`, `reboot` and `destroy` take zone names
//! and the selectors `--all-of-template T` and `--pool P`, and run the operation on each zone
//! in parallel, at most `jobs` at a time. Each zone gets its own outcome; one failing does not
//! stop the others.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::model::zone::ZoneEntry;
use crate::ops::progress::Silent;
use crate::ops::session::Session;
use crate::store::needs::{Needs, Want};
use crate::store::registry::Registry;

/// How many zones are handled at once unless `--jobs` says otherwise.
pub const DEFAULT_JOBS: usize = 8;

/// The most `--jobs` may ask for.
pub const MAX_JOBS: usize = 64;

/// Which zones a verb acts on: the names given, and the zones that match every selector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub names: Vec<String>,
    /// `--all-of-template T`: the zones made from template T.
    pub template: Option<String>,
    /// `--pool P`: the zones holding an address of pool P.
    pub pool: Option<String>,
}

impl Selection {
    pub fn has_selector(&self) -> bool {
        self.template.is_some() || self.pool.is_some()
    }

    /// Exactly one zone named, and no selector: the verb behaves as it does for one zone.
    pub fn single(&self) -> Option<&str> {
        match self.names.as_slice() {
            [one] if !self.has_selector() => Some(one),
            _ => None,
        }
    }

    /// What a verb over this selection reads: the named entries, or every entry when a
    /// selector must look at them all.
    pub fn needs(&self) -> Needs {
        Needs {
            config: true,
            zones: if self.has_selector() {
                Want::All
            } else {
                Want::named(self.names.iter().map(String::as_str))
            },
            ..Needs::default()
        }
        .only()
    }
}

impl Selection {
    /// What `destroy` over this selection reads: the zones' entries and their templates
    /// (whose destroy hooks must run).
    pub fn destroy_needs(&self, registry: &Registry) -> Needs {
        let mut needs = self.needs();
        let templates: std::collections::BTreeSet<&str> = registry
            .zones
            .iter()
            .filter(|(name, e)| {
                self.names.contains(name) || (self.has_selector() && matches(e, self))
            })
            .filter_map(|(_, e)| e.template.as_ref().map(|t| t.value.as_str()))
            .collect();
        needs.templates = Want::named(templates);
        needs
    }
}

fn matches(entry: &ZoneEntry, sel: &Selection) -> bool {
    sel.template
        .as_ref()
        .is_none_or(|t| entry.template.as_ref().is_some_and(|et| et.value == *t))
        && sel
            .pool
            .as_ref()
            .is_none_or(|p| entry.nets.iter().any(|n| n.pool.as_deref() == Some(p)))
}

/// The zones `sel` names, in order: the names as given (once each; a name the registry lacks
/// stays, to be reported on its own), then the zones the selectors match, by name. A selector
/// naming no template or pool of the registry (and no zone's) is refused before anything runs.
pub fn select(registry: &Registry, sel: &Selection) -> Result<Vec<String>> {
    if sel.names.is_empty() && !sel.has_selector() {
        return Err(Error::usage("no zone given").with_help(
            "name one or more zones, or select them with --all-of-template TEMPLATE or --pool POOL",
        ));
    }
    check_names(sel)?;
    if let Some(t) = &sel.template {
        if let Some(why) = crate::model::names::object_name_error("template", t) {
            return Err(Error::usage(why));
        }
        let used = registry
            .zones
            .values()
            .any(|z| z.template.as_ref().is_some_and(|et| et.value == *t));
        if !used {
            registry.template(t)?;
        }
    }
    if let Some(p) = &sel.pool {
        if let Some(why) = crate::model::names::object_name_error("pool", p) {
            return Err(Error::usage(why));
        }
        let used = registry
            .zones
            .values()
            .any(|z| z.nets.iter().any(|n| n.pool.as_deref() == Some(p)));
        if !used {
            registry.pool(p)?;
        }
    }
    let mut out: Vec<String> = Vec::new();
    for n in &sel.names {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    if sel.has_selector() {
        for (name, entry) in &registry.zones {
            if matches(entry, sel) && !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    Ok(out)
}

/// Every zone name given is checked before any zone runs: one invalid name is a usage
/// error (exit 2), not one zone's failure.
pub fn check_names(sel: &Selection) -> Result<()> {
    for n in &sel.names {
        if let Some(why) = crate::model::names::zone_name_error(n) {
            return Err(Error::usage(why));
        }
    }
    Ok(())
}

/// Checks `--jobs`.
pub fn jobs(n: usize) -> Result<usize> {
    if (1..=MAX_JOBS).contains(&n) {
        Ok(n)
    } else {
        Err(Error::usage(format!(
            "--jobs takes a number from 1 to {MAX_JOBS}, not {n}"
        )))
    }
}

/// Runs `op` on each zone, at most `jobs` at once, each worker with a session of its own
/// (forked from `core`, without a progress display); `core` says on its progress channel
/// how each zone ended as it ends. With one zone, `op` runs on `core` itself, with its
/// progress display. The outcomes are in the order of `zones`.
///
/// An interrupt (Ctrl-C, SIGTERM, SIGHUP) stops the running steps as it stops one operation
/// (each operation handles it); zones not yet started are not started and end `interrupted`.
pub fn run<T: Send>(
    core: &mut Session,
    zones: &[String],
    jobs: usize,
    op: impl Fn(&mut Session, &str) -> Result<T> + Sync,
) -> Vec<(String, Result<T>)> {
    if let [one] = zones {
        return vec![(one.clone(), op(core, one))];
    }
    let workers = jobs.clamp(1, zones.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Result<T>>>> = Mutex::new((0..zones.len()).map(|_| None).collect());
    let sessions: Vec<Session> = (0..workers).map(|_| core.fork(Box::new(Silent))).collect();
    let (tx, rx) = std::sync::mpsc::channel::<(usize, bool)>();
    std::thread::scope(|s| {
        for mut session in sessions {
            let tx = tx.clone();
            let (next, slots, op) = (&next, &slots, &op);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(zone) = zones.get(i) else { break };
                    // Noted, not requested: a shield another worker (or this one) holds
                    // for its undo step must not let a new zone start after an interrupt.
                    let result = if crate::host::interrupt::noted() {
                        Err(Error::Interrupted)
                    } else {
                        op(&mut session, zone)
                    };
                    let said = result.is_ok();
                    slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(result);
                    let _ = tx.send((i, said));
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for (i, said) in rx {
            done += 1;
            core.note(&match said {
                true => format!("[{done}/{}] zone {}: done", zones.len(), zones[i]),
                false => format!("[{done}/{}] zone {}: failed", zones.len(), zones[i]),
            });
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    zones
        .iter()
        .cloned()
        .zip(
            slots
                .into_iter()
                .map(|r| r.unwrap_or(Err(Error::Interrupted))),
        )
        .collect()
}

/// The outcomes as `--json` prints them: one object per zone, `{zone, ok, …}` with the
/// result's own fields, or `{zone, ok: false, error, kind}`.
pub fn json<T: Serialize>(outcomes: &[(String, Result<T>)]) -> Vec<Value> {
    outcomes
        .iter()
        .map(|(zone, r)| match r {
            Ok(v) => {
                let mut obj = json!({ "zone": zone, "ok": true });
                if let (Value::Object(o), Ok(Value::Object(fields))) =
                    (&mut obj, serde_json::to_value(v))
                {
                    for (k, v) in fields {
                        o.entry(k).or_insert(v);
                    }
                }
                obj
            }
            Err(e) => json!({
                "zone": zone,
                "ok": false,
                "error": e.to_string(),
                "kind": e.kind(),
            }),
        })
        .collect()
}

/// How many of `outcomes` failed, as the error the verb ends with (exit status 1), if any.
pub fn failure<T>(verb: &str, outcomes: &[(String, Result<T>)]) -> Option<Error> {
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(z, _)| crate::text::shown(z))
        .collect();
    if failed.is_empty() {
        return None;
    }
    Some(Error::failed(format!(
        "{verb} failed for {} of {} zones: {}",
        failed.len(),
        outcomes.len(),
        failed.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_bounded() {
        assert_eq!(jobs(1).unwrap(), 1);
        assert_eq!(jobs(64).unwrap(), 64);
        assert_eq!(
            jobs(0).unwrap_err().to_string(),
            "--jobs takes a number from 1 to 64, not 0"
        );
        assert!(jobs(65).is_err());
    }

    #[test]
    fn invalid_names_are_refused_before_anything_runs() {
        let sel = Selection {
            names: vec!["web01".into(), "bad/x".into()],
            ..Selection::default()
        };
        let e = check_names(&sel).unwrap_err();
        assert_eq!(e.kind(), "usage", "{e}");
    }

    #[test]
    fn single_is_one_name_without_selector() {
        let mut s = Selection {
            names: vec!["a".into()],
            ..Selection::default()
        };
        assert_eq!(s.single(), Some("a"));
        s.pool = Some("lan".into());
        assert_eq!(s.single(), None);
        assert_eq!(s.needs().zones, Want::All);
    }

    #[test]
    fn outcomes_as_json() {
        let outcomes: Vec<(String, Result<crate::ops::lifecycle::Changed>)> = vec![
            (
                "a".into(),
                Ok(crate::ops::lifecycle::Changed {
                    state: crate::model::zone::ZoneState::Installed,
                    commands: vec!["zoneadm -z a halt".into()],
                    dry_run: false,
                }),
            ),
            ("b".into(), Err(Error::not_found("zone", "b"))),
        ];
        assert_eq!(
            Value::Array(json(&outcomes)),
            json!([
                {"zone": "a", "ok": true, "state": "installed", "commands": ["zoneadm -z a halt"], "dry_run": false},
                {"zone": "b", "ok": false, "error": "zone `b` is not in the registry", "kind": "not-found"},
            ])
        );
        assert_eq!(
            failure("halt", &outcomes).unwrap().to_string(),
            "halt failed for 1 of 2 zones: b"
        );
    }
}
