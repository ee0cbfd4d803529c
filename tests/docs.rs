//! The documentation holds to the tree: every link and every path it names exists,
//! the Layout of docs/architecture.md names every entry of `src/`, and the README
//! stays a front door (at most 15 KB).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files the project keeps: the README, docs/, the fixtures' READMEs.
fn pages() -> Vec<PathBuf> {
    let mut v = vec![
        root().join("README.md"),
        root().join("fixtures/README.md"),
        root().join("fixtures/parity/README.md"),
        root().join("fixtures/parity/DIFFERENCES.md"),
    ];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    v.extend(docs);
    v
}

/// The targets of `[text](target)` links, without anchors; outside links left out.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].split('#').next().unwrap_or("").trim();
        if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
            out.push(target.to_string());
        }
        rest = &rest[end..];
    }
    out
}

/// Paths named in backticks (`src/api/codes.rs`, `fixtures/parity/`), not
/// patterns (`*`, `<…>`, `{…}`).
fn named_paths(text: &str) -> Vec<String> {
    const ROOTS: [&str; 7] = [
        "src/",
        "tests/",
        "fixtures/",
        "docs/",
        "scripts/",
        "benches/",
        ".ci/",
    ];
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| ROOTS.iter().any(|r| t.starts_with(r)))
        .filter(|t| !t.contains(['*', '<', '{', ' ', '…']))
        .map(|t| t.trim_end_matches(['.', ',', ':']).to_string())
        .collect()
}

#[test]
fn every_link_and_named_path_exists() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("read page");
        let dir = page.parent().expect("dir");
        for l in links(&text) {
            if !dir.join(&l).exists() {
                broken.push(format!("{}: link {l}", page.display()));
            }
        }
        for p in named_paths(&text) {
            if !root().join(&p).exists() {
                broken.push(format!("{}: path {p}", page.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken references:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_layout_names_every_entry_of_src() {
    let text = std::fs::read_to_string(root().join("docs/architecture.md")).expect("read");
    let layout = text
        .split("## Layout")
        .nth(1)
        .expect("docs/architecture.md has a Layout");
    let mut missing = Vec::new();
    for e in std::fs::read_dir(root().join("src"))
        .expect("src")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        let shown = if e.path().is_dir() {
            format!("src/{name}/")
        } else {
            format!("src/{name}")
        };
        if !layout.contains(&shown) {
            missing.push(shown);
        }
    }
    missing.sort();
    assert!(missing.is_empty(), "the Layout lacks {missing:?}");
}

#[test]
fn the_readme_is_a_front_door() {
    let size = std::fs::metadata(root().join("README.md"))
        .expect("README")
        .len();
    assert!(size <= 15 * 1024, "README.md is {size} bytes");
    let text = std::fs::read_to_string(root().join("README.md")).expect("read");
    // The two commands come first.
    let first_block = text.split("```sh").nth(1).expect("a command block");
    assert!(first_block.contains("cargo run --release -- serve"));
    assert!(first_block.contains("scripts/test"));
    assert!(Path::new(&root().join("scripts/test")).exists());
}

/// The documented list of actions is the dispatch table, row for row: every
/// `(action, object[, variant])` line of `api::actions::TABLE` is in the table of
/// docs/api.md's "Actions answered", and nothing else is.
#[test]
fn the_documented_actions_are_the_table() {
    let text = std::fs::read_to_string(root().join("docs/api.md")).expect("docs/api.md");
    let section = text
        .split("## Actions answered")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("an \"Actions answered\" section");
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let mut documented = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (action, object, variants) = (ticked(cells[1]), cells[2], ticked(cells[3]));
        let object = match object {
            "any" => "*".to_string(),
            "none" => "(none)".to_string(),
            o => o.trim_matches('`').to_string(),
        };
        let action = action.first().expect("an action in the first cell");
        if variants.is_empty() {
            documented.push(format!("{action} {object}"));
        }
        for v in variants {
            documented.push(format!("{action} {object} {v}"));
        }
    }
    let table: Vec<String> = opsd::api::actions::TABLE
        .iter()
        .map(|l| l.label())
        .collect();
    let missing: Vec<&String> = table.iter().filter(|l| !documented.contains(l)).collect();
    let extra: Vec<&String> = documented.iter().filter(|l| !table.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/api.md's table and the dispatch table differ:\n  answered, not documented: {missing:?}\n  documented, not answered: {extra:?}"
    );
    assert_eq!(documented.len(), table.len(), "a row is documented twice");
}

/// Every method of the Email API's documented surface (copied from the spec
/// into fixtures/) is in the method table and named in docs/email.md.
#[test]
fn every_documented_email_method_is_answered_and_described() {
    let surface = std::fs::read_to_string(root().join("fixtures/email-api-surface.tsv"))
        .expect("surface list");
    let answered: Vec<&str> = opsd::hosted_mail::api::methods().collect();
    let doc = std::fs::read_to_string(root().join("docs/email.md")).expect("docs/email.md");
    let listed: Vec<&str> = surface
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    assert_eq!(listed.len(), 57, "the surface lists 57 methods");
    let missing: Vec<&&str> = listed.iter().filter(|m| !answered.contains(m)).collect();
    assert!(missing.is_empty(), "not answered: {missing:?}");
    let undocumented: Vec<&&str> = listed
        .iter()
        .filter(|m| !doc.contains(&format!("`{m}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in docs/email.md: {undocumented:?}"
    );
    let extra: Vec<&&str> = answered.iter().filter(|m| !listed.contains(m)).collect();
    assert!(
        extra.is_empty(),
        "answered but not documented by OpenSRS: {extra:?}"
    );
}
