//! Splitting a pack by need: a small hot part opened up front, and content-addressed
//! pieces of the cold files fetched when a query touches them.
//!
//! Cold files are the ones a query reads only in small ranges chosen by its terms and
//! results: postings (`.idx`), positions (`.pos`) and the doc store (`.store`). Each is cut
//! into fixed-size pieces named after their content (`kb.<sha-256 prefix>.piece`), so a
//! piece is cached for good and two generations of a pack can never be mixed: a page only
//! knows the names its own hot part lists. The byte ranges of cold files that *opening* the
//! index reads (composite footers, the doc store's skip index, each field's token count) are
//! recorded once at build time and copied into the hot part, like Quickwit's hotcache, so
//! the index opens without any piece.
//!
//! The hot part's `pieces.json` lists, per cold file, its length, its pieces and where its
//! hot slices start; each slice is a pack entry named `<file>@<start>`.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tantivy::directory::OwnedBytes;

use super::directory::{ColdFile, PieceStore};
use super::{ArticlePack, PackError};

/// The hot part's table of cold files and their pieces.
pub const PIECES_FILE: &str = "pieces.json";
/// Extensions of the segment files that are split into pieces.
pub const COLD_EXTENSIONS: &[&str] = &["idx", "pos", "store"];
/// Size of a piece (the last piece of a file is shorter). Measured on FeedbackQA's golden
/// queries, see BENCHMARKS.md: smaller pieces fetch fewer unneeded bytes per query but
/// need more requests.
pub const DEFAULT_PIECE_BYTES: usize = 32 * 1024;
const PIECE_BYTES_LIMITS: Range<u64> = 512..(64 << 20);

/// `pieces.json`: the cold files of a split pack.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PieceTable {
    /// Size of every piece but a file's last.
    pub piece_bytes: u64,
    /// The cold files.
    pub files: Vec<ColdEntry>,
}

/// One cold file in [`PieceTable`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColdEntry {
    /// The file's name in the index.
    pub name: String,
    /// Its length in bytes.
    pub len: u64,
    /// File names of its pieces, in order.
    pub pieces: Vec<String>,
    /// Where each hot slice starts (the slice is the pack entry `<name>@<start>`).
    pub hot: Vec<u64>,
}

/// The published name of a piece: its content's SHA-256, first 8 bytes in hex.
pub fn piece_name(bytes: &[u8]) -> String {
    format!("kb.{}.piece", crate::content_address::content_name(bytes))
}

/// Checks that `bytes` are the piece called `name`: a download that was cut, corrupted or
/// replaced (an HTML error page, another generation's file) fails here, before use.
pub fn verify_piece(name: &str, bytes: &[u8]) -> Result<(), PackError> {
    // One rule for every content-addressed file (crate::content_address), plus the shape
    // of a piece's name.
    match crate::content_address::verify_content_address(name, bytes) {
        Ok(()) if valid_piece_name(name) => Ok(()),
        _ => Err(PackError::BadPiece(format!(
            "{name}: the content does not match its name ({} bytes received)",
            bytes.len()
        ))),
    }
}

fn valid_piece_name(name: &str) -> bool {
    name.strip_prefix("kb.")
        .and_then(|n| n.strip_suffix(".piece"))
        .is_some_and(|hex| {
            hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

fn is_cold(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| COLD_EXTENSIONS.contains(&ext))
}

/// A pack split at build time: the hot part and the pieces of its cold files.
pub struct SplitPack {
    /// The hot part's pack bytes.
    pub hot: Vec<u8>,
    /// Every piece: (file name, bytes), each name once.
    pub pieces: Vec<(String, Vec<u8>)>,
}

/// Splits an index's files (as [`ArticlePack::index_files`] lists them) into a hot part and
/// pieces of `piece_bytes`, recording which ranges opening the index reads.
pub fn split(files: Vec<(String, Vec<u8>)>, piece_bytes: usize) -> Result<SplitPack, PackError> {
    let store = Arc::new(PieceStore {
        reads: Some(Mutex::new(Vec::new())),
        ..PieceStore::default()
    });
    let mut whole = Vec::new();
    let mut table = PieceTable {
        piece_bytes: piece_bytes as u64,
        files: Vec::new(),
    };
    let mut pieces: Vec<(String, Vec<u8>)> = Vec::new();
    let mut cold_bytes = HashMap::new();
    let mut cold = HashMap::new();
    for (name, bytes) in files {
        if !is_cold(&name) {
            whole.push((name, bytes));
            continue;
        }
        let mut names = Vec::new();
        for chunk in bytes.chunks(piece_bytes) {
            let piece = piece_name(chunk);
            if !pieces.iter().any(|(n, _)| *n == piece) {
                pieces.push((piece.clone(), chunk.to_vec()));
            }
            store
                .loaded
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(piece.clone(), OwnedBytes::new(chunk.to_vec()));
            names.push(piece);
        }
        cold.insert(
            PathBuf::from(&name),
            Arc::new(ColdFile {
                path: PathBuf::from(&name),
                len: bytes.len(),
                piece_bytes,
                pieces: names.clone(),
                hot: Vec::new(),
                store: store.clone(),
            }),
        );
        table.files.push(ColdEntry {
            name: name.clone(),
            len: bytes.len() as u64,
            pieces: names,
            hot: Vec::new(),
        });
        cold_bytes.insert(PathBuf::from(name), bytes);
    }
    // Open the index as the widget will, recording what it reads of the cold files.
    let pack = ArticlePack::from_parts(
        whole
            .iter()
            .map(|(n, b)| (PathBuf::from(n), OwnedBytes::new(b.clone())))
            .collect(),
        cold,
        store.clone(),
    );
    crate::search::SearchIndex::open(&pack)?;
    let reads = std::mem::take(&mut *store.reads.as_ref().expect("recording").lock().unwrap());
    let mut by_file: BTreeMap<PathBuf, Vec<Range<usize>>> = BTreeMap::new();
    for (path, range) in reads {
        by_file.entry(path).or_default().push(range);
    }
    let mut hot_files = whole;
    for entry in &mut table.files {
        let bytes = &cold_bytes[&PathBuf::from(&entry.name)];
        for range in merge(
            by_file
                .remove(&PathBuf::from(&entry.name))
                .unwrap_or_default(),
        ) {
            entry.hot.push(range.start as u64);
            hot_files.push((
                format!("{}@{}", entry.name, range.start),
                bytes[range].to_vec(),
            ));
        }
    }
    hot_files.push((
        PIECES_FILE.to_string(),
        serde_json::to_vec(&table).expect("the piece table serializes"),
    ));
    Ok(SplitPack {
        hot: ArticlePack::encode(&hot_files),
        pieces,
    })
}

/// Sorts ranges and joins the overlapping or touching ones.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.retain(|r| !r.is_empty());
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// The cold files of a parsed hot part, validated against its entries.
pub(crate) struct ColdFiles {
    pub(crate) files: HashMap<PathBuf, Arc<ColdFile>>,
    /// Expected length of every piece, by name.
    pub(crate) piece_lens: HashMap<String, usize>,
}

/// Reads `pieces.json` and builds the cold files over `whole` (the pack's entries).
pub(crate) fn cold_files(
    whole: &HashMap<PathBuf, OwnedBytes>,
    store: &Arc<PieceStore>,
) -> Result<ColdFiles, PackError> {
    let bad = |what: String| PackError::BadTable(format!("{PIECES_FILE}: {what}"));
    let Some(json) = whole.get(&PathBuf::from(PIECES_FILE)) else {
        return Ok(ColdFiles {
            files: HashMap::new(),
            piece_lens: HashMap::new(),
        });
    };
    let table: PieceTable =
        serde_json::from_slice(json.as_slice()).map_err(|e| bad(e.to_string()))?;
    if !PIECE_BYTES_LIMITS.contains(&table.piece_bytes) {
        return Err(bad(format!(
            "piece_bytes {} is out of range",
            table.piece_bytes
        )));
    }
    let piece_bytes = table.piece_bytes as usize;
    let mut files = HashMap::new();
    let mut piece_lens = HashMap::new();
    for entry in table.files {
        let name = &entry.name;
        let path = PathBuf::from(name);
        if whole.contains_key(&path) || files.contains_key(&path) {
            return Err(bad(format!("file `{name}` appears twice")));
        }
        let len = usize::try_from(entry.len).map_err(|_| bad(format!("`{name}` is too long")))?;
        if entry.pieces.len() != len.div_ceil(piece_bytes) {
            return Err(bad(format!(
                "`{name}` has {} pieces; {len} bytes need {}",
                entry.pieces.len(),
                len.div_ceil(piece_bytes)
            )));
        }
        for (i, piece) in entry.pieces.iter().enumerate() {
            if !valid_piece_name(piece) {
                return Err(bad(format!(
                    "`{name}` piece {i} has a malformed name {piece:?}"
                )));
            }
            let piece_len = piece_bytes.min(len - i * piece_bytes);
            if *piece_lens.entry(piece.clone()).or_insert(piece_len) != piece_len {
                return Err(bad(format!("piece {piece} is listed with two lengths")));
            }
        }
        let mut hot = Vec::new();
        for start in entry.hot {
            let slice_name = format!("{name}@{start}");
            let bytes = whole
                .get(&PathBuf::from(&slice_name))
                .ok_or_else(|| bad(format!("no entry `{slice_name}`")))?;
            let start = usize::try_from(start).unwrap_or(usize::MAX);
            if start.checked_add(bytes.len()).is_none_or(|end| end > len) {
                return Err(bad(format!("`{slice_name}` lies outside `{name}`")));
            }
            hot.push((start, bytes.clone()));
        }
        files.insert(
            path.clone(),
            Arc::new(ColdFile {
                path,
                len,
                piece_bytes,
                pieces: entry.pieces,
                hot,
                store: store.clone(),
            }),
        );
    }
    Ok(ColdFiles { files, piece_lens })
}
