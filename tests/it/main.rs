//! Integration tests: the built binaries, run as separate processes on temporary registries
//! and simulator states.

mod harness;
mod registry;
mod sim;
