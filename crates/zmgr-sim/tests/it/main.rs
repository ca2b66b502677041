//! Tests of the zmgr-sim binary, run as separate processes.

mod concurrency;
mod dladm;
mod faults;
mod general;
mod harness;
mod pkg;
mod zlogin;
mod zoneadm;
mod zonecfg;
