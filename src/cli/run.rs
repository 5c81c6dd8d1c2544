//! Dispatch: each subcommand resolves its settings, makes one library call and renders the result.

use std::io;

use super::{Cli, Command, ConfigCommand, GlobalArgs};
use crate::config::{self, FileChoice, Inputs};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::output;

/// Runs the parsed command line. Logging must already be initialised.
pub fn run(cli: &Cli) -> Result<ExitStatus, Error> {
    let format = cli.global.output;
    match &cli.command {
        Command::Config(ConfigCommand::Check) => {
            let report = config::check(&inputs(&cli.global)?)?;
            finish(output::render_config_report(&report, format))
        }
        Command::Completions(args) => finish(output::write_stdout(&super::completions(args.shell))),
        Command::Man(args) => match &args.dir {
            Some(dir) => {
                let written = super::write_man_pages(dir)?;
                finish(output::render_paths(&written, format))
            }
            None => {
                let pages = super::man_pages().map_err(|source| Error::Write {
                    path: "stdout".into(),
                    source,
                })?;
                let main_page = pages.first().map(|(_, page)| page.as_slice());
                finish(output::write_stdout(main_page.unwrap_or_default()))
            }
        },
    }
}

/// The configuration inputs the global options and the process environment give.
fn inputs(global: &GlobalArgs) -> Result<Inputs, Error> {
    let overrides = global
        .set
        .iter()
        .map(|given| config::parse_override(given))
        .collect::<Result<Vec<_>, _>>()?;
    let file = match &global.config {
        Some(path) => FileChoice::Explicit(path.clone()),
        None => FileChoice::Discover,
    };
    Ok(Inputs::from_process(file, overrides))
}

/// A closed stdout (`rpc … | head`) is not an error; any other write failure is.
fn finish(result: io::Result<()>) -> Result<ExitStatus, Error> {
    match result {
        Ok(()) => Ok(ExitStatus::Success),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(ExitStatus::Success),
        Err(source) => Err(Error::Write {
            path: "stdout".into(),
            source,
        }),
    }
}
