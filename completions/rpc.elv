
use builtin;
use str;

set edit:completion:arg-completer[rpc] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rpc'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rpc'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand policy 'Decide whether workflow jobs may run; policy-document tools'
            cand serve 'Serve the policy checks over HTTP for runner VMs (the reference API)'
            cand cloud 'Check the OpenStack cloud rpc is configured for'
            cand config 'Inspect and validate configuration'
            cand completions 'Print a shell completion script'
            cand man 'Print or write man pages'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;policy'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Decide whether a workflow job may run on the self-hosted runners'
            cand validate 'Validate a policy document (exit 0 valid, 1 invalid, 2 unreadable)'
            cand schema 'Print the JSON Schema of policy documents'
            cand show 'Print the effective policy document, every default written out'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;policy;check'= {
            cand --repo 'Repository the job runs for, OWNER/NAME'
            cand --event 'GitHub event that triggered the job; events other than pull_request, workflow_dispatch, push and schedule are checked as push'
            cand --source-repo 'Repository the pull request comes from (pull_request)'
            cand --base-ref 'Branch the pull request targets (pull_request)'
            cand --head-ref 'Branch the pull request comes from (pull_request)'
            cand --sha 'Commit the job runs (pull_request)'
            cand --event-payload 'Event payload (webhook JSON) for the author_association rule'
            cand --policy 'Policy document (YAML or JSON) instead of `policy.document` or the built-in one'
            cand --github-url 'GitHub API base URL [env: RPC_GITHUB_URL, GITHUB_API_URL]'
            cand --server 'Ask this `rpc serve` instead of GitHub (no GitHub credential needed) [env: RPC_POLICY_SERVER]'
            cand --token-file 'File holding the one-time token for --server [env: RPC_POLICY_SERVER_TOKEN holds the token]'
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand --from-github-env 'Read the job from the variables of a runner''s job-started hook (GITHUB_REPOSITORY, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_BASE_REF, GITHUB_HEAD_REF)'
            cand --no-cache 'Do not use or update the on-disk cache of GitHub responses'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;policy;validate'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;policy;schema'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;policy;show'= {
            cand --policy 'Policy document instead of `policy.document` or the built-in one'
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;policy;help'= {
            cand check 'Decide whether a workflow job may run on the self-hosted runners'
            cand validate 'Validate a policy document (exit 0 valid, 1 invalid, 2 unreadable)'
            cand schema 'Print the JSON Schema of policy documents'
            cand show 'Print the effective policy document, every default written out'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;policy;help;check'= {
        }
        &'rpc;policy;help;validate'= {
        }
        &'rpc;policy;help;schema'= {
        }
        &'rpc;policy;help;show'= {
        }
        &'rpc;policy;help;help'= {
        }
        &'rpc;serve'= {
            cand --listen 'Address and port to listen on [env: RPC_SERVE_LISTEN] [default: 127.0.0.1:8080]'
            cand --database-url 'Database URL [env: RPC_SERVE_DATABASE_URL, DATABASE_URL, POSTGRESQL_DB_CONNECT_STRING] [default: an SQLite file under the XDG data directory]'
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand token 'Mint a one-time runner token from a running server and print it (charm token from CHARM_TOKEN or `serve.charm_token`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;serve;token'= {
            cand --server 'The server, e.g. http://policy.internal:8080'
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;serve;help'= {
            cand token 'Mint a one-time runner token from a running server and print it (charm token from CHARM_TOKEN or `serve.charm_token`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;serve;help;token'= {
        }
        &'rpc;serve;help;help'= {
        }
        &'rpc;cloud'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Authenticate and report the endpoints, Nova microversion, flavors, networks, images, compute limits and the resources rpc owns under `runners.prefix`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;cloud;check'= {
            cand --os-cloud 'The cloud''s name in clouds.yaml [env: OS_CLOUD]'
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;cloud;help'= {
            cand check 'Authenticate and report the endpoints, Nova microversion, flavors, networks, images, compute limits and the resources rpc owns under `runners.prefix`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;cloud;help;check'= {
        }
        &'rpc;cloud;help;help'= {
        }
        &'rpc;config'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Validate the configuration and print every effective setting with its source'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;config;check'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;config;help'= {
            cand check 'Validate the configuration and print every effective setting with its source'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;config;help;check'= {
        }
        &'rpc;config;help;help'= {
        }
        &'rpc;completions'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;man'= {
            cand --dir 'Write one page per command into this directory instead of printing rpc(1)'
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]'
            cand --set 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)'
            cand --output 'Output format'
            cand --log-format 'Log format on stderr'
            cand -v 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Only log errors'
            cand --quiet 'Only log errors'
            cand --no-progress 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rpc;help'= {
            cand policy 'Decide whether workflow jobs may run; policy-document tools'
            cand serve 'Serve the policy checks over HTTP for runner VMs (the reference API)'
            cand cloud 'Check the OpenStack cloud rpc is configured for'
            cand config 'Inspect and validate configuration'
            cand completions 'Print a shell completion script'
            cand man 'Print or write man pages'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rpc;help;policy'= {
            cand check 'Decide whether a workflow job may run on the self-hosted runners'
            cand validate 'Validate a policy document (exit 0 valid, 1 invalid, 2 unreadable)'
            cand schema 'Print the JSON Schema of policy documents'
            cand show 'Print the effective policy document, every default written out'
        }
        &'rpc;help;policy;check'= {
        }
        &'rpc;help;policy;validate'= {
        }
        &'rpc;help;policy;schema'= {
        }
        &'rpc;help;policy;show'= {
        }
        &'rpc;help;serve'= {
            cand token 'Mint a one-time runner token from a running server and print it (charm token from CHARM_TOKEN or `serve.charm_token`)'
        }
        &'rpc;help;serve;token'= {
        }
        &'rpc;help;cloud'= {
            cand check 'Authenticate and report the endpoints, Nova microversion, flavors, networks, images, compute limits and the resources rpc owns under `runners.prefix`'
        }
        &'rpc;help;cloud;check'= {
        }
        &'rpc;help;config'= {
            cand check 'Validate the configuration and print every effective setting with its source'
        }
        &'rpc;help;config;check'= {
        }
        &'rpc;help;completions'= {
        }
        &'rpc;help;man'= {
        }
        &'rpc;help;help'= {
        }
    ]
    $completions[$command]
}
