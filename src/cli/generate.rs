//! `rpc completions` and `rpc man`: generated from the clap definitions.

use std::io;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;
use crate::error::Error;

/// Arguments of `rpc completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Arguments of `rpc man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command into this directory instead of printing rpc(1)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "rpc", &mut script);
    script
}

/// Every man page: `rpc.1`, then `rpc-<command>.1` for each subcommand, depth first.
pub fn man_pages() -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut command = Cli::command();
    command.build();
    let mut pages = Vec::new();
    collect_pages(&command, "rpc", &mut pages)?;
    Ok(pages)
}

fn collect_pages(
    command: &clap::Command,
    name: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> io::Result<()> {
    let command = command
        .clone()
        .name(name.to_owned())
        .bin_name(name.replace('-', " "));
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    pages.push((format!("{name}.1"), page));
    for sub in command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
    {
        collect_pages(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

/// Writes every man page into `dir` (created if needed); returns the files written.
pub fn write_man_pages(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let pages = man_pages().map_err(write_error(dir))?;
    let mut written = Vec::with_capacity(pages.len());
    for (name, page) in pages {
        let path = dir.join(name);
        std::fs::write(&path, page).map_err(write_error(&path))?;
        written.push(path);
    }
    Ok(written)
}
