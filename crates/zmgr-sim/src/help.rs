//! zonecfg's usage and help texts.

use crate::lexer::{CmdWord, Rt};

pub const HELP_USAGE: u32 = 0x1;
pub const HELP_SUBCMDS: u32 = 0x2;
pub const HELP_SYNTAX: u32 = 0x4;
pub const HELP_RESOURCES: u32 = 0x8;
pub const HELP_PROPS: u32 = 0x10;
pub const HELP_META: u32 = 0x20;
pub const HELP_NETADDR: u32 = 0x40;
pub const HELP_RES_SCOPE: u32 = 0x80;
pub const HELP_RES_PROPS: u32 = HELP_RESOURCES | HELP_PROPS;

/// The commands in help-table order.
pub const COMMANDS: [CmdWord; 16] = [
    CmdWord::Add,
    CmdWord::Cancel,
    CmdWord::Clear,
    CmdWord::Commit,
    CmdWord::Create,
    CmdWord::Delete,
    CmdWord::End,
    CmdWord::Exit,
    CmdWord::Export,
    CmdWord::Help,
    CmdWord::Info,
    CmdWord::Remove,
    CmdWord::Revert,
    CmdWord::Select,
    CmdWord::Set,
    CmdWord::Verify,
];

pub fn cmd_name(c: CmdWord) -> &'static str {
    match c {
        CmdWord::Add => "add",
        CmdWord::Cancel => "cancel",
        CmdWord::Clear => "clear",
        CmdWord::Commit => "commit",
        CmdWord::Create => "create",
        CmdWord::Delete => "delete",
        CmdWord::End => "end",
        CmdWord::Exit => "exit",
        CmdWord::Export => "export",
        CmdWord::Help => "help",
        CmdWord::Info => "info",
        CmdWord::Remove => "remove",
        CmdWord::Revert => "revert",
        CmdWord::Select => "select",
        CmdWord::Set => "set",
        CmdWord::Verify => "verify",
    }
}

pub fn short_usage(c: CmdWord) -> &'static str {
    match c {
        CmdWord::Add => {
            "add <resource-type>\n\t(global scope)\nadd <property-name> <property-value>\n\t(resource scope)"
        }
        CmdWord::Cancel => "cancel",
        CmdWord::Clear => "clear <property-name>",
        CmdWord::Commit => "commit",
        CmdWord::Create => "create [-F] [ -a <path> | -b | -t <template> ]",
        CmdWord::Delete => "delete [-F]",
        CmdWord::End => "end",
        CmdWord::Exit => "exit [-F]",
        CmdWord::Export => "export [-f output-file]",
        CmdWord::Help => "help [commands] [syntax] [usage] [<command-name>]",
        CmdWord::Info => "info [<resource-type> [property-name=property-value]*]",
        CmdWord::Remove => {
            "remove [-F] <resource-type> [ <property-name>=<property-value> ]*\n\t(global scope)\nremove <property-name> <property-value>\n\t(resource scope)"
        }
        CmdWord::Revert => "revert [-F]",
        CmdWord::Select => "select <resource-type> { <property-name>=<property-value> }",
        CmdWord::Set => "set <property-name>=<property-value>",
        CmdWord::Verify => "verify",
    }
}

/// Extra usage sections `help <command>` shows after the long help.
pub fn help_flags(c: CmdWord) -> u32 {
    match c {
        CmdWord::Add | CmdWord::Info | CmdWord::Remove | CmdWord::Select => HELP_RES_PROPS,
        CmdWord::Clear | CmdWord::Set => HELP_PROPS,
        _ => 0,
    }
}

pub fn long_help(c: CmdWord) -> String {
    match c {
        CmdWord::Help => "Prints help message.".into(),
        CmdWord::Create => "Creates a configuration for the specified zone.  create should be\n\tused to begin configuring a new zone.  If overwriting an existing\n\tconfiguration, the -F flag can be used to force the action.  If\n\t-t template is given, creates a configuration identical to the\n\tspecified template, except that the zone name is changed from\n\ttemplate to zonename.  'create -a' creates a configuration from a\n\tdetached zonepath.  'create -b' results in a blank configuration.\n\t'create' with no arguments applies the Sun default settings.".into(),
        CmdWord::Exit => "Exits the program.  The -F flag can be used to force the action.".into(),
        CmdWord::Export => "Prints configuration to standard output, or to output-file if\n\tspecified, in a form suitable for use in a command-file.".into(),
        CmdWord::Add => "Add specified resource to configuration.".into(),
        CmdWord::Delete => "Deletes the specified zone.  The -F flag can be used to force the\n\taction.".into(),
        CmdWord::Remove => "Remove specified resource from configuration.  The -F flag can be used\n\tto force the action.".into(),
        CmdWord::Select => "Selects a resource to modify.  Resource modification is completed\n\twith the command \"end\".  The property name/value pairs must uniquely\n\tidentify a resource.  Note that the curly braces ('{', '}') mean one\n\tor more of whatever is between them.".into(),
        CmdWord::Set => "Sets property values.".into(),
        CmdWord::Clear => "Clears property values.".into(),
        CmdWord::Info => "Displays information about the current configuration.  If resource\n\ttype is specified, displays only information about resources of\n\tthe relevant type.  If resource id is specified, displays only\n\tinformation about that resource.".into(),
        CmdWord::Verify => "Verifies current configuration for correctness (some resource types\n\thave required properties).".into(),
        CmdWord::Commit => "Commits current configuration.  Configuration must be committed to\n\tbe used by zoneadm.  Until the configuration is committed, changes \n\tcan be removed with the revert command.  This operation is\n\tattempted automatically upon completion of a zonecfg session.".into(),
        CmdWord::Revert => "Reverts configuration back to the last committed state.  The -F flag\n\tcan be used to force the action.".into(),
        CmdWord::Cancel => "Cancels resource/property specification.".into(),
        CmdWord::End => "Ends resource/property specification.".into(),
    }
}

fn res_scope(rt: Rt) -> String {
    let body = match rt {
        Rt::Fs => concat!(
            "The 'fs' resource scope is used to configure a file-system.\n",
            "Valid commands:\n",
            "\tset dir=<path>\n",
            "\tset special=<path>\n",
            "\tset raw=<raw-device>\n",
            "\tset type=<file-system type>\n",
            "\tadd options <file-system options>\n",
            "\tremove options <file-system options>\n",
            "Consult the file-system specific manual page, such as mount_ufs(8), for\n",
            "details about file-system options.  Note that any file-system options with an\n",
            "embedded '=' character must be enclosed in double quotes, such as \"retry=5\".\n",
        ),
        Rt::Net => concat!(
            "The 'net' resource scope is used to configure a network interface.\n",
            "Valid commands:\n",
            "\tset address=<IP-address>\n",
            "\tadd property (name=<value>,value=<value>)\n",
            "\tset allowed-address=<IP-address>\n",
            "\tset physical=<interface>\n",
            "\tset mac-addr=<mac-address>\n",
            "\tset global-nic=<global zone NIC>\n",
            "\tset vlan-id=<vlan ID>\n",
            "See ifconfig(8) for details of the <interface> string.\n",
            "set address is valid if the ip-type property is set to shared, otherwise it must not be set.\n",
            "set (allowed-address, mac-addr, vlan-id, global-nic) are valid if the ip-type property is set to exclusive, otherwise they must not be set.\n",
            "\tset defrouter=<IP-address>\n",
            "set defrouter is valid if the address or allowed-address property is set, otherwise it must not be set\n",
        ),
        Rt::Device => concat!(
            "The 'device' resource scope is used to configure a device node.\n",
            "Valid commands:\n",
            "\tadd property (name=<value>,value=<value>)\n",
            "\tset match=<device-path>\n",
        ),
        Rt::Rctl => concat!(
            "The 'rctl' resource scope is used to configure a resource control.\n",
            "Valid commands:\n",
            "\tset name=<string>\n",
            "\tadd value (priv=<priv-value>,limit=<number>,action=<action-value>)\n",
            "\tremove value (priv=<priv-value>,limit=<number>,action=<action-value>)\n",
            "Where\n",
            "\t<priv-value> := privileged\n",
            "\t<action-value> := none | deny\n",
        ),
        Rt::Attr => concat!(
            "The 'attr' resource scope is used to configure a generic attribute.\n",
            "Valid commands:\n",
            "\tset name=<name>\n",
            "\tset type=boolean\n",
            "\tset value=true | false\n",
            "or\n",
            "\tset type=int\n",
            "\tset value=<integer>\n",
            "or\n",
            "\tset type=string\n",
            "\tset value=<string>\n",
            "or\n",
            "\tset type=uint\n",
            "\tset value=<unsigned integer>\n",
        ),
        Rt::Dataset => concat!(
            "The 'dataset' resource scope is used to export ZFS datasets.\n",
            "Valid commands:\n",
            "\tset name=<name>\n",
        ),
        Rt::DedicatedCpu => concat!(
            "The 'dedicated-cpu' resource scope configures the 'pools' facility to dedicate\n",
            "a subset of the system's processors to this zone while it is running.\n",
            "Valid commands:\n",
            "\tset ncpus=<unsigned integer | range>\n",
            "\tset importance=<unsigned integer>\n",
        ),
        Rt::CappedCpu => concat!(
            "The 'capped-cpu' resource scope is used to set an upper limit (a cap) on the\n",
            "percentage of CPU that can be used by this zone.  A 'ncpus' value of 1\n",
            "corresponds to one cpu.  The value can be set higher than 1, up to the total\n",
            "number of CPUs on the system.  The value can also be less than 1,\n",
            "representing a fraction of a cpu.\n",
            "Valid commands:\n",
            "\tset ncpus=<unsigned decimal>\n",
        ),
        Rt::CappedMemory => concat!(
            "The 'capped-memory' resource scope is used to set an upper limit (a cap) on the\n",
            "amount of physical memory, swap space and locked memory that can be used by\n",
            "this zone.\n",
            "Valid commands:\n",
            "\tset physical=<qualified unsigned decimal>\n",
            "\tset swap=<qualified unsigned decimal>\n",
            "\tset locked=<qualified unsigned decimal>\n",
        ),
        Rt::Admin => concat!(
            "The 'admin' resource scope is used to delegate specific zone management\n",
            "rights to users and roles. These rights are only applicable to this zone.\n",
            "Valid commands:\n",
            "\tset user=<single user or role name>\n",
            "\tset auths=<comma separated list>\n",
        ),
        Rt::SecurityFlags => concat!(
            "The 'security-flags' resource scope is used to specify the default security-flags\n",
            "of this zone, and their upper and lower bound.\n",
            "\tset default=<security flags>\n",
            "\tset lower=<security flags>\n",
            "\tset upper=<security flags>\n",
        ),
    };
    format!(
        "{body}And from any resource scope, you can:\n\tend\t(to conclude this operation)\n\tcancel\t(to cancel this operation)\n\texit\t(to exit the zonecfg utility)\n"
    )
}

const PROPS_TEXT: &str = concat!(
    "For resource type ... there are property types ...:\n",
    "\t(global)\tzonename\n",
    "\t(global)\tzonepath\n",
    "\t(global)\tbrand\n",
    "\t(global)\tautoboot\n",
    "\t(global)\tbootargs\n",
    "\t(global)\tpool\n",
    "\t(global)\tlimitpriv\n",
    "\t(global)\tscheduling-class\n",
    "\t(global)\tip-type\n",
    "\t(global)\thostid\n",
    "\t(global)\tfs-allowed\n",
    "\t(global)\tmax-lwps\n",
    "\t(global)\tmax-processes\n",
    "\t(global)\tmax-shm-memory\n",
    "\t(global)\tmax-shm-ids\n",
    "\t(global)\tmax-msg-ids\n",
    "\t(global)\tmax-sem-ids\n",
    "\t(global)\tcpu-shares\n",
    "\t(global)\tzfs-io-priority\n",
    "\tfs\t\tdir, special, raw, type, options\n",
    "\tnet\t\taddress, allowed-address, global-nic, mac-addr, physical, property, vlan-id defrouter\n",
    "\tdevice\t\tmatch, property\n",
    "\trctl\t\tname, value\n",
    "\tattr\t\tname, type, value\n",
    "\tdataset\t\tname\n",
    "\tdedicated-cpu\tncpus, importance\n",
    "\tcapped-cpu\tncpus\n",
    "\tcapped-memory\tphysical, swap, locked\n",
    "\tadmin\t\tuser, auths\n",
    "\tsecurity-flags\t\tdefault, lower, upper\n",
);

/// zonecfg's `usage()`: the sections selected by `flags`, in its order.
/// `scope` is the current resource scope for HELP_RES_SCOPE.
pub fn usage(verbose: bool, flags: u32, execname: &str, scope: Option<Rt>) -> String {
    let mut o = String::new();
    if flags & HELP_META != 0 {
        o.push_str("More help is available for the following:\n");
        o.push_str("\n\tcommands ('help commands')\n");
        o.push_str("\tsyntax ('help syntax')\n");
        o.push_str("\tusage ('help usage')\n\n");
        o.push_str("You may also obtain help on any command by typing 'help <command-name>.'\n");
    }
    if flags & HELP_RES_SCOPE != 0
        && let Some(rt) = scope
    {
        o.push_str(&res_scope(rt));
    }
    if flags & HELP_USAGE != 0 {
        o.push_str(&format!("usage:\t{execname} help\n"));
        o.push_str(&format!("\t{execname} -z <zone>\t\t\t(interactive)\n"));
        o.push_str(&format!("\t{execname} -z <zone> <command>\n"));
        o.push_str(&format!("\t{execname} -z <zone> -f <command-file>\n"));
    }
    if flags & HELP_SUBCMDS != 0 {
        o.push_str("Commands:\n\n");
        for c in COMMANDS {
            o.push_str(short_usage(c));
            o.push('\n');
            if verbose {
                o.push_str(&format!("\t{}\n\n", long_help(c)));
            }
        }
    }
    if flags & HELP_SYNTAX != 0 {
        if !verbose {
            o.push('\n');
        }
        o.push_str("<zone> := [A-Za-z0-9][A-Za-z0-9_.-]*\n");
        o.push_str("\t(except the reserved words 'global' and anything starting with 'SUNW')\n");
        o.push_str("\tName must be less than 64 characters.\n");
        if verbose {
            o.push('\n');
        }
    }
    if flags & HELP_NETADDR != 0 {
        o.push_str("\n<net-addr> :=\t<IPv4-address>[/<IPv4-prefix-length>] |\n");
        o.push_str("\t\t<IPv6-address>/<IPv6-prefix-length> |\n");
        o.push_str("\t\t<hostname>[/<IPv4-prefix-length>]\n");
        o.push_str("See inet(3C) for IPv4 and IPv6 address syntax.\n");
        o.push_str("<IPv4-prefix-length> := [0-32]\n");
        o.push_str("<IPv6-prefix-length> := [0-128]\n");
        o.push_str("<hostname> := [A-Za-z0-9][A-Za-z0-9-.]*\n");
    }
    if flags & HELP_RESOURCES != 0 {
        o.push_str("<resource type> := fs | net | device | rctl | attr |\n\tdataset | dedicated-cpu | capped-cpu | capped-memory | admin\n\n");
    }
    if flags & HELP_PROPS != 0 {
        o.push_str(PROPS_TEXT);
    }
    o
}
