//! zmgr: a zone manager for illumos.
//!
//! The library holds every decision; `main.rs` only parses arguments and prints.
