//! etcd's v3 API as its JSON gateway speaks it (`POST /v3/kv/range`, `/v3/kv/txn`,
//! `/v3/kv/put`, `/v3/auth/authenticate`): requests built as values and responses read by
//! pure functions, tested on what etcd 3.4 prints.
//!
//! The gateway is grpc-gateway over etcd's protobuf API (`etcdserverpb/rpc.proto`): keys and
//! values are base64, 64-bit numbers are strings, and a field at its zero value is left out
//! (a failed transaction has no `succeeded`, an empty range no `kvs`).

use base64::Engine;
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("a key or value is not base64: {e}"))
}

/// The end of the range of every key that starts with `prefix`: the prefix with its last
/// byte plus one (etcd's `clientv3.GetPrefixRangeEnd`).
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // Every byte 0xff: to the end of the keyspace.
    vec![0]
}

/// A range request: the one key, or with `prefix` every key under it.
pub fn range(key: &[u8], prefix: bool) -> Value {
    if prefix {
        json!({"key": b64(key), "range_end": b64(&prefix_end(key))})
    } else {
        json!({"key": b64(key)})
    }
}

/// A comparison of a transaction.
pub enum Compare<'a> {
    /// The key does not exist (its create revision is 0).
    Absent(&'a [u8]),
    /// The key was last changed at this revision.
    ModRevision(&'a [u8], i64),
}

impl Compare<'_> {
    fn to_json(&self) -> Value {
        match self {
            Compare::Absent(key) => json!({
                "key": b64(key), "target": "CREATE", "result": "EQUAL", "create_revision": "0"
            }),
            Compare::ModRevision(key, rev) => json!({
                "key": b64(key), "target": "MOD", "result": "EQUAL", "mod_revision": rev.to_string()
            }),
        }
    }
}

/// An operation of a transaction.
pub enum Op<'a> {
    Put(&'a [u8], &'a [u8]),
    Delete(&'a [u8]),
    Range(&'a [u8]),
    /// Every key under a prefix.
    Prefix(&'a [u8]),
}

impl Op<'_> {
    fn to_json(&self) -> Value {
        match self {
            Op::Put(key, value) => json!({"request_put": {"key": b64(key), "value": b64(value)}}),
            Op::Delete(key) => json!({"request_delete_range": {"key": b64(key)}}),
            Op::Range(key) => json!({"request_range": range(key, false)}),
            Op::Prefix(key) => json!({"request_range": range(key, true)}),
        }
    }
}

/// A transaction: if every comparison holds, `success`, else `failure`.
pub fn txn(compare: &[Compare<'_>], success: &[Op<'_>], failure: &[Op<'_>]) -> Value {
    json!({
        "compare": compare.iter().map(Compare::to_json).collect::<Vec<_>>(),
        "success": success.iter().map(Op::to_json).collect::<Vec<_>>(),
        "failure": failure.iter().map(Op::to_json).collect::<Vec<_>>(),
    })
}

/// A key and its value, as a range returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kv {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub create_revision: i64,
    pub mod_revision: i64,
}

fn number(v: &Value, what: &str) -> Result<i64, String> {
    match v {
        Value::Null => Ok(0),
        Value::String(s) => s
            .parse()
            .map_err(|_| format!("{what} `{s}` is not a number")),
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("{what} {n} is not a number")),
        other => Err(format!("{what} is {other}, not a number")),
    }
}

/// The keys of a range response (a `RangeResponse`, or a transaction's `response_range`).
pub fn kvs(response: &Value) -> Result<Vec<Kv>, String> {
    let Some(list) = response.get("kvs") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or("`kvs` is not a list")?;
    list.iter()
        .map(|kv| {
            let text = |k: &str| kv.get(k).and_then(Value::as_str).unwrap_or("");
            Ok(Kv {
                key: unb64(text("key"))?,
                value: unb64(text("value"))?,
                create_revision: number(&kv["create_revision"], "create_revision")?,
                mod_revision: number(&kv["mod_revision"], "mod_revision")?,
            })
        })
        .collect()
}

/// The revision of the store a response was made at (its header's).
pub fn revision(response: &Value) -> Result<i64, String> {
    number(&response["header"]["revision"], "revision")
}

/// What a transaction did: whether its comparisons held, and each operation's response.
pub struct TxnResult {
    pub succeeded: bool,
    pub responses: Vec<Value>,
    /// The store's revision after it: the revision of a key it put.
    pub revision: i64,
}

pub fn txn_result(response: &Value) -> Result<TxnResult, String> {
    let succeeded = match response.get("succeeded") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(format!("`succeeded` is {other}")),
    };
    let responses = match response.get("responses") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|r| {
                r.as_object()
                    .and_then(|o| o.values().next())
                    .cloned()
                    .ok_or_else(|| format!("a transaction's response is {r}"))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("`responses` is {other}")),
    };
    Ok(TxnResult {
        succeeded,
        responses,
        revision: revision(response)?,
    })
}

/// The error etcd's gateway answers a failed request with (`{"error": …, "message": …,
/// "code": N}`), as one line.
pub fn error_text(status: u16, body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("message").or_else(|| v.get("error")))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| body.chars().take(200).collect());
    format!(
        "HTTP {status}: {}",
        zmgr_core::text::printable(message.trim())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What etcd 3.4.23's gateway printed for these requests (the test suite's etcd).
    const TXN_WON: &str = r#"{"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"2"}}}]}"#;
    const TXN_LOST: &str = r#"{"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"},"responses":[{"response_range":{"header":{"revision":"2"},"kvs":[{"key":"L3ptZ3IvYQ==","create_revision":"2","mod_revision":"2","version":"1","value":"aGVsbG8="}],"count":"1"}}]}"#;
    const RANGE_EMPTY: &str = r#"{"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"}}"#;

    #[test]
    fn a_won_transaction_and_its_revision() {
        let r = txn_result(&serde_json::from_str(TXN_WON).unwrap()).unwrap();
        assert!(r.succeeded);
        assert_eq!(r.revision, 2);
        assert_eq!(r.responses.len(), 1);
    }

    #[test]
    fn a_lost_transaction_has_no_succeeded_and_returns_its_failure_ops() {
        let r = txn_result(&serde_json::from_str(TXN_LOST).unwrap()).unwrap();
        assert!(!r.succeeded);
        let kv = &kvs(&r.responses[0]).unwrap()[0];
        assert_eq!(kv.key, b"/zmgr/a");
        assert_eq!(kv.value, b"hello");
        assert_eq!((kv.create_revision, kv.mod_revision), (2, 2));
    }

    #[test]
    fn an_empty_range_has_no_kvs() {
        let v: Value = serde_json::from_str(RANGE_EMPTY).unwrap();
        assert_eq!(kvs(&v).unwrap(), Vec::new());
        assert_eq!(revision(&v).unwrap(), 2);
    }

    #[test]
    fn malformed_responses_are_errors_not_panics() {
        for bad in [
            r#"{"kvs":"x"}"#,
            r#"{"kvs":[{"key":"!!!","value":""}]}"#,
            r#"{"kvs":[{"key":"","value":"","mod_revision":"x"}]}"#,
        ] {
            assert!(kvs(&serde_json::from_str(bad).unwrap()).is_err(), "{bad}");
        }
        assert!(txn_result(&serde_json::from_str(r#"{"succeeded":"yes"}"#).unwrap()).is_err());
        assert!(txn_result(&serde_json::from_str(r#"{"responses":[1]}"#).unwrap()).is_err());
    }

    #[test]
    fn prefix_ends_are_the_next_key_after_every_key_under_it() {
        assert_eq!(prefix_end(b"/zmgr/"), b"/zmgr0");
        assert_eq!(prefix_end(b"a\xff"), b"b");
        assert_eq!(prefix_end(b"\xff\xff"), b"\0");
    }

    #[test]
    fn requests_are_what_the_gateway_takes() {
        let t = txn(
            &[Compare::Absent(b"k"), Compare::ModRevision(b"d", 7)],
            &[Op::Put(b"k", b"v")],
            &[Op::Range(b"k")],
        );
        assert_eq!(
            t,
            json!({
                "compare": [
                    {"key": "aw==", "target": "CREATE", "result": "EQUAL", "create_revision": "0"},
                    {"key": "ZA==", "target": "MOD", "result": "EQUAL", "mod_revision": "7"},
                ],
                "success": [{"request_put": {"key": "aw==", "value": "dg=="}}],
                "failure": [{"request_range": {"key": "aw=="}}],
            })
        );
        assert_eq!(
            error_text(
                401,
                r#"{"error":"etcdserver: invalid auth token","message":"etcdserver: invalid auth token","code":16}"#
            ),
            "HTTP 401: etcdserver: invalid auth token"
        );
    }
}
