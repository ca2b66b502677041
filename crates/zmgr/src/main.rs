//! zmgr, the command line: parses arguments, opens a session (the real host, or the
//! simulator in sandbox mode, with the script engine for hooks), calls one operation and
//! renders its result. Every decision is made in zmgr-core.

mod args;
mod candidates;
mod cli;
mod complete;
mod location;
mod man;
mod output;
mod progress;
mod render;
mod sandbox;
mod zones;

fn main() {
    // Shared pools reach etcd through zmgr-etcd, when built in.
    #[cfg(feature = "etcd")]
    zmgr_core::ops::session::set_connector(zmgr_etcd::connect);
    // Scripts recurse on the native stack; a large one (reserved, touched only as used) lets
    // the engine's own call-depth limit, not a stack overflow, end a runaway recursion.
    let zmgr = std::thread::Builder::new()
        .name("zmgr".into())
        .stack_size(512 << 20)
        .spawn(cli::main)
        .expect("the main thread starts");
    std::process::exit(zmgr.join().unwrap_or(101));
}
