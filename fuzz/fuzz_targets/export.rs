//! Help-centre exports (JSON and JSON Lines): every record is an article or an error naming
//! its line or position, never a panic; article HTML is sanitized.
//! The body is shared with the bounded replay in `index/tests/fuzz_replay.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deflect_index::fuzz::export(data));
