//! A real etcd for the shared-pool tests: started on free loopback ports with a fresh data
//! folder, stopped (and its folder removed) when dropped. Its keys are read with `etcdctl`.
//!
//! Without the `etcd` binary the tests say so loudly and do nothing, except under CI
//! (`CI=true`), where a missing etcd fails them: `.ci/run` installs it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::harness::TestEnv;
use crate::lifecycle_support::sandbox;

pub struct EtcdServer {
    child: Option<Child>,
    dir: PathBuf,
    client: u16,
    peer: u16,
    /// With TLS: the folder of `ca.pem`, `server.pem`, `client.pem` and their keys; etcd
    /// then asks every client for a certificate the CA signed.
    tls: Option<PathBuf>,
    /// etcdctl's `--user`, once auth is on.
    user: Option<String>,
}

/// A program on PATH (the test's own, not the cleared one zmgr gets).
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl EtcdServer {
    /// A new etcd, or `None` (said loudly) when there is none to run outside CI.
    pub fn start() -> Option<EtcdServer> {
        Self::start_with(false)
    }

    /// An etcd that speaks TLS only and asks clients for a certificate (`certs` makes them).
    pub fn start_tls() -> Option<EtcdServer> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Option<EtcdServer> {
        if on_path("etcd").is_none()
            || on_path("etcdctl").is_none()
            || (tls && on_path("openssl").is_none())
        {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "etcd, etcdctl (and openssl for TLS) are needed by the shared-pool tests and are not on PATH; .ci/run installs Debian's etcd-server, etcd-client and openssl"
                );
            }
            eprintln!(
                "\n*** SKIPPED: etcd or etcdctl is not installed, so the shared-pool test did not run (apt-get install etcd-server etcd-client) ***\n"
            );
            return None;
        }
        let dir =
            std::env::temp_dir().join(format!("zmgr-etcd-{}-{}", std::process::id(), free_port()));
        let mut server = EtcdServer {
            child: None,
            dir: dir.clone(),
            client: 0,
            peer: 0,
            tls: tls.then(|| dir.join("certs")),
            user: None,
        };
        if let Some(certs) = &server.tls {
            make_certificates(certs);
        }
        // Ports picked free can be taken before etcd binds them: a few tries.
        for _ in 0..5 {
            server.client = free_port();
            server.peer = free_port();
            let _ = std::fs::remove_dir_all(server.dir.join("data"));
            if server.run() {
                return Some(server);
            }
        }
        panic!("etcd did not start; see {}", server.dir.display());
    }

    /// Starts etcd on this server's ports and folder; true once it answers.
    fn run(&mut self) -> bool {
        std::fs::create_dir_all(&self.dir).expect("etcd's folder");
        let log = std::fs::File::create(self.dir.join("log")).expect("etcd's log");
        let client = self.url();
        let peer = format!("http://127.0.0.1:{}", self.peer);
        let mut etcd = Command::new("etcd");
        if let Some(c) = &self.tls {
            etcd.arg("--cert-file")
                .arg(c.join("server.pem"))
                .arg("--key-file")
                .arg(c.join("server-key.pem"))
                .arg("--trusted-ca-file")
                .arg(c.join("ca.pem"))
                .arg("--client-cert-auth");
        }
        let child = etcd
            .arg("--name")
            .arg("zmgr-test")
            .arg("--data-dir")
            .arg(self.dir.join("data"))
            .arg("--listen-client-urls")
            .arg(&client)
            .arg("--advertise-client-urls")
            .arg(&client)
            .arg("--listen-peer-urls")
            .arg(&peer)
            .arg("--initial-advertise-peer-urls")
            .arg(&peer)
            .arg("--initial-cluster")
            .arg(format!("zmgr-test={peer}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("etcd starts");
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if self.healthy() {
                return true;
            }
            if let Some(Ok(Some(_))) = self.child.as_mut().map(|c| c.try_wait()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.stop();
        false
    }

    fn healthy(&self) -> bool {
        if self.tls.is_some() {
            return self.etcdctl(&["endpoint", "health"]).status.success();
        }
        http_get(self.client, "/health").is_some_and(|b| b.contains("\"true\""))
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.client)
    }

    /// The folder of the TLS certificates and keys, when etcd speaks TLS.
    pub fn certs(&self) -> Option<&Path> {
        self.tls.as_deref()
    }

    /// etcdctl against this etcd, with its certificates and user.
    pub fn etcdctl(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new("etcdctl");
        cmd.env("ETCDCTL_API", "3")
            .args(["--endpoints", &self.url()]);
        if let Some(c) = &self.tls {
            cmd.arg(format!("--cacert={}", c.join("ca.pem").display()))
                .arg(format!("--cert={}", c.join("client.pem").display()))
                .arg(format!("--key={}", c.join("client-key.pem").display()));
        }
        if let Some(u) = &self.user {
            cmd.arg(format!("--user={u}"));
        }
        cmd.args(args).output().expect("etcdctl runs")
    }

    /// Turns auth on, with a `root` user (whose password etcdctl then uses) and a user
    /// `name` whose role may read and write only the keys under `prefix`.
    pub fn enable_auth(&mut self, name: &str, password: &str, prefix: &str) {
        for args in [
            vec!["user", "add", "root", "--new-user-password=rootpw"],
            vec![
                "user",
                "add",
                name,
                &format!("--new-user-password={password}"),
            ],
            vec!["role", "add", "zmgr"],
            vec![
                "role",
                "grant-permission",
                "zmgr",
                "--prefix=true",
                "readwrite",
                &format!("{prefix}/"),
            ],
            vec!["user", "grant-role", name, "zmgr"],
            vec!["auth", "enable"],
        ] {
            let out = self.etcdctl(&args);
            assert!(
                out.status.success(),
                "etcdctl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        self.user = Some("root:rootpw".to_string());
    }

    pub fn port(&self) -> u16 {
        self.client
    }

    /// Kills etcd (as a crash or a lost link would end it) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same ports and data: the keys are still there.
    pub fn restart(&mut self) {
        self.stop();
        assert!(self.run(), "etcd did not start again");
    }

    /// Every key under `prefix` with its value, as etcdctl prints them.
    pub fn keys(&self, prefix: &str) -> Vec<(String, String)> {
        let out = self.etcdctl(&["get", "--prefix", prefix]);
        assert!(
            out.status.success(),
            "etcdctl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("etcdctl prints text");
        let lines: Vec<&str> = text.lines().collect();
        lines
            .chunks(2)
            .map(|kv| (kv[0].to_string(), kv.get(1).unwrap_or(&"").to_string()))
            .collect()
    }

    /// The addresses held in `pool` under `prefix`, each with its claim's JSON.
    pub fn claims(&self, prefix: &str, pool: &str) -> Vec<(String, serde_json::Value)> {
        let under = format!("{prefix}/pools/{pool}/addrs/");
        self.keys(&under)
            .into_iter()
            .map(|(k, v)| {
                (
                    k[under.len()..].to_string(),
                    serde_json::from_str(&v).unwrap_or(serde_json::Value::Null),
                )
            })
            .collect()
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A CA, etcd's server certificate for 127.0.0.1 and a client certificate, made with
/// openssl into `dir`; the keys readable by their owner only.
fn make_certificates(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let new_key = |file: &str| {
        run(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            file,
        ])
    };
    new_key("ca-key.pem");
    run(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "ca-key.pem",
        "-subj",
        "/CN=zmgr test CA",
        "-days",
        "2",
        "-out",
        "ca.pem",
    ]);
    // etcd's gateway reaches its own gRPC server with the server certificate as a client one,
    // so with --client-cert-auth that certificate must be good for both.
    for (name, usage) in [
        ("server", "serverAuth,clientAuth"),
        ("client", "clientAuth"),
    ] {
        let key = format!("{name}-key.pem");
        new_key(&key);
        // PKCS#8, which every TLS stack reads.
        run(&[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            &key,
            "-out",
            &format!("{name}.p8"),
        ]);
        std::fs::rename(dir.join(format!("{name}.p8")), dir.join(&key)).unwrap();
        run(&[
            "req",
            "-new",
            "-key",
            &key,
            "-subj",
            &format!("/CN={name}"),
            "-out",
            &format!("{name}.csr"),
        ]);
        std::fs::write(
            dir.join(format!("{name}.ext")),
            format!("subjectAltName=IP:127.0.0.1\nextendedKeyUsage={usage}\n"),
        )
        .unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &format!("{name}.ext"),
            "-out",
            &format!("{name}.pem"),
        ]);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join(&key), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// `GET path` on a loopback port: the body, or `None` when nothing answers.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_millis(200),
    )
    .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

/// A sandbox that shares its default pool through `etcd` as host `host`, keys under
/// `prefix`, reaching it at `endpoint` (etcd's URL, or a proxy's) within `timeout_ms`.
pub fn shared_host(endpoint: &str, host: &str, prefix: &str, timeout_ms: u64) -> TestEnv {
    let env = sandbox();
    let pool = env
        .read("pools/default.kdl")
        .replacen("}\n", "    ledger \"etcd\"\n}\n", 1);
    assert!(pool.contains("ledger \"etcd\""), "{pool}");
    env.write("pools/default.kdl", pool);
    let mut config = env.read("config.kdl");
    config += &format!(
        "host-name \"{host}\"\netcd {{\n    endpoints \"{endpoint}\"\n    prefix \"{prefix}\"\n    timeout-ms {timeout_ms}\n}}\n"
    );
    env.write("config.kdl", config);
    env
}

/// A proxy in front of etcd that passes every request through, but holds back etcd's
/// answer to the first claim (a transaction that creates an address key): the claim is
/// made in etcd, and the create waits for an answer that never comes, as if its host died
/// there. `stalled` turns true once that claim has reached etcd.
pub struct StallingProxy {
    pub port: u16,
    pub stalled: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl StallingProxy {
    pub fn start(etcd_port: u16) -> StallingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the proxy binds");
        let port = listener.local_addr().unwrap().port();
        let stalled = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (stalled.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (s, st) = (s.clone(), st.clone());
                std::thread::spawn(move || serve(conn, etcd_port, &s, &st));
            }
        });
        StallingProxy {
            port,
            stalled,
            stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for StallingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// One HTTP/1.1 message from `s`: its head and its body (by Content-Length).
fn read_message(s: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).ok()?;
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn serve(mut client: TcpStream, etcd_port: u16, stalled: &AtomicBool, stop: &AtomicBool) {
    while let Some((head, body)) = read_message(&mut client) {
        let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", etcd_port)) else {
            return;
        };
        if upstream.write_all(head.as_bytes()).is_err() || upstream.write_all(&body).is_err() {
            return;
        }
        let Some((rhead, rbody)) = read_message(&mut upstream) else {
            return;
        };
        let text = String::from_utf8_lossy(&body);
        // A claim creates its key only if absent and only under the definition's revision
        // (a host's registration has no second compare).
        let claim = head.starts_with("POST /v3/kv/txn")
            && text.contains("\"CREATE\"")
            && text.contains("\"MOD\"")
            && text.contains("request_put");
        if claim && !stalled.swap(true, Ordering::SeqCst) {
            // The claim is in etcd; its answer never leaves.
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            return;
        }
        if client.write_all(rhead.as_bytes()).is_err() || client.write_all(&rbody).is_err() {
            return;
        }
    }
}

/// An endpoint that answers every request as a member cut off from its cluster does: HTTP
/// 503 with the gateway's error body for gRPC's `Unavailable` ("etcdserver: no leader").
pub struct LeaderlessMember {
    pub port: u16,
}

impl LeaderlessMember {
    pub fn start() -> LeaderlessMember {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the member binds");
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                std::thread::spawn(move || {
                    let body = r#"{"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14}"#;
                    while read_message(&mut conn).is_some() {
                        let answer = format!(
                            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if conn.write_all(answer.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        LeaderlessMember { port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Whether `path` exists (an entry file, say).
pub fn exists(path: &Path) -> bool {
    path.exists()
}
