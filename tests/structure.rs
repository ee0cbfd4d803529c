//! The tree holds its shape: no two modules import each other, at any depth (an
//! import from `api::actions::lookup` to `rules::price` is an edge `api → rules`
//! among the top-level modules; one from `api::actions::a` to `api::actions::b`
//! an edge `a → b` among the actions), and the store imports nothing above it.
//!
//! The imports are read from the source: every `crate::` and `super::` path, with
//! `use` trees expanded, resolved to the longest module of `src/` it names. Test
//! modules are left out (a test may reach anywhere); so is the binary (`main.rs`,
//! `cli/`), which sits on top of everything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A module's path from the crate root: `src/api/actions/lookup.rs` is
/// `["api", "actions", "lookup"]`, `src/api/mod.rs` is `["api"]`.
type Module = Vec<String>;

fn module_of(file: &Path) -> Module {
    let rel = file.strip_prefix(src()).expect("under src/");
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text without comments, string literals and `#[cfg(test)]` modules.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if text[i..].starts_with("//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with("/*") {
            i += text[i..].find("*/").map_or(b.len() - i, |e| e + 2);
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if text[i..].starts_with("#[cfg(test)]") {
            // The item after the attribute: cut it whole if it is a module.
            let rest = &text[i + "#[cfg(test)]".len()..];
            let trimmed = rest.trim_start();
            let is_mod = ["mod ", "pub mod ", "pub(crate) mod "]
                .iter()
                .any(|p| trimmed.starts_with(p));
            match (is_mod, rest.find('{')) {
                (true, Some(open)) if !rest[..open].contains(';') => {
                    let mut depth = 0usize;
                    let mut j = i + "#[cfg(test)]".len() + open;
                    while j < b.len() {
                        match b[j] {
                            b'{' => depth += 1,
                            b'}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    i = j + 1;
                }
                _ => i += "#[cfg(test)]".len(),
            }
        } else {
            let c = text[i..].chars().next().expect("a char");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![path.to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (k, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|p| match p.as_str() {
            "self" => prefix.trim_end_matches("::").to_string(),
            _ => format!("{prefix}{p}"),
        })
        .collect()
}

/// Every path the code names that starts at `crate::` or `super::`.
fn paths_in(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    // `use` trees first (they may hold braces), then the paths in expressions.
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before_ok = at == 0
            || !rest.as_bytes()[at - 1].is_ascii_alphanumeric() && rest.as_bytes()[at - 1] != b'_';
        let tail = &rest[at + 4..];
        let end = tail.find(';').unwrap_or(tail.len());
        if before_ok {
            let tree: String = tail[..end].split_whitespace().collect::<Vec<_>>().join(" ");
            out.extend(expand(&tree));
        }
        rest = &tail[end.min(tail.len())..];
    }
    let b = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            if at > 0
                && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_' || b[at - 1] == b':')
            {
                continue;
            }
            let mut end = at;
            while end < b.len()
                && (b[end].is_ascii_alphanumeric() || b[end] == b'_' || b[end] == b':')
            {
                end += 1;
            }
            out.push(code[at..end].trim_end_matches(':').to_string());
        }
    }
    out
}

/// The module a path names from `me`: the longest module of the tree it starts with.
fn resolve(me: &Module, path: &str, modules: &BTreeSet<Module>) -> Option<Module> {
    let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Module = match segs.first() {
        Some(&"crate") => {
            segs.remove(0);
            Vec::new()
        }
        Some(&"super") => {
            let mut m = me.clone();
            while segs.first() == Some(&"super") {
                segs.remove(0);
                m.pop()?;
            }
            m
        }
        _ => return None,
    };
    let mut best = base.clone();
    for s in segs {
        base.push(s.to_string());
        if modules.contains(&base) {
            best = base.clone();
        } else {
            break;
        }
    }
    Some(best)
}

struct Tree {
    modules: BTreeSet<Module>,
    /// `(from, to)` per import, the binary left out.
    imports: BTreeSet<(Module, Module)>,
}

fn tree() -> Tree {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.retain(|f| {
        let m = module_of(f);
        m.first()
            .is_none_or(|first| first != "main" && first != "cli")
    });
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(f)).collect();
    let mut imports = BTreeSet::new();
    for f in &files {
        let me = module_of(f);
        let text = std::fs::read_to_string(f).expect("read a source file");
        for p in paths_in(&code_of(&text)) {
            if let Some(to) = resolve(&me, &p, &modules) {
                imports.insert((me.clone(), to));
            }
        }
    }
    Tree { modules, imports }
}

/// An import as an edge between two siblings: the children of the deepest module
/// both are in. `None` when one contains the other (a module and its own parts).
fn sibling_edge(from: &Module, to: &Module) -> Option<(Module, String, String)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    let (a, b) = (from.get(common)?, to.get(common)?);
    Some((from[..common].to_vec(), a.clone(), b.clone()))
}

/// The cycles among the children of each module: one path per cycle found.
fn cycles(t: &Tree) -> Vec<String> {
    let mut graphs: BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (from, to) in &t.imports {
        if let Some((parent, a, b)) = sibling_edge(from, to) {
            graphs
                .entry(parent)
                .or_default()
                .entry(a)
                .or_default()
                .insert(b);
        }
    }
    let mut found = Vec::new();
    for (parent, g) in &graphs {
        for (a, outs) in g {
            for b in outs {
                // a → b closes a cycle when b reaches a.
                let mut stack = vec![(b.clone(), vec![a.clone(), b.clone()])];
                let mut seen = BTreeSet::new();
                while let Some((n, path)) = stack.pop() {
                    if &n == a {
                        let at = if parent.is_empty() {
                            "crate".to_string()
                        } else {
                            parent.join("::")
                        };
                        found.push(format!("in {at}: {}", path.join(" → ")));
                        break;
                    }
                    if !seen.insert(n.clone()) {
                        continue;
                    }
                    for m in g.get(&n).into_iter().flatten() {
                        let mut p = path.clone();
                        p.push(m.clone());
                        stack.push((m.clone(), p));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let t = tree();
    assert!(
        t.modules.len() > 100,
        "the tree was read: {} modules",
        t.modules.len()
    );
    assert!(
        t.imports.len() > 300,
        "the imports were read: {}",
        t.imports.len()
    );
    let found = cycles(&t);
    assert!(
        found.is_empty(),
        "import circles:\n  {}",
        found.join("\n  ")
    );
}

/// The store stores: it imports only the pure modules below it, never the
/// surfaces, rules, jobs or the app that use it.
#[test]
fn the_store_imports_nothing_above_it() {
    const BELOW: &[&str] = &["status", "clock", "files", "money", "domain", "sql_params"];
    let t = tree();
    let above: BTreeSet<String> = t
        .imports
        .iter()
        .filter(|(from, _)| from.first().is_some_and(|f| f == "store"))
        .filter_map(|(from, to)| {
            let top = to.first()?;
            (top != "store" && !BELOW.contains(&top.as_str()))
                .then(|| format!("{} → {}", from.join("::"), to.join("::")))
        })
        .collect();
    assert!(
        above.is_empty(),
        "the store imports from above it:\n  {}",
        above.iter().cloned().collect::<Vec<_>>().join("\n  ")
    );
}

/// The reader itself: a circle written into a sample is found.
#[test]
fn a_circle_is_found() {
    let mut t = Tree {
        modules: BTreeSet::new(),
        imports: BTreeSet::new(),
    };
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Module>();
    for (a, b) in [("api::x", "rules::y"), ("rules::z", "app"), ("app", "api")] {
        t.imports.insert((m(a), m(b)));
    }
    t.imports
        .insert((m("api::actions::a"), m("api::actions::b::c")));
    assert_eq!(cycles(&t).len(), 3, "{:?}", cycles(&t));
    t.imports
        .insert((m("api::actions::b"), m("api::actions::a")));
    assert_eq!(cycles(&t).len(), 5, "{:?}", cycles(&t));
    let code = code_of(
        "use crate::{a::{b, c::d}, e as f};\n// crate::zz\nlet x = super::g::h();\n#[cfg(test)]\nmod tests { use crate::t; }\n",
    );
    let paths = paths_in(&code);
    for want in ["crate::a::b", "crate::a::c::d", "crate::e", "super::g::h"] {
        assert!(paths.iter().any(|p| p == want), "{want} in {paths:?}");
    }
    assert!(
        !paths.iter().any(|p| p.contains("zz") || p == "crate::t"),
        "{paths:?}"
    );
}

/// The store spells no status in its SQL: every value of the enums of
/// `status.rs` is bound as a parameter, never written as a literal (a literal is
/// a second home for the value, which a rename would miss).
#[test]
fn the_store_spells_no_status_in_its_sql() {
    let values = opsd::status::every_value();
    let mut files = Vec::new();
    rust_files(&src().join("store"), &mut files);
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        // Only code, tests left out; string literals are kept here (the SQL).
        let code = strip_tests(&text);
        for v in &values {
            let quoted = format!("'{v}'");
            if code.contains(&quoted) {
                found.push(format!(
                    "{}: {quoted}",
                    f.strip_prefix(src()).unwrap_or(&f).display()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "status literals in the store's SQL:\n  {}",
        found.join("\n  ")
    );
}

/// The text before its first `#[cfg(test)]` module.
fn strip_tests(text: &str) -> &str {
    let mut at = 0;
    while let Some(i) = text[at..].find("#[cfg(test)]") {
        let start = at + i;
        let rest = text[start + "#[cfg(test)]".len()..].trim_start();
        if rest.starts_with("mod ") || rest.starts_with("pub(crate) mod ") {
            return &text[..start];
        }
        at = start + 1;
    }
    text
}
