//! IP Filter NAT rules as the state file keeps them (the `ipnat` tool and
//! the ipfilter service work on them).

use serde::{Deserialize, Serialize};

/// The NAT rules in the simulated kernel, as `ipnat -l` prints them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatState {
    pub rules: Vec<String>,
}
