//! `STATE/invocations.log`: one JSON object per invocation.

use std::fs::OpenOptions;
use std::io::{self, Write};

use serde::Serialize;

use crate::store::Store;

pub const LOG_FILE: &str = "invocations.log";

#[derive(Serialize)]
pub struct Invocation<'a> {
    pub tool: &'a str,
    pub argv: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdin: Option<&'a str>,
    pub exit: i32,
    pub time: u64,
}

pub fn append(store: &Store, inv: &Invocation) -> io::Result<()> {
    let mut line = serde_json::to_string(inv).map_err(io::Error::other)?;
    line.push('\n');
    store.locked(|| {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(store.dir().join(LOG_FILE))?;
        f.write_all(line.as_bytes())?;
        f.sync_data()
    })
}
