//! What errstat tells about itself: `--version`, `--help`, shell completions and the man
//! page, all generated from the one command-line definition.

mod common;

use common::run;

#[test]
fn version_names_the_commit_and_the_catalog() {
    let r = run(&["--version"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let catalog = errstat::partial::catalog_version(errstat::catalog::Catalog::builtin_ref());
    let line = r.stdout.trim_end();
    let (head, tail) = line.split_once(" (commit ").expect(line);
    assert_eq!(head, format!("errstat {}", env!("CARGO_PKG_VERSION")));
    let (commit, rest) = tail.split_once(", catalog ").expect(line);
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{line}"
    );
    assert_eq!(rest, format!("{catalog})"));
}

#[test]
fn long_help_points_to_the_man_page_not_the_readme() {
    let r = run(&["--help"], None);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("man errstat"), "{}", r.stdout);
    assert!(r.stdout.contains("condition := metric op number"));
    assert!(!r.stdout.contains("README"), "{}", r.stdout);
}

#[test]
fn completions_for_every_shell() {
    for (shell, mark) in [
        ("bash", "complete -F _errstat"),
        ("zsh", "#compdef errstat"),
        ("fish", "complete -c errstat"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let r = run(&["completions", shell], None);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(mark), "{shell}: {}", r.stdout);
        assert!(r.stdout.contains("--fail-on"), "{shell}");
        assert!(r.stdout.contains("merge"), "{shell}");
    }
    let r = run(&["completions", "tcsh"], None);
    assert_eq!(r.code, 2);
}

#[test]
fn the_man_page_is_roff_with_every_option() {
    let r = run(&["man"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(".TH errstat 1"), "{}", r.stdout);
    for option in [r"\-\-fail\-on", r"\-\-bucket", r"\-\-live", "completions"] {
        assert!(r.stdout.contains(option), "{option}");
    }
    assert!(r.stdout.contains("condition := metric op number"));
    assert!(r.stdout.contains("(commit "), "the version is in the page");
}
