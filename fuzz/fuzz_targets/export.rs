//! Help-centre exports (JSON and JSON Lines): every record is an article or an error naming
//! its line or position, never a panic; article HTML is sanitized.
#![no_main]

use std::path::Path;

use deflect_index::export::read_export;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["export.jsonl", "export.json"] {
        let (articles, errors) = read_export(Path::new(name), text);
        for a in &articles {
            assert!(!a.html.to_ascii_lowercase().contains("<script"), "{}", a.html);
        }
        for e in &errors {
            assert!(!e.message.is_empty());
        }
    }
});
