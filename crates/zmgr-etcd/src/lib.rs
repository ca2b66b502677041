//! zmgr-etcd: the shared ledger of `ledger "etcd"` pools, in etcd, over etcd's v3 JSON
//! gateway and a small blocking HTTP client (ureq; TLS by rustls).
//!
//! Keys, under config.kdl's `prefix` (`/zmgr`):
//!
//! ```text
//! PREFIX/pools/POOL/definition     the pool's definition, as `zmgr pool publish` wrote it
//! PREFIX/pools/POOL/addrs/ADDRESS  a claim: {"host", "zone", "state", "time"}
//! ```
//!
//! Every change is one transaction that compares before it writes: a claim is made only if
//! the address has no key and the definition is the one the host checked; a release or an
//! update only if the key is still at the revision this host read. No lock is ever held.

mod wire;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use zmgr_core::error::{Error, Result};
use zmgr_core::host::shared::{Claim, Claimed, Holding, Released, SharedLedger, SharedPool};
use zmgr_core::model::config::Config;

use crate::wire::{Compare, Op};

/// The largest certificate, key or password file read.
const FILE_LIMIT: u64 = 1 << 20;

/// An etcd cluster, as config.kdl's `etcd` block names it.
pub struct Etcd {
    agent: ureq::Agent,
    endpoints: Vec<String>,
    prefix: String,
    timeout: Duration,
    host: String,
    /// The user and the file with the password, when the cluster has auth on.
    auth: Option<(String, PathBuf)>,
    token: Mutex<Option<String>>,
}

/// The [`zmgr_core::ops::session::Connector`] of a zmgr built with etcd: the client, with
/// this registry registered under its host name.
pub fn connect(config: &Config, root: &Path) -> Result<Arc<dyn SharedLedger>> {
    let etcd = Etcd::new(config)?;
    etcd.register(root)?;
    Ok(Arc::new(etcd))
}

impl Etcd {
    pub fn new(config: &Config) -> Result<Etcd> {
        let e = config
            .etcd
            .as_ref()
            .ok_or_else(|| Error::usage("config.kdl has no `etcd` block"))?;
        let host = match &config.host_name {
            Some(h) => h.value.clone(),
            None => node_name()?,
        };
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(ca) = &e.ca_file {
            let pem = read_file(&ca.value, false)?;
            let certs = certificates(&ca.value, &pem)?;
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        if let (Some(cert), Some(key)) = (&e.cert_file, &e.key_file) {
            let chain = certificates(&cert.value, &read_file(&cert.value, false)?)?;
            let pem = read_file(&key.value, true)?;
            let key = ureq::tls::PrivateKey::from_pem(&pem).map_err(|err| {
                Error::usage(format!(
                    "{} holds no private key zmgr can use: {err}",
                    key.value.display()
                ))
            })?;
            tls = tls.client_cert(Some(ureq::tls::ClientCert::new_with_certs(&chain, key)));
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls.build())
            .user_agent("zmgr")
            .build()
            .into();
        Ok(Etcd {
            agent,
            endpoints: e.endpoints.iter().map(|u| u.value.clone()).collect(),
            prefix: e.prefix.value.clone(),
            timeout: e.timeout,
            host,
            auth: e
                .user
                .as_ref()
                .zip(e.password_file.as_ref())
                .map(|(u, p)| (u.value.clone(), p.value.clone())),
            token: Mutex::new(None),
        })
    }

    /// Registers this registry's identity (`ROOT/.zmgr/host-id`) under this host's name, or
    /// finds it there: a name another registry registered is refused, since two registries
    /// under one name would take each other's addresses for their own. A registry without an
    /// identity yet makes one only once etcd has answered, so that an unreachable etcd leaves
    /// the registry as it was.
    pub fn register(&self, root: &Path) -> Result<()> {
        let key = format!("{}/hosts/{}", self.prefix, self.host).into_bytes();
        let id = match zmgr_core::fs::private::existing_host_id(root)? {
            Some(id) => id,
            None => {
                let registered = self.get(&key)?;
                // Another zmgr on this registry may have made the identity and registered it
                // since the file was looked for: then it is this registry's.
                let ours = zmgr_core::fs::private::existing_host_id(root)?;
                match (registered, ours) {
                    (Some(kv), Some(id)) if kv.value == id.as_bytes() => return Ok(()),
                    (Some(_), _) => return Err(self.name_taken(&key)),
                    (None, _) => zmgr_core::fs::private::host_id(root)?,
                }
            }
        };
        let r = self.txn(&wire::txn(
            &[Compare::Absent(&key)],
            &[Op::Put(&key, id.as_bytes())],
            &[Op::Range(&key)],
        ))?;
        if r.succeeded {
            return Ok(());
        }
        let known = r
            .responses
            .first()
            .map(wire::kvs)
            .transpose()
            .map_err(|why| self.bad_answer(why))?
            .and_then(|mut kvs| kvs.pop())
            .map(|kv| kv.value);
        if known.as_deref() == Some(id.as_bytes()) {
            return Ok(());
        }
        Err(self.name_taken(&key))
    }

    fn name_taken(&self, key: &[u8]) -> Error {
        Error::usage(format!(
            "host name `{}` is registered in etcd by another registry ({}): two registries under one name would take each other's addresses for their own",
            self.host,
            String::from_utf8_lossy(key)
        ))
        .with_help(format!(
            "give this registry its own `host-name` in config.kdl; if the registry that registered the name is gone for good, free the name with `etcdctl del {}`",
            String::from_utf8_lossy(key)
        ))
    }

    fn pool_key(&self, pool: &str, rest: &str) -> Vec<u8> {
        format!("{}/pools/{pool}/{rest}", self.prefix).into_bytes()
    }

    fn address_key(&self, pool: &str, address: IpAddr) -> Vec<u8> {
        self.pool_key(pool, &format!("addrs/{address}"))
    }

    /// POSTs `body` to `path` of the first endpoint that answers, all within the timeout.
    /// Each endpoint gets an even share of the time left, so that one that hangs leaves the
    /// others theirs; the last gets all that is left.
    fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let deadline = Instant::now() + self.timeout;
        let mut failures = Vec::new();
        let mut only_answers = true;
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                failures.push(format!("{endpoint} (not tried: the time was up)"));
                only_answers = false;
                continue;
            }
            let share = left / (self.endpoints.len() - i) as u32;
            match self.post_to(endpoint, path, body, Instant::now() + share, true) {
                Ok(v) => return Ok(v),
                Err(Failure::Unreachable(why)) => {
                    failures.push(format!("{endpoint} ({why})"));
                    only_answers = false;
                }
                Err(Failure::Answered(why)) => failures.push(format!("{endpoint} ({why})")),
                Err(Failure::Refused(e)) => return Err(e),
            }
        }
        let (message, help) = if only_answers {
            (
                format!(
                    "etcd answered with an error at every endpoint: {}",
                    failures.join(", ")
                ),
                "check the cluster's health (`etcdctl endpoint health`): a member without a leader answers so until a majority of members is back",
            )
        } else {
            (
                format!(
                    "etcd could not be reached within {} ms: {}",
                    self.timeout.as_millis(),
                    failures.join(", ")
                ),
                "check that etcd runs at the endpoints config.kdl's `etcd` block names",
            )
        };
        Err(Error::Unreachable {
            message,
            help: Some(help.to_string()),
        })
    }

    fn post_to(
        &self,
        endpoint: &str,
        path: &str,
        body: &Value,
        deadline: Instant,
        retry_auth: bool,
    ) -> std::result::Result<Value, Failure> {
        let token = match &self.auth {
            Some(_) => Some(self.token(endpoint, deadline)?),
            None => None,
        };
        let (status, text) = self.exchange(endpoint, path, body, token.as_deref(), deadline)?;
        if status == 401 && token.is_some() && retry_auth {
            // The token expired: a new one, once.
            *self.token.lock().expect("token lock") = None;
            return self.post_to(endpoint, path, body, deadline, false);
        }
        if status != 200 {
            return Err(Failure::Refused(Error::failed(format!(
                "etcd at {endpoint} refused {path}: {}",
                wire::error_text(status, &text)
            ))));
        }
        serde_json::from_str(&text).map_err(|e| {
            Failure::Refused(Error::HostOutput {
                command: format!("etcd {endpoint}{path}"),
                reason: format!("the answer is not JSON: {e}"),
            })
        })
    }

    /// POSTs `body` to `path` of `endpoint` by `deadline`: the status and the text of an
    /// answer. A member without a leader, or busy, may be alone in that: its 5xx is a
    /// failure that leaves the request to the next endpoint.
    fn exchange(
        &self,
        endpoint: &str,
        path: &str,
        body: &Value,
        token: Option<&str>,
        deadline: Instant,
    ) -> std::result::Result<(u16, String), Failure> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        if timeout.is_zero() {
            return Err(Failure::Unreachable("timed out".to_string()));
        }
        let mut request = self
            .agent
            .post(format!("{endpoint}{path}"))
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("content-type", "application/json");
        if let Some(t) = token {
            request = request.header("authorization", t);
        }
        let mut response = request
            .send(body.to_string())
            .map_err(|e| Failure::Unreachable(transport(&e)))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .map_err(|e| Failure::Unreachable(transport(&e)))?;
        if status >= 500 {
            return Err(Failure::Answered(wire::error_text(status, &text)));
        }
        Ok((status, text))
    }

    /// The auth token, asked for with the user and password when there is none yet.
    fn token(&self, endpoint: &str, deadline: Instant) -> std::result::Result<String, Failure> {
        if let Some(t) = self.token.lock().expect("token lock").clone() {
            return Ok(t);
        }
        let (user, file) = self.auth.as_ref().expect("auth is configured");
        let password = read_file(file, true).map_err(Failure::Refused)?;
        let password = String::from_utf8(password).map_err(|_| {
            Failure::Refused(Error::usage(format!("{} is not text", file.display())))
        })?;
        let body =
            serde_json::json!({"name": user, "password": password.trim_end_matches(['\n', '\r'])});
        let (status, text) =
            self.exchange(endpoint, "/v3/auth/authenticate", &body, None, deadline)?;
        if status != 200 {
            return Err(Failure::Refused(Error::failed(format!(
                "etcd at {endpoint} refused user `{user}`: {}",
                wire::error_text(status, &text)
            ))));
        }
        let token = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["token"].as_str().map(str::to_string))
            .ok_or_else(|| {
                Failure::Refused(Error::failed(format!(
                    "etcd at {endpoint} gave no token to user `{user}`"
                )))
            })?;
        *self.token.lock().expect("token lock") = Some(token.clone());
        Ok(token)
    }

    fn txn(&self, body: &Value) -> Result<wire::TxnResult> {
        let v = self.post("/v3/kv/txn", body)?;
        wire::txn_result(&v).map_err(|why| self.bad_answer(why))
    }

    fn bad_answer(&self, why: String) -> Error {
        Error::HostOutput {
            command: format!("etcd {}", self.endpoints.join(",")),
            reason: why,
        }
    }

    fn get(&self, key: &[u8]) -> Result<Option<wire::Kv>> {
        let v = self.post("/v3/kv/range", &wire::range(key, false))?;
        let mut kvs = wire::kvs(&v).map_err(|why| self.bad_answer(why))?;
        Ok(kvs.pop())
    }
}

/// Why a request to one endpoint failed: it could not be reached, or it answered with an
/// error of its own (a 5xx: try the next either way), or it answered no (stop).
enum Failure {
    Unreachable(String),
    Answered(String),
    Refused(Error),
}

fn transport(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".to_string(),
        ureq::Error::Io(io) => zmgr_core::text::printable(&io.to_string().to_lowercase()),
        other => zmgr_core::text::printable(&other.to_string()),
    }
}

/// The node name, as `uname -n` prints it: this host's name when config.kdl gives none.
fn node_name() -> Result<String> {
    let uname = rustix::system::uname();
    let name = uname.nodename().to_string_lossy().into_owned();
    match zmgr_core::model::config::host_name_error(&name) {
        None => Ok(name),
        Some(why) => Err(
            Error::usage(format!("the node name cannot name this host: {why}"))
                .with_help("set `host-name \"NAME\"` in config.kdl"),
        ),
    }
}

/// A file config.kdl names: read only if root (or this user) owns it and no one else can
/// write it; a `secret` also only if no one else can read it.
fn read_file(path: &Path, secret: bool) -> Result<Vec<u8>> {
    use zmgr_core::fs::trust::{OpenError, read, read_secret};
    let read = if secret {
        read_secret(path, FILE_LIMIT)
    } else {
        read(path, FILE_LIMIT)
    };
    read.map_err(|e| match e {
        OpenError::Untrusted(u) => Error::usage(format!(
            "refusing {u}: zmgr runs as root and uses for etcd only files root could have written{}",
            if secret { " and only root can read" } else { "" }
        ))
        .with_help(format!("`{}`", u.fix)),
        OpenError::Link(p) => Error::usage(format!(
            "refusing {}: a symbolic link, which zmgr does not follow",
            p.display()
        )),
        OpenError::Missing => Error::usage(format!(
            "cannot read {}: no such file or directory",
            path.display()
        )),
        OpenError::NotAFile(p) | OpenError::NotAFolder(p) => {
            Error::usage(format!("cannot read {}: not a regular file", p.display()))
        }
        OpenError::Io(why) => Error::usage(format!("cannot read {why}")),
    })
}

fn certificates(path: &Path, pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::usage(format!(
                    "{} is not a PEM file zmgr can read: {e}",
                    path.display()
                )));
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::usage(format!(
            "{} holds no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

impl SharedLedger for Etcd {
    fn host(&self) -> &str {
        &self.host
    }

    fn location(&self) -> String {
        self.endpoints.join(", ")
    }

    fn key(&self, pool: &str, address: IpAddr) -> String {
        String::from_utf8_lossy(&self.address_key(pool, address)).into_owned()
    }

    fn read(&self, pool: &str) -> Result<SharedPool> {
        let definition = self.pool_key(pool, "definition");
        let addrs = self.pool_key(pool, "addrs/");
        let r = self.txn(&wire::txn(
            &[],
            &[Op::Range(&definition), Op::Prefix(&addrs)],
            &[],
        ))?;
        let [def, held] = r.responses.as_slice() else {
            return Err(self.bad_answer("a read answered with other than two ranges".into()));
        };
        let definition = wire::kvs(def)
            .map_err(|why| self.bad_answer(why))?
            .pop()
            .map(|kv| {
                (
                    String::from_utf8_lossy(&kv.value).into_owned(),
                    kv.mod_revision,
                )
            });
        let mut holdings = Vec::new();
        for kv in wire::kvs(held).map_err(|why| self.bad_answer(why))? {
            // A key under addrs/ that names no address is not one zmgr wrote: skipped.
            let Some((written, address)) = kv
                .key
                .strip_prefix(addrs.as_slice())
                .and_then(|a| std::str::from_utf8(a).ok())
                .and_then(|a| Some((a, a.parse::<IpAddr>().ok()?)))
            else {
                continue;
            };
            // One zmgr did not write (`fd00:0::5`, not `fd00::5`): the address is taken, by
            // no claim zmgr can release.
            let canonical = written == address.to_string();
            holdings.push(Holding {
                address,
                claim: Claim::parse(&kv.value).filter(|_| canonical),
                revision: kv.mod_revision,
            });
        }
        Ok(SharedPool {
            definition,
            holdings,
        })
    }

    fn publish(&self, pool: &str, definition: &str) -> Result<()> {
        let key = self.pool_key(pool, "definition");
        self.txn(&wire::txn(
            &[],
            &[Op::Put(&key, definition.as_bytes())],
            &[],
        ))?;
        Ok(())
    }

    fn claim(
        &self,
        pool: &str,
        address: IpAddr,
        definition_revision: i64,
        claim: &Claim,
    ) -> Result<Claimed> {
        let key = self.address_key(pool, address);
        let definition = self.pool_key(pool, "definition");
        let value = claim.to_json();
        let r = self.txn(&wire::txn(
            &[
                Compare::Absent(&key),
                Compare::ModRevision(&definition, definition_revision),
            ],
            &[Op::Put(&key, value.as_bytes())],
            &[Op::Range(&key), Op::Range(&definition)],
        ))?;
        if r.succeeded {
            return Ok(Claimed::Won(r.revision));
        }
        let [held, def] = r.responses.as_slice() else {
            return Err(self.bad_answer("a claim answered with other than two ranges".into()));
        };
        let last = |v: &Value| -> Result<Option<wire::Kv>> {
            Ok(wire::kvs(v).map_err(|why| self.bad_answer(why))?.pop())
        };
        let (held, def) = (last(held)?, last(def)?);
        // A request that reached etcd and whose answer was lost, sent again, finds its own
        // claim: that is a win, not a loss.
        if let Some(kv) = held.as_ref().filter(|kv| kv.value == value.as_bytes()) {
            return Ok(Claimed::Won(kv.mod_revision));
        }
        if def.is_none_or(|d| d.mod_revision != definition_revision) {
            return Ok(Claimed::DefinitionChanged);
        }
        Ok(Claimed::Taken)
    }

    fn update(&self, pool: &str, address: IpAddr, revision: i64, claim: &Claim) -> Result<bool> {
        let key = self.address_key(pool, address);
        let value = claim.to_json();
        let r = self.txn(&wire::txn(
            &[Compare::ModRevision(&key, revision)],
            &[Op::Put(&key, value.as_bytes())],
            &[Op::Range(&key)],
        ))?;
        if r.succeeded {
            return Ok(true);
        }
        // Sent again after an answer was lost, it finds its own value: done, not changed.
        let now = r
            .responses
            .first()
            .map(wire::kvs)
            .transpose()
            .map_err(|why| self.bad_answer(why))?
            .and_then(|mut kvs| kvs.pop());
        Ok(now.is_some_and(|kv| kv.value == value.as_bytes()))
    }

    fn release(&self, pool: &str, address: IpAddr, zone: Option<&str>) -> Result<Released> {
        let key = self.address_key(pool, address);
        // The key may change between the read and the delete (a state update): read again.
        for _ in 0..8 {
            let Some(kv) = self.get(&key)? else {
                return Ok(Released::Absent);
            };
            let claim = Claim::parse(&kv.value);
            if !claim.as_ref().is_some_and(|c| c.is(&self.host, zone)) {
                return Ok(Released::NotOurs(claim));
            }
            let r = self.txn(&wire::txn(
                &[Compare::ModRevision(&key, kv.mod_revision)],
                &[Op::Delete(&key)],
                &[],
            ))?;
            if r.succeeded {
                return Ok(Released::Done);
            }
        }
        Err(Error::failed(format!(
            "etcd key {} kept changing while it was released",
            String::from_utf8_lossy(&key)
        )))
    }
}
