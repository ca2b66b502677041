//! Integration tests: the built binaries, run as separate processes on temporary registries
//! and simulator states.

mod guards;
mod harness;
mod host;
mod import_adopt;
mod import_conflicts;
mod import_support;
mod lifecycle_concurrency;
mod lifecycle_create;
mod lifecycle_destroy;
mod lifecycle_rollback;
mod lifecycle_state;
mod lifecycle_support;
mod random_kill;
mod realhost;
mod reconcile_crash;
mod reconcile_drift;
mod registry;
mod registry_bad_input;
mod registry_check;
mod registry_publisher;
mod registry_roots;
mod registry_support;
mod registry_verbs;
mod sandbox;
mod script_api;
mod script_check;
mod script_errors;
mod script_hooks;
mod script_inline;
mod script_limits;
mod script_perms;
mod script_support;
mod script_twins;
mod script_verbs;
mod trust;
