//! Read-only verbs over zone entries written by hand: `list`, `show`, `template`, `pool` and
//! `publisher list|show`, as tables, JSON and `-p -o` lines.

use serde_json::{Value, json};

use crate::harness::TestEnv;
use crate::registry_support::{Diag, refused};

/// An initialised registry with an IPv4 pool (gateway, reserved and excluded addresses, two
/// ranges), an IPv6 /64 pool, a third template, and four zones, one with two nets.
fn fixture() -> TestEnv {
    let env = TestEnv::initialised();
    env.write(
        "pools/lan.kdl",
        r#"// The office LAN.
pool "lan" {
    description "office LAN"
    network "10.1.0.0/24"
    gateway "10.1.0.1"
    stub "stub0"
    // 20 addresses, less the gateway, one reserved and three excluded: 15
    range "10.1.0.1" "10.1.0.20"
    // 6 addresses, less the broadcast address: 5
    range "10.1.0.250" "10.1.0.255"
    reserve "10.1.0.2" "10.1.0.200"
    exclude "10.1.0.5" "10.1.0.7"
}
"#,
    );
    env.write(
        "pools/v6.kdl",
        r#"pool "v6" {
    network "2001:db8:1::/64"
    gateway "2001:db8:1::1"
    stub "stub1"
    range "2001:db8:1::/64"
}
"#,
    );
    env.write("templates/web-post.rhai", "print(\"installed\");\n");
    env.write(
        "templates/web.kdl",
        r#"// Web servers.
template "web" {
    description "nginx web servers"
    brand "nlipkg"
    autoboot #false
    ip-type "exclusive"
    pool "lan"
    publisher "openindiana.org"
    packages "web/server/nginx" "editor/vim"
    zonecfg {
        property "limitpriv" "default,dtrace_proc"
        attr "tier" 3 type="int"
        resource "capped-memory" {
            physical "2G"
        }
        resource "rctl" {
            name "zone.max-lwps"
            value priv="privileged" limit=2000 action="deny"
        }
    }
    hooks {
        post-install "web-post.rhai"
    }
}
"#,
    );
    env.write(
        "zones/web01.kdl",
        r#"zone "web01" {
    brand "ipkg"
    template "ipkg"
    zonepath "/zones/web01"
    ip-type "exclusive"
    state "running"
    created "2026-01-02T03:04:05Z"
    net "web01_0" address="10.1.0.3/24" pool="lan" vnic=#true
}
"#,
    );
    env.write(
        "zones/web02.kdl",
        r#"zone "web02" {
    brand "ipkg"
    template "ipkg"
    zonepath "/zones/web02"
    state "installed"
    net "web02_0" address="10.1.0.4/24" pool="lan" vnic=#true
}
"#,
    );
    env.write(
        "zones/db01.kdl",
        r#"// Written by hand.
zone "db01" {
    brand "nlipkg"
    template "nlipkg"
    zonepath "/zones/db01"
    state "configured"
    created "2026-02-03T04:05:06Z"
    net "db01_0" address="10.1.0.9/24" pool="lan" vnic=#true
    net "db01_1" address="2001:db8:1::2/64" pool="v6" vnic=#true
}
"#,
    );
    env.write(
        "zones/v6only.kdl",
        r#"zone "v6only" {
    brand "ipkg"
    zonepath "/zones/v6only"
    ip-type "shared"
    state "down"
    net "e1000g0" address="2001:db8:1::a"
}
"#,
    );
    env
}

/// Runs a read-only verb that must succeed quietly, proving it changed no file.
#[track_caller]
fn quiet(env: &TestEnv, args: &[&str]) -> String {
    let before = env.snapshot();
    let run = env.zmgr(args);
    run.success()
        .check(run.stderr().is_empty(), "no diagnostics expected");
    assert!(before == env.snapshot(), "{args:?} changed files");
    env.normalise(&run.stdout())
}

#[track_caller]
fn json_of(env: &TestEnv, args: &[&str]) -> Value {
    let out = quiet(env, args);
    let mut v: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{out}"));
    let version = v.as_object_mut().and_then(|o| o.remove("version"));
    assert_eq!(version, Some(json!(1)), "{args:?}: no version 1:\n{out}");
    v
}

/// A verb that must fail with exit 1 (an object that does not exist).
#[track_caller]
fn not_found(env: &TestEnv, args: &[&str]) -> Diag {
    let before = env.snapshot();
    let run = env.zmgr(args);
    run.exit(1).stdout_is("");
    assert!(before == env.snapshot());
    let ds = crate::registry_support::diags(env, &run.stderr());
    assert_eq!(ds.len(), 1, "{ds:#?}");
    ds[0].clone()
}

#[test]
fn fixture_is_valid() {
    let env = fixture();
    env.zmgr(&["check"]).success().stdout_is(&format!(
        "{} is valid: 3 templates, 3 pools, 4 zones, 1 publisher\n",
        env.root().display()
    ));
}

// ---------------------------------------------------------------------------------------------
// Zones

#[test]
fn list_table() {
    let env = fixture();
    assert_eq!(
        quiet(&env, &["list"]),
        "\
NAME    STATE       BRAND   TEMPLATE  ADDRESS                       POOL
db01    configured  nlipkg  nlipkg    10.1.0.9/24,2001:db8:1::2/64  lan,v6
v6only  down        ipkg    -         2001:db8:1::a                 -
web01   running     ipkg    ipkg      10.1.0.3/24                   lan
web02   installed   ipkg    ipkg      10.1.0.4/24                   lan
"
    );
}

#[test]
fn list_with_chosen_columns() {
    let env = fixture();
    assert_eq!(
        quiet(&env, &["list", "-o", "name,link,ip-type,created"]),
        "\
NAME    LINK           IP_TYPE    CREATED
db01    db01_0,db01_1  exclusive  2026-02-03T04:05:06Z
v6only  e1000g0        shared     -
web01   web01_0        exclusive  2026-01-02T03:04:05Z
web02   web02_0        exclusive  -
"
    );
}

#[test]
fn list_of_an_empty_registry_is_the_header() {
    let env = TestEnv::initialised();
    assert_eq!(
        quiet(&env, &["list"]),
        "NAME  STATE  BRAND  TEMPLATE  ADDRESS  POOL\n"
    );
    assert_eq!(
        quiet(&env, &["list", "--json"]),
        "{\n  \"version\": 1,\n  \"zones\": []\n}\n"
    );
    assert_eq!(quiet(&env, &["list", "-p", "-o", "name"]), "");
}

#[test]
fn list_json() {
    let env = fixture();
    let v = json_of(&env, &["list", "--json"]);
    let zones = v["zones"].as_array().expect("an array");
    let names: Vec<&str> = zones.iter().map(|z| z["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["db01", "v6only", "web01", "web02"]);
    assert_eq!(
        zones[0],
        json!({
            "name": "db01",
            "state": "configured",
            "brand": "nlipkg",
            "template": "nlipkg",
            "zonepath": "/zones/db01",
            "ip_type": "exclusive",
            "created": "2026-02-03T04:05:06Z",
            "nets": [
                {"link": "db01_0", "address": "10.1.0.9/24", "pool": "lan", "vnic": true},
                {"link": "db01_1", "address": "2001:db8:1::2/64", "pool": "v6", "vnic": true},
            ],
        })
    );
    assert_eq!(
        zones[1],
        json!({
            "name": "v6only",
            "state": "down",
            "brand": "ipkg",
            "template": null,
            "zonepath": "/zones/v6only",
            "ip_type": "shared",
            "created": null,
            "nets": [
                {"link": "e1000g0", "address": "2001:db8:1::a", "pool": null, "vnic": false},
            ],
        })
    );
    assert_eq!(zones[3]["state"], "installed");
    assert_eq!(zones[3]["created"], Value::Null);
}

#[test]
fn parsable_escapes_colons_only_with_several_fields() {
    let env = fixture();
    assert_eq!(
        quiet(&env, &["list", "-p", "-o", "name,address"]),
        "\
db01:10.1.0.9/24,2001\\:db8\\:1\\:\\:2/64
v6only:2001\\:db8\\:1\\:\\:a
web01:10.1.0.3/24
web02:10.1.0.4/24
"
    );
    assert_eq!(
        quiet(&env, &["list", "-p", "-o", "address"]),
        "10.1.0.9/24,2001:db8:1::2/64\n2001:db8:1::a\n10.1.0.3/24\n10.1.0.4/24\n"
    );
    // Empty fields stay empty: scripts split on `:`.
    assert_eq!(
        quiet(&env, &["list", "-p", "-o", "name,template,state"]),
        "db01:nlipkg:configured\nv6only::down\nweb01:ipkg:running\nweb02:ipkg:installed\n"
    );
}

#[test]
fn parsable_needs_fields() {
    let env = fixture();
    for verb in [&["list"][..], &["pool", "list"], &["show", "web01"]] {
        let mut args = verb.to_vec();
        args.push("-p");
        let (_, ds) = refused(&env, &args);
        assert_eq!(ds.len(), 1, "{args:?}: {ds:#?}");
        assert_eq!(
            ds[0].message,
            "-p needs the fields to print, as in -p -o name,state"
        );
        assert_eq!(
            ds[0].help.as_deref(),
            Some(
                "parsable output names its fields so that scripts keep working when new fields are added"
            )
        );
    }
    let (_, ds) = refused(&env, &["list", "-p", "-o", "all"]);
    assert_eq!(
        ds[0].message,
        "-o all cannot be used with -p; name the fields"
    );
    let (_, ds) = refused(&env, &["list", "--json", "-p", "-o", "name"]);
    assert_eq!(ds[0].message, "--json and -p cannot be used together");
    let (_, ds) = refused(&env, &["list", "--json", "-o", "name"]);
    assert_eq!(
        ds[0].message,
        "--json prints every field; -o only applies to tables and -p"
    );
}

#[test]
fn unknown_output_field_suggests_one() {
    let env = fixture();
    let (_, ds) = refused(&env, &["list", "-o", "name,adress"]);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(ds[0].message, "unknown output field `adress`");
    assert_eq!(
        ds[0].help.as_deref(),
        Some(
            "did you mean `address`? fields: name, state, brand, template, address, pool, link, zonepath, ip_type, created"
        )
    );
    let (_, ds) = refused(&env, &["pool", "list", "-p", "-o", "name,nxt"]);
    assert_eq!(ds[0].message, "unknown output field `nxt`");
    assert_eq!(
        ds[0].help.as_deref(),
        Some("did you mean `next`? fields: name, network, gateway, stub, size, used, free, next")
    );
    let (_, ds) = refused(&env, &["publisher", "list", "-o", "colour"]);
    assert_eq!(
        ds[0].help.as_deref(),
        Some("fields: name, origins, mirrors")
    );
}

#[test]
fn show_zone_as_key_values() {
    let env = fixture();
    assert_eq!(
        quiet(&env, &["show", "db01"]),
        "\
name:      db01
state:     configured
brand:     nlipkg
template:  nlipkg
address:   10.1.0.9/24,2001:db8:1::2/64
pool:      lan,v6
link:      db01_0,db01_1
zonepath:  /zones/db01
ip_type:   exclusive
created:   2026-02-03T04:05:06Z
"
    );
    assert_eq!(
        quiet(&env, &["show", "v6only"]),
        "\
name:      v6only
state:     down
brand:     ipkg
template:  -
address:   2001:db8:1::a
pool:      -
link:      e1000g0
zonepath:  /zones/v6only
ip_type:   shared
created:   -
"
    );
    assert_eq!(
        quiet(&env, &["show", "web01", "-p", "-o", "name,state,address"]),
        "web01:running:10.1.0.3/24\n"
    );
    assert_eq!(
        quiet(&env, &["show", "web01", "-o", "state,address"]),
        "state:    running\naddress:  10.1.0.3/24\n"
    );
}

#[test]
fn show_zone_json_is_the_list_entry() {
    let env = fixture();
    let list = json_of(&env, &["list", "--json"])["zones"].clone();
    for (i, name) in ["db01", "v6only", "web01", "web02"].iter().enumerate() {
        assert_eq!(json_of(&env, &["show", name, "--json"]), list[i], "{name}");
    }
}

#[test]
fn show_missing_zone() {
    let env = fixture();
    let d = not_found(&env, &["show", "web03"]);
    assert_eq!(d.message, "zone `web03` is not in the registry");
    assert_eq!(d.help.as_deref(), Some("did you mean `web01`?"));
    let d = not_found(&env, &["show", "mail"]);
    assert_eq!(d.message, "zone `mail` is not in the registry");
    assert_eq!(
        d.help.as_deref(),
        Some("known zones: db01, v6only, web01, web02")
    );
}

// ---------------------------------------------------------------------------------------------
// Templates

#[test]
fn template_list_and_show() {
    let env = fixture();
    assert_eq!(
        quiet(&env, &["template", "list"]),
        "\
NAME    BRAND   AUTOBOOT  IP_TYPE    POOL     PUBLISHERS       DESCRIPTION
ipkg    ipkg    true      exclusive  default  openindiana.org  OpenIndiana whole-root zone
nlipkg  nlipkg  true      exclusive  default  openindiana.org  OpenIndiana non-linked whole-root zone
web     nlipkg  false     exclusive  lan      openindiana.org  nginx web servers
"
    );
    assert_eq!(
        quiet(&env, &["template", "show", "web"]),
        "\
name:         web
brand:        nlipkg
autoboot:     false
ip_type:      exclusive
pool:         lan
publishers:   openindiana.org
description:  nginx web servers
packages:     web/server/nginx, editor/vim
zonecfg:      set limitpriv=\"default,dtrace_proc\"
zonecfg:      attr tier int \"3\"
zonecfg:      capped-memory physical=\"2G\"
zonecfg:      rctl name=\"zone.max-lwps\" value=(priv=privileged,limit=2000,action=deny)
hook:         post-install web-post.rhai
file:         $DIR/etc/zmgr/templates/web.kdl
"
    );
    assert_eq!(
        quiet(
            &env,
            &["template", "list", "-p", "-o", "name,pool,autoboot"]
        ),
        "ipkg:default:true\nnlipkg:default:true\nweb:lan:false\n"
    );
}

#[test]
fn template_show_json() {
    let env = fixture();
    let v = json_of(&env, &["template", "show", "web", "--json"]);
    assert_eq!(v["name"], "web");
    assert_eq!(v["brand"], "nlipkg");
    assert_eq!(v["autoboot"], false);
    assert_eq!(v["ip_type"], "exclusive");
    assert_eq!(v["pool"], "lan");
    assert_eq!(v["publishers"], json!(["openindiana.org"]));
    assert_eq!(v["packages"], json!(["web/server/nginx", "editor/vim"]));
    assert_eq!(
        v["hooks"],
        json!([
            {"point": "pre-install", "scripts": []},
            {"point": "post-install", "scripts": ["web-post.rhai"]},
            {"point": "post-boot", "scripts": []},
            {"point": "pre-destroy", "scripts": []},
            {"point": "post-destroy", "scripts": []},
        ])
    );
    assert_eq!(
        v["zonecfg"]["properties"],
        json!([["limitpriv", "default,dtrace_proc"]])
    );
    assert_eq!(
        v["zonecfg"]["attrs"],
        json!([{"name": "tier", "type": "int", "value": "3"}])
    );
    assert_eq!(v["zonecfg"]["resources"][0]["type"], "capped-memory");
    assert_eq!(
        v["zonecfg"]["resources"][1]["properties"][1],
        json!({"name": "value", "value": [["priv", "privileged"], ["limit", "2000"], ["action", "deny"]]})
    );
    assert_eq!(
        env.normalise(v["file"].as_str().unwrap()),
        "$DIR/etc/zmgr/templates/web.kdl"
    );
    let list = json_of(&env, &["template", "list", "--json"]);
    assert_eq!(list["templates"][2], v);
}

#[test]
fn template_show_missing() {
    let env = fixture();
    let d = not_found(&env, &["template", "show", "wbe"]);
    assert_eq!(d.message, "template `wbe` is not in the registry");
    assert_eq!(d.help.as_deref(), Some("did you mean `web`?"));
    let d = not_found(&env, &["template", "show", "database"]);
    assert_eq!(
        d.help.as_deref(),
        Some("known templates: ipkg, nlipkg, web")
    );
}

// ---------------------------------------------------------------------------------------------
// Pools

#[test]
fn pool_list_counts_size_use_and_next_free_address() {
    let env = fixture();
    assert_eq!(
        quiet(&env, &["pool", "list"]),
        "\
NAME     NETWORK           GATEWAY        STUB        SIZE                  USED  FREE                  NEXT
default  192.168.100.0/24  192.168.100.1  zmgr_stub0  241                   0     241                   192.168.100.10
lan      10.1.0.0/24       10.1.0.1       stub0       20                    3     17                    10.1.0.8
v6       2001:db8:1::/64   2001:db8:1::1  stub1       18446744073709551614  2     18446744073709551612  2001:db8:1::3
"
    );
    assert_eq!(
        quiet(
            &env,
            &["pool", "list", "-p", "-o", "name,size,used,free,next"]
        ),
        "\
default:241:0:241:192.168.100.10
lan:20:3:17:10.1.0.8
v6:18446744073709551614:2:18446744073709551612:2001\\:db8\\:1\\:\\:3
"
    );
    assert_eq!(
        quiet(&env, &["pool", "list", "-p", "-o", "next"]),
        "192.168.100.10\n10.1.0.8\n2001:db8:1::3\n"
    );
}

#[test]
fn pool_show_ipv4() {
    let env = fixture();
    assert_eq!(
        quiet(&env, &["pool", "show", "lan"]),
        "\
name:         lan
network:      10.1.0.0/24
gateway:      10.1.0.1
stub:         stub0
size:         20
used:         3
free:         17
next:         10.1.0.8
ranges:       10.1.0.1-10.1.0.20, 10.1.0.250-10.1.0.255
reserved:     10.1.0.2, 10.1.0.200
excluded:     10.1.0.5-10.1.0.7
description:  office LAN
file:         $DIR/etc/zmgr/pools/lan.kdl

ZONE   ADDRESS      STATE
db01   10.1.0.9/24  configured
web01  10.1.0.3/24  running
web02  10.1.0.4/24  installed
"
    );
}

#[test]
fn pool_show_ipv6_slash_64() {
    let env = fixture();
    assert_eq!(
        quiet(&env, &["pool", "show", "v6"]),
        "\
name:     v6
network:  2001:db8:1::/64
gateway:  2001:db8:1::1
stub:     stub1
size:     18446744073709551614
used:     2
free:     18446744073709551612
next:     2001:db8:1::3
ranges:   2001:db8:1::-2001:db8:1:0:ffff:ffff:ffff:ffff
file:     $DIR/etc/zmgr/pools/v6.kdl

ZONE    ADDRESS           STATE
db01    2001:db8:1::2/64  configured
v6only  2001:db8:1::a     down
"
    );
}

#[test]
fn pool_show_json() {
    let env = fixture();
    let v = json_of(&env, &["pool", "show", "lan", "--json"]);
    assert_eq!(v["name"], "lan");
    assert_eq!(v["description"], "office LAN");
    assert_eq!(v["network"], "10.1.0.0/24");
    assert_eq!(v["prefix_length"], 24);
    assert_eq!(v["gateway"], "10.1.0.1");
    assert_eq!(v["stub"], "stub0");
    // Counts are strings: an IPv6 pool's exceed what JSON numbers hold exactly.
    assert_eq!(
        (&v["size"], &v["used"], &v["free"], &v["next"]),
        (&json!("20"), &json!("3"), &json!("17"), &json!("10.1.0.8"))
    );
    assert_eq!(
        v["ranges"],
        json!([
            {"start": "10.1.0.1", "end": "10.1.0.20"},
            {"start": "10.1.0.250", "end": "10.1.0.255"},
        ])
    );
    assert_eq!(v["reserved"], json!(["10.1.0.2", "10.1.0.200"]));
    assert_eq!(
        v["excluded"],
        json!([{"start": "10.1.0.5", "end": "10.1.0.7"}])
    );
    assert_eq!(
        v["zones"],
        json!([
            {"zone": "db01", "address": "10.1.0.9/24", "state": "configured", "host": null, "claim": null},
            {"zone": "web01", "address": "10.1.0.3/24", "state": "running", "host": null, "claim": null},
            {"zone": "web02", "address": "10.1.0.4/24", "state": "installed", "host": null, "claim": null},
        ])
    );
    let v6 = json_of(&env, &["pool", "show", "v6", "--json"]);
    assert_eq!(
        (&v6["size"], &v6["used"], &v6["free"], &v6["next"]),
        (
            &json!("18446744073709551614"),
            &json!("2"),
            &json!("18446744073709551612"),
            &json!("2001:db8:1::3")
        )
    );
}

#[test]
fn next_free_address_follows_the_zones() {
    let env = fixture();
    // 10.1.0.8 is the last free address before db01's 10.1.0.9; the next one after that is
    // 10.1.0.10.
    env.write(
        "zones/app01.kdl",
        "zone \"app01\" {\n    brand \"ipkg\"\n    zonepath \"/zones/app01\"\n    state \"installed\"\n    net \"app01_0\" address=\"10.1.0.8/24\" pool=\"lan\"\n}\n",
    );
    assert_eq!(
        quiet(&env, &["pool", "list", "-p", "-o", "name,used,free,next"]),
        "default:0:241:192.168.100.10\nlan:4:16:10.1.0.10\nv6:2:18446744073709551612:2001\\:db8\\:1\\:\\:3\n"
    );
}

#[test]
fn full_pool_has_no_next_address() {
    let env = TestEnv::initialised();
    env.write(
        "pools/tiny.kdl",
        "pool \"tiny\" {\n    network \"10.8.0.0/29\"\n    gateway \"10.8.0.1\"\n    stub \"stub0\"\n    range \"10.8.0.0/29\"\n    exclude \"10.8.0.2\" \"10.8.0.5\"\n}\n",
    );
    env.write(
        "zones/f1.kdl",
        "zone \"f1\" {\n    brand \"ipkg\"\n    zonepath \"/zones/f1\"\n    state \"installed\"\n    net \"f1_0\" address=\"10.8.0.6/29\" pool=\"tiny\"\n}\n",
    );
    assert_eq!(
        quiet(&env, &["pool", "list", "-o", "name,size,used,free,next"]),
        "\
NAME     SIZE  USED  FREE  NEXT
default  241   0     241   192.168.100.10
tiny     1     1     0     -
"
    );
    let v = json_of(&env, &["pool", "show", "tiny", "--json"]);
    assert_eq!(v["next"], Value::Null);
    assert_eq!(v["free"], "0");
}

#[test]
fn pool_show_missing() {
    let env = fixture();
    let d = not_found(&env, &["pool", "show", "lna"]);
    assert_eq!(d.message, "pool `lna` is not in the registry");
    assert_eq!(d.help.as_deref(), Some("did you mean `lan`?"));
}

// ---------------------------------------------------------------------------------------------
// Publishers

#[test]
fn publisher_list_and_show() {
    let env = fixture();
    env.write(
        "publishers/site.kdl",
        "publisher \"site\" {\n    origin \"https://pkg.example.org/site\" \"http://pkg2.example.org/site\"\n    mirror \"https://m.example.org/site\"\n}\n",
    );
    assert_eq!(
        quiet(&env, &["publisher", "list"]),
        "\
NAME             ORIGINS
openindiana.org  https://pkg.openindiana.org/hipster
site             https://pkg.example.org/site,http://pkg2.example.org/site
"
    );
    assert_eq!(
        quiet(&env, &["publisher", "show", "site"]),
        "\
name:     site
origins:  https://pkg.example.org/site,http://pkg2.example.org/site
mirrors:  https://m.example.org/site
"
    );
    assert_eq!(
        quiet(&env, &["publisher", "list", "-p", "-o", "name,origins"]),
        "openindiana.org:https\\://pkg.openindiana.org/hipster\nsite:https\\://pkg.example.org/site,http\\://pkg2.example.org/site\n"
    );
    assert_eq!(
        json_of(&env, &["publisher", "list", "--json"]),
        json!({"publishers": [
            {"name": "openindiana.org", "origins": ["https://pkg.openindiana.org/hipster"], "mirrors": []},
            {
                "name": "site",
                "origins": ["https://pkg.example.org/site", "http://pkg2.example.org/site"],
                "mirrors": ["https://m.example.org/site"],
            },
        ]})
    );
    assert_eq!(
        json_of(&env, &["publisher", "show", "openindiana.org", "--json"]),
        json!({"name": "openindiana.org", "origins": ["https://pkg.openindiana.org/hipster"], "mirrors": []})
    );
    let d = not_found(&env, &["publisher", "show", "stie"]);
    assert_eq!(d.message, "publisher `stie` is not in the registry");
    assert_eq!(d.help.as_deref(), Some("did you mean `site`?"));
}
