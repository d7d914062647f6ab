//! The collector's request decoding: `parse_json::<EventBatch>` and `parse_json::<Case>`
//! (the same validation the widget runs). No panic on any body; whatever is accepted
//! serializes and parses back to the same value, and its error names a field or the body.
//! The body is shared with the bounded replay in `index/tests/fuzz_replay.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deflect_journey::wire::fuzz_decode(data));
