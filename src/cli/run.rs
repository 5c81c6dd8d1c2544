//! Dispatch: each subcommand resolves its settings, makes one library call and renders the result.

use std::io;
use std::path::{Path, PathBuf};

use std::time::Duration;

use super::{
    CheckArgs, Cli, CloudCommand, Command, ConfigCommand, GlobalArgs, PolicyCommand, ServeArgs,
    ServeCommand,
};
use crate::cloud::{self, openstack::OpenStackSettings};
use crate::config::{self, Config, FileChoice, Inputs, Override, PolicyConfig};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::github::{ClientSettings, GitHub};
use crate::output;
use crate::policy::{self, DocumentError, Job, JobFlags, PolicyDocument};
use crate::server::{self, client};

/// How long `rpc policy check --server` and `rpc serve token` wait for the server, as the
/// reference hook's `curl --max-time 60`.
const SERVER_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the parsed command line. Logging must already be initialised.
pub fn run(cli: &Cli) -> Result<ExitStatus, Error> {
    let format = cli.global.output;
    match &cli.command {
        Command::Policy(PolicyCommand::Check(args)) => {
            let inputs = inputs(&cli.global, check_overrides(args))?;
            let config = Config::load(&inputs)?;
            let document = policy_document(&config.sections.policy)?;
            let job = if args.from_github_env {
                Job::from_github_env(&inputs.env)?
            } else {
                Job::from_flags(&job_flags(args))?
            };
            if let Some(server) = &config.sections.policy.server {
                let token = config
                    .sections
                    .policy
                    .server_token
                    .as_ref()
                    .ok_or_else(|| Error::Missing {
                        what: "a one-time token for the policy server".into(),
                        hint: "pass --token-file FILE, or set RPC_POLICY_SERVER_TOKEN".into(),
                    })?;
                let answer =
                    runtime()?.block_on(client::check(server, token, &job, SERVER_TIMEOUT))?;
                finish(output::render_remote_verdict(
                    &answer.raw,
                    &answer.summary,
                    format,
                ))?;
                return Ok(answer.summary.verdict.exit_status());
            }
            let github = if policy::needs_github(&document, job.job_type) {
                Some(ClientSettings::from_config(&config.sections.github)?)
            } else {
                None
            };
            let verdict = runtime()?.block_on(async {
                let github = github.map(GitHub::new).transpose()?;
                let phrase = &config.sections.policy.approval_phrase;
                Ok::<_, Error>(policy::check(&job, &document, github.as_ref(), phrase).await)
            })?;
            finish(output::render_verdict(&verdict, format))?;
            Ok(verdict.verdict.exit_status())
        }
        Command::Policy(PolicyCommand::Validate(args)) => {
            let report = match PolicyDocument::read(&args.file) {
                Ok(_) => output::Validation::valid(&args.file),
                Err(DocumentError::Invalid { path, message }) => {
                    output::Validation::invalid(&args.file, path, message)
                }
                Err(source) => {
                    return Err(Error::Document {
                        path: args.file.clone(),
                        source,
                    });
                }
            };
            finish(output::render_validation(&report, format))?;
            Ok(if report.valid {
                ExitStatus::Success
            } else {
                ExitStatus::PolicyFail
            })
        }
        Command::Policy(PolicyCommand::Schema) => {
            finish(output::render_json(&PolicyDocument::schema()))
        }
        Command::Policy(PolicyCommand::Show(args)) => {
            let overrides = args
                .policy
                .iter()
                .map(|path| path_override("policy.document", path, "--policy"))
                .collect();
            let config = Config::load(&inputs(&cli.global, overrides)?)?;
            let document = policy_document(&config.sections.policy)?.effective();
            finish(output::render_document(&document, format))
        }
        Command::Serve(ServeArgs {
            command: Some(ServeCommand::Token(args)),
            ..
        }) => {
            let overrides = vec![Override {
                key: "policy.server".into(),
                value: args.server.clone(),
                flag: "--server".into(),
            }];
            let config = Config::load(&inputs(&cli.global, overrides)?)?;
            let charm =
                config
                    .sections
                    .serve
                    .charm_token
                    .as_ref()
                    .ok_or_else(|| Error::Missing {
                        what: "the charm token".into(),
                        hint:
                            "set CHARM_TOKEN (or RPC_SERVE_CHARM_TOKEN, or serve.charm_token_file)"
                                .into(),
                    })?;
            let server = config
                .sections
                .policy
                .server
                .as_ref()
                .ok_or_else(|| Error::Missing {
                    what: "--server".into(),
                    hint: "pass the URL of the policy server".into(),
                })?;
            let token = runtime()?.block_on(client::mint_token(server, charm, SERVER_TIMEOUT))?;
            finish(output::write_stdout(
                format!("{}\n", token.expose()).as_bytes(),
            ))
        }
        Command::Serve(args) => {
            let mut overrides = Vec::new();
            if let Some(listen) = &args.listen {
                overrides.push(Override {
                    key: "serve.listen".into(),
                    value: listen.clone(),
                    flag: "--listen".into(),
                });
            }
            if let Some(url) = &args.database_url {
                overrides.push(Override {
                    key: "serve.database_url".into(),
                    value: url.clone(),
                    flag: "--database-url".into(),
                });
            }
            let config = Config::load(&inputs(&cli.global, overrides)?)?;
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(Error::Runtime)?
                .block_on(server::serve(&config))?;
            Ok(ExitStatus::Success)
        }
        Command::Cloud(CloudCommand::Check(args)) => {
            let overrides = args
                .os_cloud
                .iter()
                .map(|name| Override {
                    key: "openstack.cloud".into(),
                    value: name.clone(),
                    flag: "--os-cloud".into(),
                })
                .collect();
            let config = Config::load(&inputs(&cli.global, overrides)?)?;
            let settings = OpenStackSettings::from_config(&config.sections.openstack)?;
            let report = runtime()?.block_on(cloud::check::check(
                &settings,
                &config.sections.runners.prefix,
            ))?;
            finish(output::render_cloud_report(&report, format))
        }
        Command::Config(ConfigCommand::Check) => {
            let report = config::check(&inputs(&cli.global, Vec::new())?)?;
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

/// The policy document `[policy]` names, or the built-in one.
fn policy_document(policy: &PolicyConfig) -> Result<PolicyDocument, Error> {
    match &policy.document {
        Some(path) => PolicyDocument::read(path).map_err(|source| Error::Document {
            path: path.clone(),
            source,
        }),
        None => Ok(PolicyDocument::builtin(policy.disallow_fork)),
    }
}

fn job_flags(args: &CheckArgs) -> JobFlags {
    JobFlags {
        repo: args.repo.clone(),
        event: args.event.clone(),
        source_repo: args.source_repo.clone(),
        base_ref: args.base_ref.clone(),
        head_ref: args.head_ref.clone(),
        sha: args.sha.clone(),
        event_payload: args.event_payload.clone(),
    }
}

/// Configuration keys that `rpc policy check` flags set.
fn check_overrides(args: &CheckArgs) -> Vec<Override> {
    let mut overrides = Vec::new();
    if let Some(path) = &args.policy {
        overrides.push(path_override("policy.document", path, "--policy"));
    }
    if let Some(url) = &args.github_url {
        overrides.push(Override {
            key: "github.url".into(),
            value: url.clone(),
            flag: "--github-url".into(),
        });
    }
    if args.no_cache {
        overrides.push(Override {
            key: "github.cache".into(),
            value: "false".into(),
            flag: "--no-cache".into(),
        });
    }
    if let Some(server) = &args.server {
        overrides.push(Override {
            key: "policy.server".into(),
            value: server.clone(),
            flag: "--server".into(),
        });
    }
    if let Some(path) = &args.token_file {
        overrides.push(path_override(
            "policy.server_token_file",
            path,
            "--token-file",
        ));
    }
    overrides
}

fn path_override(key: &str, path: &Path, flag: &str) -> Override {
    Override {
        key: key.into(),
        value: path.display().to_string(),
        flag: flag.into(),
    }
}

/// The configuration inputs of the global options, the command's own flags and the environment.
fn inputs(global: &GlobalArgs, command_overrides: Vec<Override>) -> Result<Inputs, Error> {
    let mut overrides = global
        .set
        .iter()
        .map(|given| config::parse_override(given))
        .collect::<Result<Vec<_>, _>>()?;
    overrides.extend(command_overrides);
    let file = match &global.config {
        Some(path) => FileChoice::Explicit(PathBuf::from(path)),
        None => FileChoice::Discover,
    };
    Ok(Inputs::from_process(file, overrides))
}

/// A runtime for one command's asynchronous work.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
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
