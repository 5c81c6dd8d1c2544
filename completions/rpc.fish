# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rpc_global_optspecs
    string join \n config= set= output= v/verbose q/quiet log-format= no-progress h/help V/version
end

function __fish_rpc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rpc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rpc_using_subcommand
    set -l cmd (__fish_rpc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rpc -n "__fish_rpc_needs_command" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_needs_command" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_needs_command" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_needs_command" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_needs_command" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_needs_command" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_needs_command" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_needs_command" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_needs_command" -f -a "policy" -d 'Decide whether workflow jobs may run; policy-document tools'
complete -c rpc -n "__fish_rpc_needs_command" -f -a "serve" -d 'Serve the policy checks over HTTP for runner VMs (the reference API)'
complete -c rpc -n "__fish_rpc_needs_command" -f -a "cloud" -d 'Check the OpenStack cloud rpc is configured for'
complete -c rpc -n "__fish_rpc_needs_command" -f -a "config" -d 'Inspect and validate configuration'
complete -c rpc -n "__fish_rpc_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c rpc -n "__fish_rpc_needs_command" -f -a "man" -d 'Print or write man pages'
complete -c rpc -n "__fish_rpc_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -f -a "check" -d 'Decide whether a workflow job may run on the self-hosted runners'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -f -a "validate" -d 'Validate a policy document (exit 0 valid, 1 invalid, 2 unreadable)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -f -a "schema" -d 'Print the JSON Schema of policy documents'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -f -a "show" -d 'Print the effective policy document, every default written out'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and not __fish_seen_subcommand_from check validate schema show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l repo -d 'Repository the job runs for, OWNER/NAME' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l event -d 'GitHub event that triggered the job; events other than pull_request, workflow_dispatch, push and schedule are checked as push' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l source-repo -d 'Repository the pull request comes from (pull_request)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l base-ref -d 'Branch the pull request targets (pull_request)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l head-ref -d 'Branch the pull request comes from (pull_request)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l sha -d 'Commit the job runs (pull_request)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l event-payload -d 'Event payload (webhook JSON) for the author_association rule' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l policy -d 'Policy document (YAML or JSON) instead of `policy.document` or the built-in one' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l github-url -d 'GitHub API base URL [env: RPC_GITHUB_URL, GITHUB_API_URL]' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l server -d 'Ask this `rpc serve` instead of GitHub (no GitHub credential needed) [env: RPC_POLICY_SERVER]' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l token-file -d 'File holding the one-time token for --server [env: RPC_POLICY_SERVER_TOKEN holds the token]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l from-github-env -d 'Read the job from the variables of a runner\'s job-started hook (GITHUB_REPOSITORY, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_BASE_REF, GITHUB_HEAD_REF)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l no-cache -d 'Do not use or update the on-disk cache of GitHub responses'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from schema" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -l policy -d 'Policy document instead of `policy.document` or the built-in one' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "check" -d 'Decide whether a workflow job may run on the self-hosted runners'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Validate a policy document (exit 0 valid, 1 invalid, 2 unreadable)'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "schema" -d 'Print the JSON Schema of policy documents'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective policy document, every default written out'
complete -c rpc -n "__fish_rpc_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -l listen -d 'Address and port to listen on [env: RPC_SERVE_LISTEN] [default: 127.0.0.1:8080]' -r
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -l database-url -d 'Database URL [env: RPC_SERVE_DATABASE_URL, DATABASE_URL, POSTGRESQL_DB_CONNECT_STRING] [default: an SQLite file under the XDG data directory]' -r
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -f -a "token" -d 'Mint a one-time runner token from a running server and print it (charm token from CHARM_TOKEN or `serve.charm_token`)'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and not __fish_seen_subcommand_from token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -l server -d 'The server, e.g. http://policy.internal:8080' -r
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "token" -d 'Mint a one-time runner token from a running server and print it (charm token from CHARM_TOKEN or `serve.charm_token`)'
complete -c rpc -n "__fish_rpc_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Authenticate and report the endpoints, Nova microversion, flavors, networks, images, compute limits and the resources rpc owns under `runners.prefix`'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -l os-cloud -d 'The cloud\'s name in clouds.yaml [env: OS_CLOUD]' -r
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "check" -d 'Authenticate and report the endpoints, Nova microversion, flavors, networks, images, compute limits and the resources rpc owns under `runners.prefix`'
complete -c rpc -n "__fish_rpc_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Validate the configuration and print every effective setting with its source'
complete -c rpc -n "__fish_rpc_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate the configuration and print every effective setting with its source'
complete -c rpc -n "__fish_rpc_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand completions" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand completions" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand completions" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand completions" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand completions" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand completions" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand completions" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand completions" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand man" -l dir -d 'Write one page per command into this directory instead of printing rpc(1)' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand man" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]' -r -F
complete -c rpc -n "__fish_rpc_using_subcommand man" -l set -d 'Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)' -r
complete -c rpc -n "__fish_rpc_using_subcommand man" -l output -d 'Output format' -r -f -a "human\t'Tables and sentences for people'
json\t'JSON for programs'"
complete -c rpc -n "__fish_rpc_using_subcommand man" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c rpc -n "__fish_rpc_using_subcommand man" -s v -l verbose -d 'More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c rpc -n "__fish_rpc_using_subcommand man" -s q -l quiet -d 'Only log errors'
complete -c rpc -n "__fish_rpc_using_subcommand man" -l no-progress -d 'Never draw progress bars (they are off anyway when stderr is not a terminal)'
complete -c rpc -n "__fish_rpc_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpc -n "__fish_rpc_using_subcommand man" -s V -l version -d 'Print version'
complete -c rpc -n "__fish_rpc_using_subcommand help; and not __fish_seen_subcommand_from policy serve cloud config completions man help" -f -a "policy" -d 'Decide whether workflow jobs may run; policy-document tools'
complete -c rpc -n "__fish_rpc_using_subcommand help; and not __fish_seen_subcommand_from policy serve cloud config completions man help" -f -a "serve" -d 'Serve the policy checks over HTTP for runner VMs (the reference API)'
complete -c rpc -n "__fish_rpc_using_subcommand help; and not __fish_seen_subcommand_from policy serve cloud config completions man help" -f -a "cloud" -d 'Check the OpenStack cloud rpc is configured for'
complete -c rpc -n "__fish_rpc_using_subcommand help; and not __fish_seen_subcommand_from policy serve cloud config completions man help" -f -a "config" -d 'Inspect and validate configuration'
complete -c rpc -n "__fish_rpc_using_subcommand help; and not __fish_seen_subcommand_from policy serve cloud config completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c rpc -n "__fish_rpc_using_subcommand help; and not __fish_seen_subcommand_from policy serve cloud config completions man help" -f -a "man" -d 'Print or write man pages'
complete -c rpc -n "__fish_rpc_using_subcommand help; and not __fish_seen_subcommand_from policy serve cloud config completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpc -n "__fish_rpc_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "check" -d 'Decide whether a workflow job may run on the self-hosted runners'
complete -c rpc -n "__fish_rpc_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "validate" -d 'Validate a policy document (exit 0 valid, 1 invalid, 2 unreadable)'
complete -c rpc -n "__fish_rpc_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "schema" -d 'Print the JSON Schema of policy documents'
complete -c rpc -n "__fish_rpc_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "show" -d 'Print the effective policy document, every default written out'
complete -c rpc -n "__fish_rpc_using_subcommand help; and __fish_seen_subcommand_from serve" -f -a "token" -d 'Mint a one-time runner token from a running server and print it (charm token from CHARM_TOKEN or `serve.charm_token`)'
complete -c rpc -n "__fish_rpc_using_subcommand help; and __fish_seen_subcommand_from cloud" -f -a "check" -d 'Authenticate and report the endpoints, Nova microversion, flavors, networks, images, compute limits and the resources rpc owns under `runners.prefix`'
complete -c rpc -n "__fish_rpc_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate the configuration and print every effective setting with its source'
