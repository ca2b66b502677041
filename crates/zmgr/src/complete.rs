//! Shell completion for bash, zsh and fish (`ZMGR_COMPLETE=bash zmgr` prints the code a shell
//! sources; see docs/cli.md). The shell then asks zmgr itself for each completion, so the
//! names of zones, templates, pools and publishers come from the registry as it is now: from
//! its folders' file names, without reading a file, which keeps completion instant at tens of
//! thousands of zones. Site scripts complete as verbs.

use clap::CommandFactory;

use crate::args::Cli;

/// Answers the shell and exits when it is asking (`ZMGR_COMPLETE` is set); returns otherwise.
pub fn answer_if_asked() {
    // Named for zmgr: a `COMPLETE` variable some other tool set must not turn every zmgr run
    // into printing completion code.
    clap_complete::CompleteEnv::with_factory(command)
        .var("ZMGR_COMPLETE")
        .complete();
}

/// The command line as completion sees it: the verbs, and each site script as one more.
fn command() -> clap::Command {
    let mut cmd = Cli::command();
    let builtin: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for (name, _) in zmgr_script::site_scripts(&crate::candidates::root()) {
        if !builtin.contains(&name) {
            cmd = cmd.subcommand(
                clap::Command::new(name)
                    .about("Site script")
                    .arg(clap::Arg::new("args").num_args(0..).trailing_var_arg(true)),
            );
        }
    }
    cmd
}
