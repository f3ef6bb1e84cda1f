//! The Markdown pages: every relative link resolves (file and `#anchor`), every heading that code
//! or a page cites as `page.md, "Heading"` exists, and the README stays a front page
//! (docs/testing.md).

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

/// Every file that may cite a page's heading: code, scripts and the Markdown pages themselves.
fn citing_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | "node_modules" | "corpus" | "artifacts") {
                    walk(&path, found);
                }
            } else if ["rs", "sh", "md", "js", "mjs", "toml"].iter().any(|ext| name.ends_with(&format!(".{ext}")))
                || name == "Makefile"
                || name == "run"
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    for dir in [
        "src",
        "tests",
        "testkit",
        "benches",
        "examples",
        "workshop",
        "fuzz/fuzz_targets",
        "scripts",
        "static",
        ".ci",
        "bench",
    ] {
        walk(&root().join(dir), &mut found);
    }
    found.extend(pages());
    found.push(root().join("Makefile"));
    found.sort();
    found.dedup();
    found
}

/// `text` with comment markers and line breaks folded into single spaces, so that a citation
/// wrapped across comment lines reads as one.
fn folded(text: &str) -> String {
    let lines = text.lines().map(|line| line.trim_start().trim_start_matches(['/', '!', '#']).trim());
    lines.collect::<Vec<_>>().join(" ")
}

/// The citations `page.md, "Heading"` in `text`: (page path as written, heading).
fn cited_headings(text: &str) -> Vec<(String, String)> {
    let text = folded(text);
    let mut found = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(".md, \"") {
        let before = &rest[..at];
        let start =
            before.rfind(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'))).map_or(0, |i| i + 1);
        let page = format!("{}.md", &before[start..]);
        let after = &rest[at + 6..];
        let Some(end) = after.find('"') else { break };
        found.push((page, after[..end].to_owned()));
        rest = &after[end..];
    }
    found
}

#[test]
fn every_heading_cited_in_code_and_pages_exists() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in citing_files() {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        for (page, heading) in cited_headings(&text) {
            let resolved = root().join(&page);
            if !resolved.is_file() {
                // A page named relative to the citing file, e.g. a workshop file citing README.md.
                continue;
            }
            checked += 1;
            // The whole heading, or its short name before a dash (workshop/README.md, "05 roles").
            let text = std::fs::read_to_string(&resolved).unwrap();
            let short_name = prose(&text).iter().any(|line| {
                line.starts_with('#') && line.trim_start_matches('#').trim().starts_with(&format!("{heading} — "))
            });
            if !short_name && !anchors(&resolved).contains(&slug(&heading)) {
                broken.push(format!("{}: {page}, \"{heading}\" (no such heading)", file.display()));
            }
        }
    }
    assert!(checked >= 20, "the citations were not found ({checked})");
    assert!(broken.is_empty(), "citations of headings that do not exist:\n{}", broken.join("\n"));
}

#[test]
fn a_citation_is_found_across_comment_lines() {
    let text = "//! the rule (docs/configuration.md,\n//! \"Issuer URLs\") and docs/contract.md, \"Errors\".";
    assert_eq!(
        cited_headings(text),
        [
            ("docs/configuration.md".to_owned(), "Issuer URLs".to_owned()),
            ("docs/contract.md".to_owned(), "Errors".to_owned())
        ]
    );
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
