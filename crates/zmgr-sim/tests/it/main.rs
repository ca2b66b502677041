//! Tests of the zmgr-sim binary, run as separate processes.

mod concurrency;
mod dladm;
mod faults;
mod general;
mod harness;
mod install;
mod ipadm;
mod ipnat;
mod pkg;
mod realism_net;
mod realism_zone;
mod routeadm;
mod smf;
mod zfs;
mod zlogin;
mod zoneadm;
mod zonecfg;
