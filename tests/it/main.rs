//! Integration tests: the built binaries, run as separate processes on temporary registries.

mod harness;
mod registry;
