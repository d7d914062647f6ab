//! Behind the pack header: each input gets its magic, version, length and checksum repaired
//! so that it reaches the table of contents and tantivy's own file parsing. Such a pack can
//! only come from a broken or hostile publisher (the checksum is right), and tantivy 0.27
//! panics on some of them (e.g. `CompositeFile::open` subtracting past zero on a footer
//! length larger than the file): KNOWN TO FAIL, so `scripts/fuzz` runs it only when named.
#![no_main]

use deflect_core::{ArticlePack, SearchIndex, PACK_FORMAT_VERSION};
use libfuzzer_sys::fuzz_target;

const HEADER_LEN: usize = 28;

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
    if data.len() >= HEADER_LEN {
        let mut fixed = data.to_vec();
        fixed[..8].copy_from_slice(b"DFLCTPAK");
        fixed[8..12].copy_from_slice(&PACK_FORMAT_VERSION.to_le_bytes());
        let body_len = (fixed.len() - HEADER_LEN) as u64;
        fixed[16..24].copy_from_slice(&body_len.to_le_bytes());
        let crc = crc32fast::hash(&fixed[HEADER_LEN..]);
        fixed[24..28].copy_from_slice(&crc.to_le_bytes());
        try_open(fixed);
    }
});
