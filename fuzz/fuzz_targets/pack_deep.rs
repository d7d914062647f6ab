//! Behind the pack header: each input gets its magic, version, length and checksum repaired
//! so that it reaches the table of contents and tantivy's own file parsing. Such a pack can
//! only come from a broken or hostile publisher (the checksum is right). tantivy 0.27 trusts
//! its composite-file footers; `ArticlePack::parse` checks them first (the seed
//! `crash-composite-footer-overflow` made `CompositeFile::open` subtract past zero). It
//! still finds panics deeper in tantivy (e.g. tantivy-fst's node reader): KNOWN TO FAIL, so
//! `scripts/fuzz` runs it only when named and the test replay leaves it out.
//! The body is shared with the bounded replay in `index/tests/fuzz_replay.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deflect_index::fuzz::pack_deep(data));
