//! Article sources: front matter splitting and validation, Markdown rendering with link
//! rewriting and sanitizing, and HTML pages. No panic on any text, and the sanitized HTML
//! never holds an element that can run script or restyle the host page.
//! The body is shared with the bounded replay in `index/tests/fuzz_replay.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deflect_index::fuzz::markdown(data));
