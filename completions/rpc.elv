
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
            cand config 'Inspect and validate configuration'
            cand completions 'Print a shell completion script'
            cand man 'Print or write man pages'
            cand help 'Print this message or the help of the given subcommand(s)'
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
            cand config 'Inspect and validate configuration'
            cand completions 'Print a shell completion script'
            cand man 'Print or write man pages'
            cand help 'Print this message or the help of the given subcommand(s)'
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
