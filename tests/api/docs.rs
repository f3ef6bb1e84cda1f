//! The Markdown pages: every relative link resolves (file and `#anchor`), and the README stays a
//! front page (docs/testing.md).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every Markdown page a reader of the repo opens: the root, docs/, bench/, fuzz/, workshop/.
fn pages() -> Vec<PathBuf> {
    let mut pages = Vec::new();
    for dir in ["", "docs", "bench", "fuzz", "workshop"] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// The lines of `text` outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).unwrap();
    prose(&text).iter().filter_map(|line| line.strip_prefix('#')).map(|h| slug(h.trim_start_matches('#'))).collect()
}

/// The targets of `[text](target)` links in `text`, outside code.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in prose(text) {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = rest[..end].split_whitespace().next().unwrap_or("").to_owned();
            found.push(target);
            rest = &rest[end..];
        }
    }
    found
}

#[test]
fn every_relative_link_in_the_markdown_pages_resolves() {
    let mut broken = Vec::new();
    let pages = pages();
    assert!(pages.len() >= 10, "the pages were not found: {pages:?}");
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let resolved = if file.is_empty() { page.clone() } else { page.parent().unwrap().join(file) };
            if !resolved.exists() {
                broken.push(format!("{}: {target} (no such file)", page.display()));
            } else if !anchor.is_empty() && !anchors(&resolved).contains(&anchor.to_owned()) {
                broken.push(format!("{}: {target} (no such heading)", page.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_readme_is_a_front_page_with_the_two_commands() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.len() < 16 * 1024, "README.md is {} bytes", readme.len());
    assert!(readme.contains("make run") && readme.contains("make test"));
}

#[test]
fn the_slug_follows_github() {
    assert_eq!(slug("Calling the API from code (hello-client)"), "calling-the-api-from-code-hello-client");
    assert_eq!(slug("`make run`"), "make-run");
    assert_eq!(slug("Quick start — two commands"), "quick-start--two-commands");
}
