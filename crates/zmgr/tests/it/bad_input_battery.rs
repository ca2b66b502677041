//! A battery of bad input against every verb that changes something: bad names, bad
//! addresses, broken files the verb depends on and values out of range. Every case must be
//! refused with a clear message on stderr that names the bad value (and, for a broken file,
//! the file, line and column), the exit status the docs give (2 for usage and registry
//! errors, 1 for an object that is not there or a conflict), nothing on stdout, and no change
//! at all: every file (bytes and mode) of the sandbox, so the registry and the simulator's
//! state, is the same after as before, and zmgr ran no tool that changes the system.
//!
//! The cases are one table ([`cases`]) driven by one loop ([`battery`]): adding a case is
//! one entry.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::harness::{Run, TestEnv};
use crate::lifecycle_support::flat;

// ---------------------------------------------------------------------------------------------
// The table

/// What a case does to the sandbox before zmgr runs (undone after it).
#[derive(Clone, Debug)]
enum Prep {
    None,
    /// Replaces the one occurrence of `from` with `to` in a registry file (relative to
    /// `etc/zmgr`).
    Edit {
        file: &'static str,
        from: &'static str,
        to: &'static str,
    },
    /// Writes a file relative to the sandbox folder.
    Write {
        file: &'static str,
        text: &'static str,
    },
}

#[derive(Clone, Debug)]
struct Case {
    /// Arguments after `--sandbox DIR`; `{DIR}` is replaced by the sandbox folder.
    args: Vec<String>,
    prep: Prep,
    exit: i32,
    /// Each must appear on stderr (matched with wrapped lines joined, see `flat`).
    says: Vec<String>,
    /// None of these may appear on stderr.
    lacks: Vec<String>,
}

/// A case running `args`, expected to exit `exit` saying every one of `says`.
fn case(args: &[&str], exit: i32, says: &[&str]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        prep: Prep::None,
        exit,
        says: says.iter().map(|s| s.to_string()).collect(),
        lacks: Vec::new(),
    }
}

impl Case {
    /// Breaks a registry file first: `from` (which must occur once) becomes `to`.
    fn edit(mut self, file: &'static str, from: &'static str, to: &'static str) -> Case {
        self.prep = Prep::Edit { file, from, to };
        self
    }

    fn write(mut self, file: &'static str, text: &'static str) -> Case {
        self.prep = Prep::Write { file, text };
        self
    }

    fn lacks(mut self, text: &str) -> Case {
        self.lacks.push(text.to_string());
        self
    }
}

/// `{}` in `args` replaced by `value`.
fn with(args: &[&str], value: &str) -> Vec<String> {
    args.iter().map(|a| a.replace("{}", value)).collect()
}

fn case_with(args: &[&str], value: &str, exit: i32, says: &[String]) -> Case {
    let args = with(args, value);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let says: Vec<&str> = says.iter().map(String::as_str).collect();
    case(&args, exit, &says)
}

const LONG64: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const LONG70: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// Bad zone names: (name, as messages show it, what create says, whether it is a valid
/// name (one the registry just does not have)).
#[rustfmt::skip]
const BAD_ZONE_NAMES: &[(&str, &str, &str, bool)] = &[
    ("", "", "a zone name cannot be empty", false),
    (LONG64, LONG64, "is 64 characters long; illumos allows at most 63", false),
    ("-web", "-web", "zone name `-web` contains `-` at the start", false),
    ("a/b", "a/b", "zone name `a/b` contains `/` at position 2", false),
    ("..", "..", "zone name `..` contains `.` at the start", false),
    ("../etc", "../etc", "zone name `../etc` contains `.` at the start", false),
    ("web 01", "web 01", "zone name `web 01` contains a space at position 4", false),
    ("web01 ", "web01 ", "zone name `web01 ` contains a space at position 6", false),
    ("a\nb", "a\\nb", "zone name `a\\nb` contains a newline at position 2", false),
    ("a\u{1b}b", "a\\u{1b}b", "contains the control character U+001B at position 2", false),
    ("a\u{7}b", "a\\u{7}b", "contains the control character U+0007 at position 2", false),
    ("a\u{202e}b", "a\\u{202e}b", "contains the invisible character U+202E at position 2", false),
    ("wéb", "wéb", "zone name `wéb` contains `é` at position 2", false),
    ("global", "global", "`global` is the global zone's name and cannot be used", false),
    ("SUNWweb", "SUNWweb", "zone name `SUNWweb` starts with SUNW, which illumos reserves", false),
    ("nosuch", "nosuch", "", true),
];

/// Bad names of pools, templates and publishers: (name, as messages show it, what
/// `publisher add` says, whether it is a valid name).
#[rustfmt::skip]
const BAD_OBJECT_NAMES: &[(&str, &str, &str, bool)] = &[
    ("", "", "a publisher name cannot be empty", false),
    ("-x", "-x", "publisher name `-x` may only hold", false),
    ("a/b", "a/b", "publisher name `a/b` may only hold", false),
    ("..", "..", "publisher name `..` may only hold", false),
    ("../default", "../default", "publisher name `../default` may only hold", false),
    ("a b", "a b", "publisher name `a b` may only hold", false),
    ("a\nb", "a\\nb", "publisher name `a\\nb` may only hold", false),
    ("a\u{1b}b", "a\\u{1b}b", "publisher name `a\\u{1b}b` may only hold", false),
    ("wéb", "wéb", "publisher name `wéb` may only hold", false),
    (LONG70, LONG70, "is longer than 64 characters", false),
    ("nosuch", "nosuch", "", true),
];

/// Every case, one entry each; the loops at the top multiply the bad names by the verbs that
/// take a name. (Not formatted by rustfmt, so that each case stays on one line.)
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let mut t: Vec<Case> = Vec::new();

    // -- Bad zone names, for every verb that takes one.
    for &(name, shown, create_says, valid) in BAD_ZONE_NAMES {
        if !valid {
            t.push(case_with(&["create", "--no-boot", "--", "{}"], name, 2, &[create_says.into()]));
        }
        // A name zonecfg refuses is a usage error, as for create, without an import hint;
        // a valid one the registry lacks is not found, with one.
        for verb in ["destroy", "boot", "halt", "reboot"] {
            t.push(if valid {
                case_with(&[verb, "--", "{}"], name, 1, &[format!("zone `{shown}` is not in the registry"), format!("`zmgr import {name}`")])
            } else {
                case_with(&[verb, "--", "{}"], name, 2, &[create_says.into()]).lacks("zmgr import")
            });
        }
        t.push(if valid {
            case_with(&["import", "--", "{}"], name, 1, &[format!("zone `{shown}` is not configured on this system")]).lacks("is not in the registry")
        } else {
            case_with(&["import", "--", "{}"], name, 2, &[create_says.into()])
        });
    }
    // A name the registry has, where a new one is needed; a good name beside a bad one.
    t.push(case(&["create", "web01"], 1, &["zone `web01` is already in the registry"]));
    t.push(case(&["create", "app01", "-t", "web"], 1, &["zone `app01` is already in the registry"]));
    t.push(case(&["import", "app01", "nosuch"], 1, &["zone `nosuch` is not configured on this system"]).lacks("is not in the registry"));

    // -- Bad names of pools, templates and publishers.
    for &(name, shown, add_says, valid) in BAD_OBJECT_NAMES {
        let lookups: [(&[&str], &str); 7] = [
            (&["pool", "reserve", "--", "{}"], "pool"),
            (&["pool", "release", "--", "{}", "10.1.0.150"], "pool"),
            (&["host", "setup", "--pool={}"], "pool"),
            (&["create", "new01", "--pool={}"], "pool"),
            (&["create", "new01", "--template={}"], "template"),
            (&["publisher", "remove", "--", "{}"], "publisher"),
            (&["publisher", "remove", "--", "{}", "https://pkg.example.org/site"], "publisher"),
        ];
        for (args, kind) in lookups {
            t.push(case_with(args, name, 1, &[format!("{kind} `{shown}` is not in the registry")]));
        }
        if !valid {
            t.push(case_with(&["publisher", "add", "--", "{}", "https://pkg.example.org/x"], name, 2, &[add_says.into()]));
        }
    }
    t.push(case(&["publisher", "add", &"p".repeat(300), "https://pkg.example.org/x"], 2, &["is longer than 64 characters"]));

    // -- Other bad arguments: links for create, and arguments clap refuses.
    t.push(case(&["create", "new01", "--vnic", ""], 2, &["a link name cannot be empty"]));
    t.push(case(&["create", "new01", "--vnic", "web"], 2, &["link name `web` must end in a number"]));
    t.push(case(&["create", "new01", "--vnic", "0web1"], 2, &["link name `0web1` contains `0` at the start"]));
    t.push(case(&["create", "new01", "--vnic", "web007"], 2, &["link name `web007` ends in a number with a leading zero"]));
    t.push(case(&["create", "new01", "--vnic", "a/b0"], 2, &["link name `a/b0` contains `/`"]));
    t.push(case(&["create", "new01", "--vnic", "a\u{1b}b0"], 2, &["link name `a\\u{1b}b0` contains the control character U+001B"]));
    t.push(case(&["create", "new01", "--vnic", "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv0"], 2, &["is 32 characters long; dladm allows at most 31"]));
    t.push(case(&["create", "new01", "--vnic", "web01_0"], 1, &["VNIC `web01_0` belongs to zone `web01`"]));
    t.push(case(&["create", "new01", "--vnic", "app01_0"], 1, &["VNIC `app01_0` belongs to zone `app01`"]));
    t.push(case(&["create", "new01", "--vnic", "e1000g0"], 1, &["a link named e1000g0 exists already"]));
    t.push(case(&["create", "new01", "--vnic", "zmgr_stub0"], 1, &["a link named zmgr_stub0 exists already"]));
    t.push(case(&["create"], 2, &["required arguments were not provided", "<NAME>"]));
    t.push(case(&["create", "new01", "--bogus"], 2, &["unexpected argument '--bogus'"]));
    t.push(case(&["create", "new01", "-t"], 2, &["a value is required for '--template <TEMPLATE>'"]));
    // destroy and halt take several zones (use_bulk.rs): a bad option, or none at all.
    t.push(case(&["destroy", "web01", "--bogus"], 2, &["unexpected argument '--bogus'"]));
    t.push(case(&["halt"], 2, &["no zone given", "--all-of-template"]));
    t.push(case(&["reconcile", "--fix", "--bogus"], 2, &["unexpected argument '--bogus'"]));
    t.push(case(&["import", "--bogus"], 2, &["unexpected argument '--bogus'"]));
    t.push(case(&["init", "extra"], 2, &["unexpected argument 'extra'"]));
    t.push(case(&["host", "setup", "--pool"], 2, &["a value is required for '--pool <POOL>'"]));
    t.push(case(&["pool", "release", "lan"], 2, &["required arguments were not provided", "<ADDRESS>"]));
    t.push(case(&["publisher", "add", "site"], 2, &["required arguments were not provided", "<URI>"]));
    t.push(case(&["--root", "{DIR}/etc/zmgr", "halt", "web01"], 2, &["'--sandbox <DIR>' cannot be used with '--root <DIR>'"]));

    // -- Bad addresses: create --ip (pool default is 192.0.2.0/24, range .10-.250, gateway .1;
    // pool lan is 10.1.0.0/24, range .100-.199, gateway .1, 10.1.0.150 reserved).
    t.push(case(&["create", "new01", "--ip", ""], 2, &["invalid value '' for '--ip <ADDR>'"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2"], 2, &["invalid value '192.0.2' for '--ip <ADDR>'"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.300"], 2, &["invalid value '192.0.2.300'"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.20/24"], 2, &["invalid value '192.0.2.20/24'"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.020"], 2, &["invalid value '192.0.2.020'"]));
    t.push(case(&["create", "new01", "--ip", " 192.0.2.20"], 2, &["invalid value ' 192.0.2.20'"]));
    t.push(case(&["create", "new01", "--ip", "web01"], 2, &["invalid value 'web01'"]));
    t.push(case(&["create", "new01", "--ip", "2001:db8::5"], 2, &["2001:db8::5 is outside pool default's network 192.0.2.0/24"]));
    t.push(case(&["create", "new01", "--ip", "::ffff:192.0.2.20"], 2, &["::ffff:192.0.2.20 is outside pool default's network"]));
    t.push(case(&["create", "new01", "--ip", "10.1.0.120"], 2, &["10.1.0.120 is outside pool default's network 192.0.2.0/24"]));
    t.push(case(&["create", "new01", "--ip", "0.0.0.0"], 2, &["0.0.0.0 is outside pool default's network"]));
    t.push(case(&["create", "new01", "--ip", "255.255.255.255"], 2, &["255.255.255.255 is outside pool default's network"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.0"], 2, &["192.0.2.0 is the network address of 192.0.2.0/24"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.255"], 2, &["192.0.2.255 is the broadcast address of 192.0.2.0/24"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.1"], 2, &["192.0.2.1 is pool default's gateway"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.5"], 2, &["192.0.2.5 is in none of pool default's ranges"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.251"], 2, &["192.0.2.251 is in none of pool default's ranges"]));
    t.push(case(&["create", "new01", "--ip", "192.0.2.10"], 1, &["192.0.2.10 is held by zone `web01`"]));
    t.push(case(&["create", "new01", "-t", "web", "--ip", "10.1.0.100"], 1, &["10.1.0.100 is held by zone `app01`"]));
    t.push(case(&["create", "new01", "-t", "web", "--ip", "10.1.0.150"], 2, &["10.1.0.150 is reserved in pool lan"]));
    t.push(case(&["create", "new01", "--pool", "lan", "--ip", "192.0.2.20"], 2, &["192.0.2.20 is outside pool lan's network 10.1.0.0/24"]));
    // pool release ADDR
    t.push(case(&["pool", "release", "lan", ""], 2, &["invalid value '' for '<ADDRESS>'"]));
    t.push(case(&["pool", "release", "lan", "10.1.0"], 2, &["invalid value '10.1.0' for '<ADDRESS>'"]));
    t.push(case(&["pool", "release", "lan", "10.1.0.256"], 2, &["invalid value '10.1.0.256'"]));
    t.push(case(&["pool", "release", "lan", "10.1.0.150/24"], 2, &["invalid value '10.1.0.150/24'"]));
    t.push(case(&["pool", "release", "lan", "010.001.000.150"], 2, &["invalid value '010.001.000.150'"]));
    t.push(case(&["pool", "release", "lan", "lan"], 2, &["invalid value 'lan'"]));
    t.push(case(&["pool", "release", "lan", "2001:db8::5"], 1, &["2001:db8::5 is not reserved in pool `lan`"]));
    t.push(case(&["pool", "release", "lan", "10.2.0.5"], 1, &["10.2.0.5 is not reserved in pool `lan`"]));
    t.push(case(&["pool", "release", "lan", "10.1.0.0"], 1, &["10.1.0.0 is not reserved in pool `lan`"]));
    t.push(case(&["pool", "release", "lan", "10.1.0.1"], 1, &["10.1.0.1 is not reserved in pool `lan`"]));
    t.push(case(&["pool", "release", "lan", "10.1.0.100"], 1, &["10.1.0.100 is not reserved in pool `lan`"]));
    t.push(case(&["pool", "release", "lan", "10.1.0.151"], 1, &["10.1.0.151 is not reserved in pool `lan`"]));
    t.push(case(&["pool", "release", "default", "10.1.0.150"], 1, &["10.1.0.150 is not reserved in pool `default`"]));
    // Publisher origins.
    let origin = |uri: &str, says: &str| case(&["publisher", "add", "newpub", uri], 2, &[says]);
    t.push(origin("", "`` is not a URI"));
    t.push(origin("pkg.example.org", "`pkg.example.org` is not a URI"));
    t.push(origin("ftp://pkg.example.org/", "`ftp://pkg.example.org/` uses the scheme ftp"));
    t.push(origin("https://", "`https://` has no host"));
    t.push(origin("http://user@pkg.example.org/", "carries a user name"));
    t.push(origin("https://pkg.example.org:0/", "has the port `0`; a port is a number from 1 to 65535"));
    t.push(origin("https://pkg.example.org:65536/", "has the port `65536`; a port is a number from 1 to 65535"));
    t.push(origin("https://pkg.example.org/a b", "`https://pkg.example.org/a b` contains ' '"));
    t.push(origin("https://pkg.example.org/$(id)", "contains '$'"));
    t.push(origin("https://[::1/", "opens an IPv6 address with `[` and never closes it"));
    t.push(origin("file://relative/path", "names the host `relative`"));
    t.push(origin("https://-x.example.org/", "has the host `-x.example.org`, which is not a host name"));
    t.push(origin("https://pkg.example.org/%zz", "has a `%` that is not followed by two hex digits"));
    t.push(origin("https://pkg.example.org/\u{1b}[2J", "contains '\\u{1b}'"));
    t.push(case(&["publisher", "add", "site", "https://b.example.org/", "ftp://b.example.org/"], 2, &["`ftp://b.example.org/` uses the scheme ftp"]));
    t.push(case(&["publisher", "remove", "site", "https://nope.example.org/"], 1, &["publisher `site` has no origin https://nope.example.org/"]));
    t.push(case(&["publisher", "remove", "site", "https://pkg.example.org/site"], 1, &["would leave publisher `site` without an origin"]));
    t.push(case(&["publisher", "remove", "openindiana.org"], 1, &["publisher `openindiana.org` is used by templates ipkg, nlipkg, web"]));
    t.push(case(&["publisher", "remove", "site"], 1, &["publisher `site` is used by template web"]));

    // -- config.kdl broken: every verb needs it.
    let cfg_syntax = ["KDL syntax error", "etc/zmgr/config.kdl:2:18", "default-template \"ipkg"];
    let cfg_verbs: [&[&str]; 13] = [
        &["init"],
        &["create", "new01"],
        &["destroy", "web01"],
        &["boot", "app01"],
        &["halt", "web01"],
        &["reboot", "web01"],
        &["import"],
        &["reconcile", "--fix"],
        &["pool", "reserve", "lan"],
        &["pool", "release", "lan", "10.1.0.150"],
        &["publisher", "add", "site", "https://b.example.org/"],
        &["publisher", "remove", "site", "https://pkg.example.org/site"],
        &["host", "setup"],
    ];
    for args in cfg_verbs {
        t.push(case(args, 2, &cfg_syntax).edit("config.kdl", "default-template \"ipkg\"", "default-template \"ipkg"));
    }
    // Values out of range, and other bad values, in config.kdl.
    let dt = "default-template \"ipkg\"\n";
    t.push(case(&["halt", "web01"], 2, &["`lock-wait` takes a number of seconds from 0 to 3600", "config.kdl:3:11", "lock-wait 3601"]).edit("config.kdl", dt, "default-template \"ipkg\"\nlock-wait 3601\n"));
    t.push(case(&["create", "new01"], 2, &["`lock-wait` takes a number of seconds from 0 to 3600", "config.kdl:3:11", "lock-wait -1"]).edit("config.kdl", dt, "default-template \"ipkg\"\nlock-wait -1\n"));
    t.push(case(&["pool", "reserve", "lan"], 2, &["`lock-wait` takes a number of seconds from 0 to 3600", "config.kdl:3:11", "lock-wait 1.5"]).edit("config.kdl", dt, "default-template \"ipkg\"\nlock-wait 1.5\n"));
    t.push(case(&["publisher", "add", "site", "https://b.example.org/"], 2, &["`lock-wait` takes a number of seconds from 0 to 3600", "config.kdl:3:11", "lock-wait \"10\""]).edit("config.kdl", dt, "default-template \"ipkg\"\nlock-wait \"10\"\n"));
    t.push(case(&["destroy", "web01"], 2, &["`lock-wait` takes a number of seconds from 0 to 3600", "config.kdl:3:11", "lock-wait 99999999999999999999999"]).edit("config.kdl", dt, "default-template \"ipkg\"\nlock-wait 99999999999999999999999\n"));
    t.push(case(&["create", "new01"], 2, &["`milestone-wait` takes a number of seconds from 0 to 3600", "config.kdl:3:16", "milestone-wait 3601"]).edit("config.kdl", dt, "default-template \"ipkg\"\nmilestone-wait 3601\n"));
    t.push(case(&["create", "new01"], 2, &["`timeout-seconds` is at most 86400", "config.kdl:4:5", "timeout-seconds 86401"]).edit("config.kdl", dt, "default-template \"ipkg\"\nscripting {\n    timeout-seconds 86401\n}\n"));
    t.push(case(&["halt", "web01"], 2, &["`max-operations` takes one whole number from 1 to 1000000000000", "config.kdl:4:5", "max-operations 0"]).edit("config.kdl", dt, "default-template \"ipkg\"\nscripting {\n    max-operations 0\n}\n"));
    t.push(case(&["boot", "app01"], 2, &["`max-call-levels` is at most 10000", "config.kdl:4:5", "max-call-levels 10001"]).edit("config.kdl", dt, "default-template \"ipkg\"\nscripting {\n    max-call-levels 10001\n}\n"));
    t.push(case(&["create", "new01"], 2, &["zonepath-base `zones` is not an absolute path below /", "config.kdl:3:15"]).edit("config.kdl", "zonepath-base \"/", "zonepath-base \"zones\"\n// \""));
    t.push(case(&["create", "new01"], 2, &["the path of zonecfg must be absolute", "config.kdl:7:13"]).edit("config.kdl", "zonecfg \"/", "zonecfg \"zonecfg\"\n    // \""));
    t.push(case(&["create", "new01"], 1, &["template `nosuch` is not in the registry", "config.kdl"]).edit("config.kdl", "default-template \"ipkg\"", "default-template \"nosuch\""));

    // -- The zone's own entry broken, for the verbs that act on the zone.
    let state = "state \"running\"";
    for verb in ["destroy", "boot", "halt", "reboot"] {
        t.push(case(&[verb, "web01"], 2, &["KDL syntax error", "zones/web01.kdl:6:11", "state running\""]).edit("zones/web01.kdl", state, "state running\""));
        t.push(case(&[verb, "web01"], 2, &["unknown zone state `runnin`", "zones/web01.kdl:6:11"]).edit("zones/web01.kdl", state, "state \"runnin\""));
        t.push(case(&[verb, "web01"], 2, &["`192.0.2.300/24` is not an IP address", "zones/web01.kdl:8:19"]).edit("zones/web01.kdl", "192.0.2.10/24", "192.0.2.300/24"));
        t.push(case(&[verb, "web01"], 2, &["`192.0.2.10/40` has an invalid prefix length (0 to 32)", "zones/web01.kdl:8:19"]).edit("zones/web01.kdl", "192.0.2.10/24", "192.0.2.10/40"));
        t.push(case(&[verb, "web01"], 2, &["zone `web02` is in", "zones/web01.kdl:1:6", "which is named for `web01`"]).edit("zones/web01.kdl", "zone \"web01\"", "zone \"web02\""));
        t.push(case(&[verb, "web01"], 2, &["link name `web01` ends in a number with a leading zero", "zones/web01.kdl:8:9"]).edit("zones/web01.kdl", "net \"web01_0\"", "net \"web01\""));
        t.push(case(&[verb, "web01"], 2, &["a brand name cannot be empty", "zones/web01.kdl:2:11"]).edit("zones/web01.kdl", "brand \"ipkg\"", "brand \"\""));
        t.push(case(&[verb, "web01"], 2, &["created time `yesterday` is not an RFC 3339 UTC time", "zones/web01.kdl:7:13"]).edit("zones/web01.kdl", "created \"20", "created \"yesterday\"\n    // \""));
        t.push(case(&[verb, "web01"], 2, &["zonepath `relative/web01` is not an absolute path below /", "zones/web01.kdl:4:14"]).edit("zones/web01.kdl", "zonepath \"/", "zonepath \"relative/web01\"\n    // \""));
        t.push(case(&[verb, "app01"], 2, &["KDL syntax error", "zones/app01.kdl:1:"]).edit("zones/app01.kdl", "vnic=#true\n}", "vnic=#true\n"));
    }
    // The entries are the IP ledger: create and pool reserve allocate from it, and reconcile
    // and import read every entry, so each depends on every entry.
    let ledger_verbs: [&[&str]; 4] = [&["create", "new01"], &["pool", "reserve", "default"], &["reconcile", "--fix"], &["import"]];
    for args in ledger_verbs {
        t.push(case(args, 2, &["unknown zone state `runnin`", "zones/web01.kdl:6:11"]).edit("zones/web01.kdl", state, "state \"runnin\""));
        t.push(case(args, 2, &["KDL syntax error", "zones/web01.kdl:8:"]).edit("zones/web01.kdl", "pool=\"default\"", "pool=\"default"));
    }

    // -- The template broken, for create (web.kdl: brand on line 3, a zonecfg or hooks block
    // added before the closing brace starts on line 10).
    let pkgs = "packages \"web/server/nginx\"\n}";
    let web: &[&str] = &["create", "new01", "-t", "web"];
    t.push(case(&["create", "new01"], 2, &["KDL syntax error", "templates/ipkg.kdl:"]).edit("templates/ipkg.kdl", "publisher \"openindiana.org\"\n}", "publisher \"openindiana.org\"\n"));
    t.push(case(&["create", "new01"], 2, &["unknown node `brnad`", "templates/ipkg.kdl:5:5"]).edit("templates/ipkg.kdl", "brand \"ipkg\"", "brnad \"ipkg\""));
    t.push(case(web, 2, &["KDL syntax error", "templates/web.kdl:"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n"));
    t.push(case(web, 2, &["`autoboot` takes #true or #false, not the string \"yes\"", "templates/web.kdl:4:14"]).edit("templates/web.kdl", "autoboot #false", "autoboot \"yes\""));
    t.push(case(web, 2, &["ip-type `vlan` is neither exclusive nor shared", "templates/web.kdl:5:13"]).edit("templates/web.kdl", "ip-type \"exclusive\"", "ip-type \"vlan\""));
    t.push(case(web, 2, &["brand name `ip kg` contains a space", "templates/web.kdl:3:11"]).edit("templates/web.kdl", "brand \"ipkg\"", "brand \"ip kg\""));
    t.push(case(web, 2, &["package `web;rm` contains ';'", "templates/web.kdl:9:14"]).edit("templates/web.kdl", "\"web/server/nginx\"", "\"web;rm\""));
    t.push(case(web, 2, &["template `web2` is in", "templates/web.kdl:1:10", "which is named for `web`"]).edit("templates/web.kdl", "template \"web\"", "template \"web2\""));
    t.push(case(web, 2, &["unknown attr type `float`", "templates/web.kdl:11:23"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        attr \"tier\" 3 type=\"float\"\n    }\n}"));
    t.push(case(web, 2, &["unknown zonecfg resource `bogus`", "templates/web.kdl:11:18"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        resource \"bogus\" {\n        }\n    }\n}"));
    t.push(case(web, 2, &["zmgr sets `zonepath` itself", "templates/web.kdl:11:18"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        property \"zonepath\" \"/etc\"\n    }\n}"));
    t.push(case(web, 2, &["contains a double quote, which zonecfg cannot take", "templates/web.kdl:11:29"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        property \"bootargs\" \"-s\\\"; rm\"\n    }\n}"));
    t.push(case(web, 2, &["hook `../../evil.rhai` leaves the template's folder with `..`", "templates/web.kdl:11:22"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    hooks {\n        post-install \"../../evil.rhai\"\n    }\n}"));
    t.push(case(web, 1, &["cannot read", "templates/missing.rhai: no such file or directory"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    hooks {\n        post-install \"missing.rhai\"\n    }\n}"));
    t.push(case(web, 1, &["publisher `nosuch` is not in the registry", "template `web` uses it"]).edit("templates/web.kdl", "publisher \"site\"", "publisher \"nosuch\""));
    t.push(case(web, 1, &["pool `nosuch` is not in the registry", "templates/web.kdl"]).edit("templates/web.kdl", "pool \"lan\"", "pool \"nosuch\""));
    // Template values out of range that only zonecfg refuses today.
    t.push(case(web, 2, &["abc", "templates/web.kdl:11:"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        attr \"tier\" \"abc\" type=\"int\"\n    }\n}"));
    t.push(case(web, 2, &["ncpus", "templates/web.kdl:12:"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        resource \"dedicated-cpu\" {\n            ncpus \"0\"\n        }\n    }\n}"));
    t.push(case(web, 2, &["-5", "templates/web.kdl:13:"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        resource \"rctl\" {\n            name \"zone.max-lwps\"\n            value priv=\"privileged\" limit=-5 action=\"deny\"\n        }\n    }\n}"));
    t.push(case(web, 2, &["-2G", "templates/web.kdl:12:"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        resource \"capped-memory\" {\n            physical \"-2G\"\n        }\n    }\n}"));
    t.push(case(web, 2, &["-3", "templates/web.kdl:11:"]).edit("templates/web.kdl", pkgs, "packages \"web/server/nginx\"\n    zonecfg {\n        property \"max-lwps\" \"-3\"\n    }\n}"));

    // -- The pool file broken, for create and the pool verbs (lan.kdl: network on line 4,
    // gateway 5, stub 6, range 7, reserve 8).
    let lan_verbs: [&[&str]; 4] = [web, &["pool", "reserve", "lan"], &["pool", "release", "lan", "10.1.0.150"], &["host", "setup", "--pool", "lan"]];
    for args in lan_verbs {
        t.push(case(args, 2, &["KDL syntax error", "pools/lan.kdl:"]).edit("pools/lan.kdl", "reserve \"10.1.0.150\"\n}", "reserve \"10.1.0.150\"\n"));
        t.push(case(args, 2, &["network `10.1.0.0/33` has prefix length /33, longer than 32", "pools/lan.kdl:4:13"]).edit("pools/lan.kdl", "10.1.0.0/24", "10.1.0.0/33"));
        t.push(case(args, 2, &["network 10.1.0.5/24 has host bits set", "did you mean 10.1.0.0/24?", "pools/lan.kdl:4:13"]).edit("pools/lan.kdl", "10.1.0.0/24", "10.1.0.5/24"));
        t.push(case(args, 2, &["network `2001:db8::/64x`", "pools/lan.kdl:4:13"]).edit("pools/lan.kdl", "10.1.0.0/24", "2001:db8::/64x"));
        t.push(case(args, 2, &["range starts at 10.1.0.199, after its end 10.1.0.100", "pools/lan.kdl:7:11"]).edit("pools/lan.kdl", "range \"10.1.0.100\" \"10.1.0.199\"", "range \"10.1.0.199\" \"10.1.0.100\""));
        t.push(case(args, 2, &["address 10.2.0.199 is outside the pool's network 10.1.0.0/24", "pools/lan.kdl:7:11"]).edit("pools/lan.kdl", "\"10.1.0.199\"", "\"10.2.0.199\""));
        t.push(case(args, 2, &["range 10.1.0.100 to 2001:db8::1 mixes IPv4 and IPv6", "pools/lan.kdl:7:11"]).edit("pools/lan.kdl", "\"10.1.0.199\"", "\"2001:db8::1\""));
        t.push(case(args, 2, &["reserved address `10.1.0.1500` is not an IP address", "pools/lan.kdl:8:13"]).edit("pools/lan.kdl", "reserve \"10.1.0.150\"", "reserve \"10.1.0.1500\""));
        t.push(case(args, 2, &["gateway 10.1.0.0 is the network's own address", "pools/lan.kdl:5:13"]).edit("pools/lan.kdl", "gateway \"10.1.0.1\"", "gateway \"10.1.0.0\""));
        t.push(case(args, 2, &["link name `zmgr stub0` contains a space", "pools/lan.kdl:6:10"]).edit("pools/lan.kdl", "stub \"zmgr_stub0\"", "stub \"zmgr stub0\""));
        t.push(case(args, 2, &["range 10.1.0.150-10.1.0.160 overlaps range 10.1.0.100-10.1.0.199", "pools/lan.kdl:9:11"]).edit("pools/lan.kdl", "reserve \"10.1.0.150\"\n", "reserve \"10.1.0.150\"\n    range \"10.1.0.150\" \"10.1.0.160\"\n"));
        t.push(case(args, 2, &["pool `lan2` is in", "pools/lan.kdl:2:6", "which is named for `lan`"]).edit("pools/lan.kdl", "pool \"lan\"", "pool \"lan2\""));
    }
    t.push(case(&["create", "new01"], 2, &["KDL syntax error", "pools/default.kdl:"]).edit("pools/default.kdl", "range \"192.0.2.10\" \"192.0.2.250\"\n}", "range \"192.0.2.10\" \"192.0.2.250\"\n"));
    t.push(case(&["pool", "reserve", "default"], 2, &["range starts at 192.0.2.250, after its end 192.0.2.10", "pools/default.kdl:7:11"]).edit("pools/default.kdl", "range \"192.0.2.10\" \"192.0.2.250\"", "range \"192.0.2.250\" \"192.0.2.10\""));

    // -- The publisher file broken, for the publisher verbs.
    let site_verbs: [&[&str]; 3] = [&["publisher", "add", "site", "https://b.example.org/"], &["publisher", "remove", "site"], &["publisher", "remove", "site", "https://pkg.example.org/site"]];
    for args in site_verbs {
        t.push(case(args, 2, &["KDL syntax error", "publishers/site.kdl:"]).edit("publishers/site.kdl", "/site\"\n}", "/site\"\n"));
        t.push(case(args, 2, &["`ftp://pkg.example.org/site` uses the scheme ftp", "publishers/site.kdl:2:12"]).edit("publishers/site.kdl", "\"https://pkg.example.org/site\"", "\"ftp://pkg.example.org/site\""));
        t.push(case(args, 2, &["unknown node `orign`", "publishers/site.kdl:2:5"]).edit("publishers/site.kdl", "origin", "orign"));
        t.push(case(args, 2, &["publisher `sight` is in", "publishers/site.kdl:1:11", "which is named for `site`"]).edit("publishers/site.kdl", "publisher \"site\"", "publisher \"sight\""));
    }

    // -- Scripts: a site script or a `run` file with a syntax error, or no file at all.
    t.push(case(&["broken", "a"], 1, &["syntax error in", "scripts/broken.rhai", "Unexpected ';'", "scripts/broken.rhai:1:9"]).write("etc/zmgr/scripts/broken.rhai", "let x = ;\n"));
    t.push(case(&["run", "{DIR}/bad.rhai"], 1, &["syntax error in", "bad.rhai", "Unexpected ';'", "bad.rhai:1:9"]).write("bad.rhai", "let x = ;\n"));
    t.push(case(&["run", "{DIR}/nosuch.rhai"], 1, &["cannot read", "nosuch.rhai: no such file or directory"]));
    t.push(case(&["run", "{DIR}/zones"], 1, &["cannot read", "zones: not a regular file"]));
    t.push(case(&["nosuchverb"], 2, &["unknown verb `nosuchverb`"]));
    t.push(case(&["a\u{1b}b"], 2, &["unknown verb `a\\u{1b}b`"]));
    t
}

// ---------------------------------------------------------------------------------------------
// The sandbox and its snapshots

/// A pool beside the sandbox's own, with an address reserved by hand. Lines: 4 network,
/// 5 gateway, 6 stub, 7 range, 8 reserve.
const LAN_POOL: &str = r#"// A second pool, with an address reserved by hand.
pool "lan" {
    description "front-end LAN"
    network "10.1.0.0/24"
    gateway "10.1.0.1"
    stub "zmgr_stub0"
    range "10.1.0.100" "10.1.0.199"
    reserve "10.1.0.150"
}
"#;

/// A template using the second pool and both publishers. Lines: 3 brand, 4 autoboot,
/// 5 ip-type, 6 pool, 9 packages; a block added before its closing brace starts on line 10.
const WEB_TEMPLATE: &str = r#"template "web" {
    description "web servers"
    brand "ipkg"
    autoboot #false
    ip-type "exclusive"
    pool "lan"
    publisher "openindiana.org"
    publisher "site"
    packages "web/server/nginx"
}
"#;

/// A sandbox with two pools, three templates, two publishers and two zones: web01 (running,
/// pool default) and app01 (installed, template web, pool lan).
fn realistic_sandbox() -> TestEnv {
    let env = TestEnv::new();
    env.sandbox(&["list"]).success();
    env.write("pools/lan.kdl", LAN_POOL);
    env.write("templates/web.kdl", WEB_TEMPLATE);
    env.sandbox(&["publisher", "add", "site", "https://pkg.example.org/site"])
        .success();
    env.sandbox(&["create", "web01"]).success();
    env.sandbox(&["create", "app01", "-t", "web", "--no-boot"])
        .success();
    env.sandbox(&["check"]).success();
    assert_eq!(
        env.system_zones(),
        ["web01:running", "app01:installed"],
        "the sandbox's zones"
    );
    env
}

/// One file or folder: its mode and its bytes (a link's target for a symbolic link).
type Snapshot = BTreeMap<PathBuf, (u32, Vec<u8>)>;

/// Every file and folder under `dir`, but the simulator's invocation log (which read-only
/// tool runs append to; see [`changes`]).
fn snapshot(dir: &Path) -> Snapshot {
    fn walk(base: &Path, dir: &Path, out: &mut Snapshot) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_path_buf();
            // The simulator's log, and the zone index (a cache any reader may write again).
            if rel == Path::new("sim/invocations.log")
                || rel.file_name().is_some_and(|n| n == "zones.index")
            {
                continue;
            }
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let mode = meta.permissions().mode();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, (mode, target.into_os_string().into_encoded_bytes()));
            } else if meta.is_dir() {
                out.insert(rel, (mode, Vec::new()));
                walk(base, &p, out);
            } else {
                out.insert(rel, (mode, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Snapshot::new();
    walk(dir, dir, &mut out);
    out
}

/// What differs between two snapshots, one line per path.
fn differences(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for (p, (mode, bytes)) in before {
        match after.get(p) {
            None => out.push(format!("removed {}", p.display())),
            Some((m, _)) if m != mode => {
                out.push(format!("mode of {} {mode:o} -> {m:o}", p.display()))
            }
            Some((_, b)) if b != bytes => out.push(format!("changed {}", p.display())),
            _ => {}
        }
    }
    for p in after.keys().filter(|p| !before.contains_key(*p)) {
        out.push(format!("added {}", p.display()));
    }
    out
}

/// Copies `from` to `to` (which must not exist), keeping modes and symbolic links.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let meta = std::fs::symlink_metadata(&src).unwrap();
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if meta.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
        if !meta.file_type().is_symlink() {
            std::fs::set_permissions(&dst, meta.permissions()).unwrap();
        }
    }
    std::fs::set_permissions(to, std::fs::metadata(from).unwrap().permissions()).unwrap();
}

/// The logged tool runs, as `tool argv…` lines.
fn invocations(env: &TestEnv) -> Vec<String> {
    env.invocations()
        .into_iter()
        .map(|(tool, argv)| format!("{tool} {}", argv.join(" ")))
        .collect()
}

/// The tool runs among `runs` that change the system: everything but listing and showing.
fn changes(runs: &[String]) -> Vec<String> {
    runs.iter()
        .filter(|r| {
            let w: Vec<&str> = r.split(' ').collect();
            let read_only = match (w[0], w.get(1).copied().unwrap_or("")) {
                ("zoneadm", "list") | ("dladm", "show-link") | ("dladm", "show-vnic") => true,
                ("dladm", "show-phys") | ("dladm", "show-etherstub") => true,
                ("zfs", "list") | ("zfs", "get") | ("ipadm", "show-addr") => true,
                ("ipadm", "show-if") | ("svcs", _) | ("svcprop", _) => true,
                ("routeadm", "-p") | ("ipnat", "-l") => true,
                ("zonecfg", _) => w.iter().any(|a| *a == "info" || *a == "export"),
                _ => false,
            };
            !read_only
        })
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The loop

/// Applies a case's preparation; returns the file's earlier bytes (None: it did not exist).
fn prepare(dir: &Path, prep: &Prep) -> Option<(PathBuf, Option<Vec<u8>>)> {
    match prep {
        Prep::None => None,
        Prep::Edit { file, from, to } => {
            let path = dir.join("etc/zmgr").join(file);
            let old = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                old.matches(from).count(),
                1,
                "the case's edit expects {from:?} once in {file}:\n{old}"
            );
            std::fs::write(&path, old.replacen(from, to, 1)).unwrap();
            Some((path, Some(old.into_bytes())))
        }
        Prep::Write { file, text } => {
            let path = dir.join(file);
            let old = std::fs::read(&path).ok();
            std::fs::write(&path, text).unwrap();
            Some((path, old))
        }
    }
}

/// Why `run` does not meet `case`, if it does not.
fn judge(case: &Case, run: &Run, dir: &Path, changed: &[String], ran: &[String]) -> Vec<String> {
    let mut why = Vec::new();
    let stderr = run.stderr();
    let text = flat(&stderr);
    if run.code() != case.exit {
        why.push(format!(
            "exit status {} instead of {}",
            run.code(),
            case.exit
        ));
    }
    if !run.stdout().is_empty() {
        why.push("something was printed on stdout".into());
    }
    if stderr.trim().is_empty() {
        why.push("nothing was printed on stderr".into());
    }
    for needle in &case.says {
        let needle = needle.replace("{DIR}", dir.to_str().unwrap());
        if !text.contains(&needle) && !stderr.contains(&needle) {
            why.push(format!("stderr lacks {needle:?}"));
        }
    }
    for needle in &case.lacks {
        if text.contains(needle.as_str()) || stderr.contains(needle.as_str()) {
            why.push(format!("stderr has {needle:?}"));
        }
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        why.push("zmgr panicked".into());
    }
    if let Some(c) = stderr
        .chars()
        .find(|c| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c))
    {
        why.push(format!("stderr holds the raw character {c:?}"));
    }
    for c in changed {
        why.push(format!("files changed: {c}"));
    }
    for r in changes(ran) {
        why.push(format!("ran a tool that changes the system: {r}"));
    }
    why
}

/// `text` with control characters (but newlines) escaped, for the failure report.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => "\n".to_string(),
            c if c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c) => {
                c.escape_unicode().to_string()
            }
            c => c.to_string(),
        })
        .collect()
}

#[test]
fn battery() {
    let env = realistic_sandbox();
    let dir = env.sandbox_dir();
    let pristine = snapshot(&dir);
    let copy = dir.with_extension("pristine");
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(&dir, &copy);

    let table = cases();
    let mut failures = Vec::new();
    for (i, case) in table.iter().enumerate() {
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| a.replace("{DIR}", dir.to_str().unwrap()))
            .collect();
        let label = format!("case {i}: zmgr --sandbox DIR {args:?} ({:?})", case.prep);
        let undo = prepare(&dir, &case.prep);
        let before = snapshot(&dir);
        let logged = invocations(&env).len();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = env.sandbox(&argv);
        let changed = differences(&before, &snapshot(&dir));
        let tools = invocations(&env).split_off(logged);
        let why = judge(case, &run, &dir, &changed, &tools);
        if !why.is_empty() {
            failures.push(format!(
                "{label}\n  - {}\n  expected exit {} saying {:?}\n  --- stdout ---\n{}  --- stderr ---\n{}",
                why.join("\n  - "),
                case.exit,
                case.says,
                visible(&run.stdout()),
                visible(&run.stderr())
            ));
        }
        // Put the sandbox back as it was: the broken file first, then, if anything else is
        // different, the whole folder.
        if let Some((path, old)) = undo {
            match old {
                Some(bytes) => std::fs::write(&path, bytes).unwrap(),
                None => std::fs::remove_file(&path).unwrap(),
            }
        }
        if snapshot(&dir) != pristine {
            std::fs::remove_dir_all(&dir).unwrap();
            copy_tree(&copy, &dir);
            assert!(
                snapshot(&dir) == pristine,
                "the sandbox could not be restored"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&copy);
    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n\n{}",
        failures.len(),
        table.len(),
        failures.join("\n\n")
    );
}
