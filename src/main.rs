fn main() {
    // Scripts recurse on the native stack; a large one (reserved, touched only as used) lets
    // the engine's own call-depth limit, not a stack overflow, end a runaway recursion.
    let zmgr = std::thread::Builder::new()
        .name("zmgr".into())
        .stack_size(512 << 20)
        .spawn(zmgr::cli::main)
        .expect("the main thread starts");
    std::process::exit(zmgr.join().unwrap_or(101));
}
