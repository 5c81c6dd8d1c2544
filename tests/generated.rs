//! The committed completions and man pages match what the binary generates now.
//! Regenerate with `scripts/generate`.

use std::collections::BTreeSet;

use crate::support::{repo_root, rpc};

const SHELLS: &[(&str, &str)] = &[
    ("bash", "rpc.bash"),
    ("zsh", "_rpc"),
    ("fish", "rpc.fish"),
    ("elvish", "rpc.elv"),
    ("powershell", "_rpc.ps1"),
];

#[test]
fn completions_are_current() {
    for (shell, file) in SHELLS {
        let generated = rpc().args(["completions", shell]).run(0).stdout;
        assert!(generated.contains("rpc"), "{shell}");
        let committed =
            std::fs::read_to_string(repo_root().join("completions").join(file)).unwrap_or_default();
        assert!(
            generated == committed,
            "completions/{file} is stale: run scripts/generate"
        );
    }
}

#[test]
fn man_pages_are_current() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("man");
    let listed = rpc()
        .args(["man", "--dir", dir.to_str().unwrap()])
        .run(0)
        .stdout;
    let names = |path: &std::path::Path| -> BTreeSet<String> {
        std::fs::read_dir(path)
            .map(|entries| {
                entries
                    .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let generated = names(&dir);
    assert!(generated.contains("rpc.1") && generated.contains("rpc-config-check.1"));
    assert_eq!(listed.lines().count(), generated.len());
    let committed_dir = repo_root().join("man");
    assert_eq!(
        generated,
        names(&committed_dir),
        "man/ is stale: run scripts/generate"
    );
    for name in generated {
        let now = std::fs::read(dir.join(&name)).unwrap();
        let committed = std::fs::read(committed_dir.join(&name)).unwrap();
        assert!(
            now == committed,
            "man/{name} is stale: run scripts/generate"
        );
    }
}

#[test]
fn man_without_dir_prints_the_main_page() {
    let page = rpc().args(["man"]).run(0).stdout;
    assert!(page.starts_with(".ie"), "{}", &page[..page.len().min(80)]);
    assert!(page.contains(".TH rpc 1"), "{page}");
}
