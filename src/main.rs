fn main() {
    std::process::exit(zmgr::cli::main());
}
