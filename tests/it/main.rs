//! Integration tests: the built binaries, run as separate processes on temporary registries
//! and simulator states.

mod harness;
mod registry;
mod registry_bad_input;
mod registry_check;
mod registry_publisher;
mod registry_roots;
mod registry_support;
mod registry_verbs;
mod sandbox;
mod sim;
