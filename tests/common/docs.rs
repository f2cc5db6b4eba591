//! The fenced blocks of `docs/*.md`, found the way readers' tools find them.
//!
//! A ```` ```sh ```` block may open with a marker line saying how a test runs it:
//! [`IN_ITS_OWN_TERMINAL`] (a long-running command: the tests start it themselves),
//! [`THREE_INSTANCES`] (curl against ports 5001 to 5003), [`MEASUREMENT`] (benchmarks, run once
//! each), or [`NOT_RUN`] (needs what a test can't have, such as Docker). Any other block runs against one tour on port 5000.

use std::path::{Path, PathBuf};

/// A block of commands that keep running (the tour, Prometheus).
pub const IN_ITS_OWN_TERMINAL: &str = "# in its own terminal";
/// A block for the three instances of the scale-out lesson.
pub const THREE_INSTANCES: &str = "# three instances";
/// A block no test runs, followed by the reason.
pub const NOT_RUN: &str = "# not run by the tests:";
/// A benchmark or load run: the tests run it in a quick mode and assert no figure.
pub const MEASUREMENT: &str = "# a measurement";

/// One fenced block: where it is, its language, and its text without the fences.
#[derive(Debug, Clone)]
pub struct Block {
    pub place: String,
    pub language: String,
    pub text: String,
}

impl Block {
    /// The block's first line when it is one of the markers above.
    pub fn marker(&self) -> Option<&'static str> {
        let first = self.text.lines().next().unwrap_or("");
        [IN_ITS_OWN_TERMINAL, THREE_INSTANCES, NOT_RUN, MEASUREMENT]
            .into_iter()
            .find(|marker| first.starts_with(marker))
    }
}

/// The repository's root, where commands in the docs are run from.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `docs/NAME`.
pub fn doc(name: &str) -> PathBuf {
    root().join("docs").join(name)
}

/// Every block fenced with `language` in `docs/*.md`, in file order.
pub fn blocks(language: &str) -> Vec<Block> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| blocks_in(path, &std::fs::read_to_string(path).unwrap()))
        .filter(|block| block.language == language)
        .collect()
}

fn blocks_in(path: &Path, markdown: &str) -> Vec<Block> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut blocks = Vec::new();
    let mut open: Option<(usize, usize, String, Vec<&str>)> = None;
    for (number, line) in markdown.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(language)) => {
                open = Some((number + 1, indent, language.trim().to_owned(), Vec::new()))
            }
            (Some((start, _, language, lines)), Some("")) => {
                blocks.push(Block {
                    place: format!("docs/{name}:{start}"),
                    language: language.clone(),
                    text: lines.join("\n"),
                });
                open = None;
            }
            (Some((_, indent, _, lines)), _) => {
                lines.push(line.get(*indent..).unwrap_or("").trim_end())
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "docs/{name}: a fence is never closed");
    blocks
}
