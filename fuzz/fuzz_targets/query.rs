//! The query path the widget runs on every keystroke: planning, expansion through the term
//! dictionary (prefixes, typo neighbours, synonyms), ranking and highlighting, on any text.
//! The body is shared with the bounded replay in `index/tests/fuzz_replay.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deflect_index::fuzz::query(data));
