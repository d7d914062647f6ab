//! The pack reader: `ArticlePack::parse` and `SearchIndex::open` must answer any bytes with
//! a `PackError`, never a panic. Inputs go in as they are, so the magic, version, length
//! and checksum checks guard everything behind them (see `pack_deep` for what lies behind).
//! The body is shared with the bounded replay in `index/tests/fuzz_replay.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deflect_index::fuzz::pack(data));
