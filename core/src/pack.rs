//! The index pack: every file of a single-segment tantivy index in one binary blob, and the
//! manifest that points at it.
//!
//! A pack is what the browser downloads: one request, one content-addressed (and so
//! immutably cacheable) file. Its layout, all integers little-endian:
//!
//! ```text
//! magic        8 bytes  "DFLCTPAK"
//! version      u32      PACK_FORMAT_VERSION
//! file_count   u32
//! body_len     u64      bytes after the 28-byte header
//! crc32        u32      CRC-32 of the body
//! body:
//!   file_count × { name_len u16, name (UTF-8), offset u64, len u64 }   (offsets into data)
//!   data
//! ```
//!
//! [`ArticlePack::parse`] validates all of it and returns a [`PackError`] naming what is
//! wrong; it never panics on any input: the format is checked here, the tantivy files it
//! carries in `verify.rs` (footers tantivy would trust and panic on). [`PackDirectory`]
//! (`directory.rs`) then serves the files to tantivy as a read-only
//! [`Directory`](tantivy::Directory); `pieces.rs` splits a pack into a hot part and pieces.

mod directory;
pub mod pieces;
mod verify;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::OwnedBytes;
use tantivy::{Directory, Index};

pub use directory::PackDirectory;
use directory::{ColdFile, PieceStore};
pub use pieces::{piece_name, verify_piece, SplitPack, DEFAULT_PIECE_BYTES, PIECES_FILE};
use verify::{check_composite, check_meta, COMPOSITE_EXTENSIONS};

/// Magic bytes at the start of every pack.
pub const PACK_MAGIC: &[u8; 8] = b"DFLCTPAK";
/// The pack format version this build writes. Version 2 packs may be split (a hot part
/// with `pieces.json`); version 1 packs are always whole, and are still read.
pub const PACK_FORMAT_VERSION: u32 = 2;
/// The oldest pack format version this build reads.
pub const OLDEST_PACK_FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 4;

/// Why a pack could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackError {
    /// The bytes do not start with the pack magic: usually an HTML error page or a wrong URL.
    #[error("not a Deflect index pack (expected magic bytes \"DFLCTPAK\", found {found:?})")]
    BadMagic {
        /// The first bytes actually found, lossily decoded.
        found: String,
    },
    /// The pack was written by a different format version.
    #[error("index pack format version {found} is not supported (this build reads version {expected}); rebuild the index with a matching `deflect build`")]
    UnsupportedVersion {
        /// Version in the pack.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The pack is shorter or longer than its header says: a truncated download or a bad copy.
    #[error(
        "index pack is truncated or has trailing bytes: header says {expected} bytes, got {actual}"
    )]
    BadLength {
        /// Length the header declares.
        expected: u64,
        /// Length actually present.
        actual: u64,
    },
    /// The body does not match its checksum.
    #[error("index pack is corrupt: checksum mismatch")]
    BadChecksum,
    /// The table of contents is malformed.
    #[error("index pack is corrupt: {0}")]
    BadTable(String),
    /// The files inside are not a readable index.
    #[error("index pack does not hold a readable index: {0}")]
    BadIndex(String),
    /// A piece of a split pack is not the one its name promises, or not one of this pack's.
    #[error("index piece is corrupt or foreign: {0}")]
    BadPiece(String),
}

/// The small JSON file published next to a pack; the widget fetches it first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Pack format version (same as in the pack header).
    pub format_version: u32,
    /// File name of the pack, relative to the manifest; contains the content hash.
    pub pack: String,
    /// Size of the pack in bytes (of the hot part, when the pack is split).
    pub pack_bytes: u64,
    /// Number of pieces the hot part lists (0 for a whole pack); fetched on demand.
    #[serde(default)]
    pub pieces: u64,
    /// Their total size in bytes.
    #[serde(default)]
    pub pieces_bytes: u64,
    /// Number of articles in the index.
    pub articles: u64,
    /// Language of the analyzer the index was built with (BCP 47, e.g. `en`).
    pub language: String,
    /// When the pack was built (RFC 3339, UTC).
    pub built_at: String,
    /// Version of the tool that built it.
    pub tool_version: String,
}

/// A parsed pack: named tantivy files over one shared buffer, and for a split pack the
/// cold files whose pieces arrive later (shared by every clone).
#[derive(Clone)]
pub struct ArticlePack {
    files: Arc<HashMap<PathBuf, OwnedBytes>>,
    cold: Arc<HashMap<PathBuf, Arc<ColdFile>>>,
    store: Arc<PieceStore>,
    /// Expected length of each of this pack's pieces, by name.
    piece_lens: Arc<HashMap<String, usize>>,
}

impl fmt::Debug for ArticlePack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.files.keys().collect();
        names.sort();
        f.debug_struct("ArticlePack")
            .field("files", &names)
            .finish()
    }
}

fn read_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn read_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn read_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

impl ArticlePack {
    /// Serializes named files into pack bytes. Names must be unique and under 64 KiB.
    pub fn encode(files: &[(String, Vec<u8>)]) -> Vec<u8> {
        let table_len: usize = files.iter().map(|(n, _)| 2 + n.len() + 16).sum();
        let data_len: usize = files.iter().map(|(_, d)| d.len()).sum();
        let mut body = Vec::with_capacity(table_len + data_len);
        let mut offset = 0u64;
        for (name, data) in files {
            let name_len = u16::try_from(name.len()).expect("pack file names are short");
            body.extend_from_slice(&name_len.to_le_bytes());
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(&offset.to_le_bytes());
            body.extend_from_slice(&(data.len() as u64).to_le_bytes());
            offset += data.len() as u64;
        }
        for (_, data) in files {
            body.extend_from_slice(data);
        }
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        out.extend_from_slice(PACK_MAGIC);
        out.extend_from_slice(&PACK_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(files.len() as u32).to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Packs every file a reader needs from a committed `index` stored in `dir`, plus
    /// Deflect's own `extra` files (synonyms and the like), which tantivy ignores.
    ///
    /// `dir` must be the directory the index was created in, not `index.directory()`:
    /// the latter strips tantivy's file footers, which the reader verifies on open.
    pub fn encode_index(
        index: &Index,
        dir: &dyn Directory,
        extra: &[(String, Vec<u8>)],
    ) -> tantivy::Result<Vec<u8>> {
        Ok(Self::encode(&Self::index_files(index, dir, extra)?))
    }

    /// The files [`ArticlePack::encode_index`] packs, by name, for [`pieces::split`].
    pub fn index_files(
        index: &Index,
        dir: &dyn Directory,
        extra: &[(String, Vec<u8>)],
    ) -> tantivy::Result<Vec<(String, Vec<u8>)>> {
        let mut meta =
            String::from_utf8(dir.atomic_read(Path::new("meta.json"))?).map_err(|e| {
                tantivy::TantivyError::InternalError(format!("meta.json is not UTF-8: {e}"))
            })?;
        let mut segment_files = Vec::new();
        for (position, segment) in index.searchable_segment_metas()?.into_iter().enumerate() {
            use tantivy::index::SegmentComponent::*;
            let mut files = Vec::new();
            for component in [
                Postings, Positions, Terms, Store, FastFields, FieldNorms, Delete,
            ] {
                let path = segment.relative_path(component);
                // Some components (positions, deletes) only exist when used.
                if !dir.exists(&path)? {
                    continue;
                }
                let handle = dir.get_file_handle(&path)?;
                let bytes = handle.read_bytes(0..handle.len())?;
                files.push((
                    path.to_string_lossy().into_owned(),
                    bytes.as_slice().to_vec(),
                ));
            }
            // Segment ids are random UUIDs; renaming them after the content makes the same
            // knowledge base always produce the same pack, and so the same cache key.
            let old = segment.id().uuid_string();
            let new = content_uuid(&files, position);
            meta = meta.replace(&hyphenated(&old), &hyphenated(&new));
            segment_files.extend(
                files
                    .into_iter()
                    .map(|(name, bytes)| (name.replace(&old, &new), bytes)),
            );
        }
        let mut files = vec![("meta.json".to_string(), meta.into_bytes())];
        files.extend(segment_files);
        files.extend(extra.iter().cloned());
        Ok(files)
    }

    /// The bytes of one file in the pack.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.get(Path::new(name)).map(|b| b.as_slice())
    }

    /// Validates pack bytes and indexes its files. Never panics, whatever the input.
    pub fn parse(bytes: Vec<u8>) -> Result<ArticlePack, PackError> {
        if bytes.len() < 8 || &bytes[..8] != PACK_MAGIC {
            let head = &bytes[..bytes.len().min(8)];
            return Err(PackError::BadMagic {
                found: String::from_utf8_lossy(head).into_owned(),
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(PackError::BadLength {
                expected: HEADER_LEN as u64,
                actual: bytes.len() as u64,
            });
        }
        let version = read_u32(&bytes, 8).unwrap_or_default();
        if !(OLDEST_PACK_FORMAT_VERSION..=PACK_FORMAT_VERSION).contains(&version) {
            return Err(PackError::UnsupportedVersion {
                found: version,
                expected: PACK_FORMAT_VERSION,
            });
        }
        let file_count = read_u32(&bytes, 12).unwrap_or_default() as usize;
        let body_len = read_u64(&bytes, 16).unwrap_or_default();
        let actual = (bytes.len() - HEADER_LEN) as u64;
        if body_len != actual {
            return Err(PackError::BadLength {
                expected: body_len,
                actual,
            });
        }
        let crc = read_u32(&bytes, 24).unwrap_or_default();
        if crc32fast::hash(&bytes[HEADER_LEN..]) != crc {
            return Err(PackError::BadChecksum);
        }
        let bad = |what: String| PackError::BadTable(what);
        let mut entries = Vec::new();
        let mut at = HEADER_LEN;
        for i in 0..file_count {
            let name_len = read_u16(&bytes, at).ok_or_else(|| bad(format!("entry {i} cut off")))?;
            let name_bytes = bytes
                .get(at + 2..at + 2 + name_len as usize)
                .ok_or_else(|| bad(format!("entry {i} name cut off")))?;
            let name = std::str::from_utf8(name_bytes)
                .map_err(|_| bad(format!("entry {i} name is not UTF-8")))?
                .to_string();
            at += 2 + name_len as usize;
            let offset = read_u64(&bytes, at).ok_or_else(|| bad(format!("entry {i} cut off")))?;
            let len = read_u64(&bytes, at + 8).ok_or_else(|| bad(format!("entry {i} cut off")))?;
            at += 16;
            entries.push((name, offset, len));
        }
        let data_start = at;
        let data_len = (bytes.len() - data_start) as u64;
        let owned = OwnedBytes::new(bytes);
        let mut files = HashMap::with_capacity(entries.len());
        for (name, offset, len) in entries {
            let end = offset.checked_add(len).filter(|end| *end <= data_len);
            let Some(end) = end else {
                return Err(bad(format!("file `{name}` lies outside the pack")));
            };
            let range = data_start + offset as usize..data_start + end as usize;
            if files
                .insert(PathBuf::from(&name), owned.slice(range))
                .is_some()
            {
                return Err(bad(format!("file `{name}` appears twice")));
            }
        }
        let Some(meta) = files.get(Path::new("meta.json")) else {
            return Err(bad("no meta.json".into()));
        };
        check_meta(meta.as_slice())?;
        let store = Arc::new(PieceStore::default());
        let cold = pieces::cold_files(&files, &store)?;
        let is_composite = |path: &Path| {
            path.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| COMPOSITE_EXTENSIONS.contains(&e))
        };
        for (path, bytes) in &files {
            if is_composite(path) {
                check_composite(&path.to_string_lossy(), bytes.len(), 0, bytes.as_slice())?;
            }
        }
        for (path, file) in &cold.files {
            if is_composite(path) {
                let (start, tail) = file
                    .hot
                    .iter()
                    .max_by_key(|(start, _)| *start)
                    .map(|(start, bytes)| (*start, bytes.as_slice()))
                    .unwrap_or((file.len, &[]));
                check_composite(&path.to_string_lossy(), file.len, start, tail)?;
            }
        }
        let mut pack = ArticlePack::from_parts(files, cold.files, store);
        pack.piece_lens = Arc::new(cold.piece_lens);
        Ok(pack)
    }

    /// A pack over already validated parts (the pieces' expected lengths left empty).
    pub(crate) fn from_parts(
        files: HashMap<PathBuf, OwnedBytes>,
        cold: HashMap<PathBuf, Arc<ColdFile>>,
        store: Arc<PieceStore>,
    ) -> ArticlePack {
        ArticlePack {
            files: Arc::new(files),
            cold: Arc::new(cold),
            store,
            piece_lens: Arc::new(HashMap::new()),
        }
    }

    /// Names of every piece of a split pack, each once, in the order the files list them
    /// (empty for a whole pack).
    pub fn piece_names(&self) -> Vec<String> {
        let mut paths: Vec<_> = self.cold.keys().collect();
        paths.sort();
        let mut seen = std::collections::HashSet::new();
        paths
            .into_iter()
            .flat_map(|p| self.cold[p].pieces.iter())
            .filter(|n| seen.insert(n.as_str()))
            .cloned()
            .collect()
    }

    /// Pieces not loaded yet.
    pub fn pieces_pending(&self) -> Vec<String> {
        let mut names = self.piece_names();
        names.retain(|n| !self.store.is_loaded(n));
        names
    }

    /// Adds a downloaded piece after checking it is this pack's and is what its name says.
    pub fn add_piece(&self, name: &str, bytes: Vec<u8>) -> Result<(), PackError> {
        let Some(&expected) = self.piece_lens.get(name) else {
            return Err(PackError::BadPiece(format!(
                "{name} is not a piece of this pack"
            )));
        };
        if bytes.len() != expected {
            return Err(PackError::BadPiece(format!(
                "{name}: expected {expected} bytes, received {}",
                bytes.len()
            )));
        }
        verify_piece(name, &bytes)?;
        self.store
            .loaded
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), OwnedBytes::new(bytes));
        Ok(())
    }

    /// The pieces reads needed and did not find since the last call (clearing the record).
    pub fn take_missing(&self) -> Vec<String> {
        self.store.take_missing()
    }

    /// Names of the files in the pack, sorted.
    pub fn file_names(&self) -> Vec<String> {
        let mut names: Vec<_> = self
            .files
            .keys()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A read-only tantivy directory over the pack.
    pub fn directory(&self) -> PackDirectory {
        PackDirectory {
            whole: self.files.clone(),
            cold: self.cold.clone(),
        }
    }
}

/// A UUID (32 hex digits) derived from segment file contents and the segment's position.
fn content_uuid(files: &[(String, Vec<u8>)], position: usize) -> String {
    (0u32..4)
        .map(|salt| {
            let mut h = crc32fast::Hasher::new();
            h.update(&salt.to_le_bytes());
            h.update(&(position as u64).to_le_bytes());
            for (name, bytes) in files {
                h.update(name.rsplit('.').next().unwrap_or_default().as_bytes());
                h.update(&(bytes.len() as u64).to_le_bytes());
                h.update(bytes);
            }
            format!("{:08x}", h.finalize())
        })
        .collect()
}

/// The 8-4-4-4-12 form tantivy writes in meta.json.
fn hyphenated(simple: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &simple[..8],
        &simple[8..12],
        &simple[12..16],
        &simple[16..20],
        &simple[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        ArticlePack::encode(&[
            ("meta.json".into(), b"{}".to_vec()),
            ("seg.store".into(), vec![1, 2, 3, 4, 5]),
        ])
    }

    #[test]
    fn round_trips_files() {
        let pack = ArticlePack::parse(sample()).unwrap();
        assert_eq!(pack.file_names(), vec!["meta.json", "seg.store"]);
        let dir = pack.directory();
        assert_eq!(
            dir.atomic_read(Path::new("seg.store")).unwrap(),
            vec![1, 2, 3, 4, 5]
        );
        assert!(dir.exists(Path::new("meta.json")).unwrap());
        assert!(!dir.exists(Path::new("nope")).unwrap());
        assert!(dir.atomic_write(Path::new("x"), b"y").is_err());
    }

    #[test]
    fn rejects_html_instead_of_a_pack() {
        let err = ArticlePack::parse(b"<!doctype html><p>404</p>".to_vec()).unwrap_err();
        assert!(matches!(err, PackError::BadMagic { ref found } if found == "<!doctyp"));
        assert!(err.to_string().contains("not a Deflect index pack"));
        assert!(matches!(
            ArticlePack::parse(vec![]),
            Err(PackError::BadMagic { .. })
        ));
    }

    #[test]
    fn rejects_newer_versions() {
        let mut bytes = sample();
        bytes[8..12].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(
            ArticlePack::parse(bytes).unwrap_err(),
            PackError::UnsupportedVersion {
                found: 3,
                expected: 2
            }
        );
        // Whole packs of format 1 are still read.
        let mut bytes = sample();
        bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
        assert!(ArticlePack::parse(bytes).is_ok());
    }

    #[test]
    fn rejects_truncation_trailing_bytes_and_corruption() {
        let bytes = sample();
        for cut in [10, HEADER_LEN, bytes.len() - 1] {
            let err = ArticlePack::parse(bytes[..cut].to_vec()).unwrap_err();
            assert!(
                matches!(err, PackError::BadLength { .. }),
                "cut at {cut}: {err}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            ArticlePack::parse(longer),
            Err(PackError::BadLength { .. })
        ));
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 0xff;
        assert_eq!(
            ArticlePack::parse(flipped).unwrap_err(),
            PackError::BadChecksum
        );
    }

    #[test]
    fn rejects_entries_pointing_outside_the_data() {
        // A table entry claiming 1000 bytes, with a valid header and checksum.
        let mut body = Vec::new();
        body.extend_from_slice(&9u16.to_le_bytes());
        body.extend_from_slice(b"meta.json");
        body.extend_from_slice(&0u64.to_le_bytes());
        body.extend_from_slice(&1000u64.to_le_bytes());
        body.extend_from_slice(b"{}");
        let mut bytes = PACK_MAGIC.to_vec();
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        let err = ArticlePack::parse(bytes).unwrap_err();
        assert!(err.to_string().contains("outside the pack"), "{err}");
    }

    /// A pack with a valid header and checksum around `body`, claiming `file_count` files.
    fn with_body(file_count: u32, body: &[u8]) -> Vec<u8> {
        let mut bytes = PACK_MAGIC.to_vec();
        bytes.extend_from_slice(&PACK_FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&file_count.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn oversized_counts_and_lengths_are_errors_without_allocating() {
        // 4 billion files claimed, one present: the table runs out, nothing is reserved.
        let mut one = Vec::new();
        one.extend_from_slice(&9u16.to_le_bytes());
        one.extend_from_slice(b"meta.json");
        one.extend_from_slice(&0u64.to_le_bytes());
        one.extend_from_slice(&2u64.to_le_bytes());
        let mut body = one.clone();
        body.extend_from_slice(b"{}");
        let err = ArticlePack::parse(with_body(u32::MAX, &body)).unwrap_err();
        assert!(matches!(err, PackError::BadTable(_)), "{err}");
        // A body length of 2^64 - 1 in the header.
        let mut bytes = with_body(1, &body);
        bytes[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(
            ArticlePack::parse(bytes).unwrap_err(),
            PackError::BadLength {
                expected: u64::MAX,
                actual: body.len() as u64
            }
        );
        // An entry whose offset + length overflows u64.
        let mut huge = Vec::new();
        huge.extend_from_slice(&9u16.to_le_bytes());
        huge.extend_from_slice(b"meta.json");
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        huge.extend_from_slice(b"{}");
        let err = ArticlePack::parse(with_body(1, &huge)).unwrap_err();
        assert!(err.to_string().contains("outside the pack"), "{err}");
        // A name that is not UTF-8, the same file twice, and no meta.json.
        let mut latin1 = Vec::new();
        latin1.extend_from_slice(&1u16.to_le_bytes());
        latin1.push(0xe9);
        latin1.extend_from_slice(&0u64.to_le_bytes());
        latin1.extend_from_slice(&0u64.to_le_bytes());
        let err = ArticlePack::parse(with_body(1, &latin1)).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        let mut twice = one.clone();
        twice.extend_from_slice(&one);
        twice.extend_from_slice(b"{}");
        let err = ArticlePack::parse(with_body(2, &twice)).unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
        let mut other = Vec::new();
        other.extend_from_slice(&3u16.to_le_bytes());
        other.extend_from_slice(b"seg");
        other.extend_from_slice(&0u64.to_le_bytes());
        other.extend_from_slice(&0u64.to_le_bytes());
        let err = ArticlePack::parse(with_body(1, &other)).unwrap_err();
        assert!(err.to_string().contains("no meta.json"), "{err}");
    }

    #[test]
    fn a_schema_defining_a_field_twice_is_an_error_not_a_panic() {
        // Regression: fuzz/seeds/pack/crash-duplicate-schema-field made tantivy panic in
        // `Index::open` ("Field already exists in schema tags").
        let meta =
            br#"{"schema": [{"name": "tags", "type": "text"}, {"name": "tags", "type": "text"}]}"#;
        let bytes = ArticlePack::encode(&[("meta.json".into(), meta.to_vec())]);
        assert_eq!(
            ArticlePack::parse(bytes).unwrap_err(),
            PackError::BadIndex("meta.json defines the field `tags` twice".into())
        );
        let bytes = ArticlePack::encode(&[("meta.json".into(), b"{not json".to_vec())]);
        assert!(matches!(
            ArticlePack::parse(bytes),
            Err(PackError::BadIndex(m)) if m.starts_with("meta.json is not JSON")
        ));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap stand-in for fuzzing: every prefix and every single-byte corruption.
        let bytes = sample();
        for cut in 0..bytes.len() {
            let _ = ArticlePack::parse(bytes[..cut].to_vec());
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] = b[i].wrapping_add(0x5a);
            let _ = ArticlePack::parse(b);
        }
    }
}
