//! The pack reader: `ArticlePack::parse` and `SearchIndex::open` must answer any bytes with
//! a `PackError`, never a panic. Inputs go in as they are, so the magic, version, length
//! and checksum checks guard everything behind them (see `pack_deep` for what lies behind).
#![no_main]

use deflect_core::{ArticlePack, SearchIndex};
use libfuzzer_sys::fuzz_target;

fn try_open(bytes: Vec<u8>) {
    if let Ok(pack) = ArticlePack::parse(bytes) {
        let _ = pack.file_names();
        if let Ok(index) = SearchIndex::open(&pack) {
            let _ = index.num_articles();
            let _ = index.search("reset password", 5);
            let _ = index.article("a");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    try_open(data.to_vec());
});
