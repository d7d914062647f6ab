//! `PackDirectory`: the read-only tantivy [`Directory`] over a pack's files, whole or in
//! pieces.
//!
//! Hot files (meta, term dictionaries, field norms, …) are served from the pack's buffer.
//! Cold files (postings, positions, doc store) are served from their hot slices (the byte
//! ranges opening the index reads: footers, skip index, per-field headers) and from the
//! pieces loaded so far. A read that needs a piece not loaded yet fails with an
//! `io::Error` and records the piece's name, so a caller can run a query "dry", collect
//! every piece it touched, fetch them and run it again: tantivy itself stays synchronous
//! (as in Quickwit's hotcache, minus the async reads that a browser cannot block on).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr,
};
use tantivy::{Directory, HasLen};

/// The pieces of one pack loaded so far, shared by every cold file's handle.
#[derive(Default)]
pub(crate) struct PieceStore {
    /// Loaded piece bytes by piece name.
    pub(crate) loaded: RwLock<HashMap<String, OwnedBytes>>,
    /// Pieces reads needed but did not find since the last [`PieceStore::take_missing`].
    pub(crate) missing: Mutex<BTreeSet<String>>,
    /// Every read of a cold file, when recording (only while splitting a pack at build).
    pub(crate) reads: Option<Mutex<Vec<(PathBuf, Range<usize>)>>>,
}

impl PieceStore {
    /// The pieces reads asked for and did not find, clearing the record.
    pub(crate) fn take_missing(&self) -> Vec<String> {
        let mut missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *missing).into_iter().collect()
    }

    pub(crate) fn is_loaded(&self, name: &str) -> bool {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(name)
    }
}

/// A postings, positions or doc-store file served from hot slices and pieces.
pub(crate) struct ColdFile {
    pub(crate) path: PathBuf,
    pub(crate) len: usize,
    pub(crate) piece_bytes: usize,
    /// Piece `i` holds bytes `i * piece_bytes ..` of the file.
    pub(crate) pieces: Vec<String>,
    /// Byte ranges kept in the hot part: (start in the file, bytes).
    pub(crate) hot: Vec<(usize, OwnedBytes)>,
    pub(crate) store: Arc<PieceStore>,
}

impl fmt::Debug for ColdFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ColdFile({:?}, {} bytes)", self.path, self.len)
    }
}

impl HasLen for ColdFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for ColdFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if let Some(reads) = &self.store.reads {
            let mut reads = reads.lock().unwrap_or_else(|e| e.into_inner());
            reads.push((self.path.clone(), range.clone()));
        }
        if range.start > range.end || range.end > self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{:?}: bytes {range:?} are outside the file", self.path),
            ));
        }
        for (start, bytes) in &self.hot {
            if range.start >= *start && range.end <= start + bytes.len() {
                return Ok(bytes.slice(range.start - start..range.end - start));
            }
        }
        if range.is_empty() {
            return Ok(OwnedBytes::empty());
        }
        let first = range.start / self.piece_bytes;
        let last = (range.end - 1) / self.piece_bytes;
        let loaded = self.store.loaded.read().unwrap_or_else(|e| e.into_inner());
        let names = self.pieces.get(first..=last).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{:?}: no piece holds bytes {range:?}", self.path),
            )
        })?;
        let absent: Vec<&String> = names.iter().filter(|n| !loaded.contains_key(*n)).collect();
        if !absent.is_empty() {
            let mut missing = self.store.missing.lock().unwrap_or_else(|e| e.into_inner());
            missing.extend(absent.into_iter().cloned());
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{:?}: bytes {range:?} are in pieces not loaded yet",
                    self.path
                ),
            ));
        }
        let piece_range = |i: usize| {
            let base = i * self.piece_bytes;
            range.start.max(base) - base..range.end.min(base + self.piece_bytes) - base
        };
        if first == last {
            return Ok(loaded[&names[0]].slice(piece_range(first)));
        }
        let mut joined = Vec::with_capacity(range.len());
        for (i, name) in (first..=last).zip(names) {
            joined.extend_from_slice(&loaded[name].as_slice()[piece_range(i)]);
        }
        Ok(OwnedBytes::new(joined))
    }
}

/// A read-only tantivy [`Directory`] serving the files of an
/// [`ArticlePack`](super::ArticlePack) from memory.
///
/// Writes fail; locking is a no-op because nothing can write, and because the reader takes
/// a meta lock that would otherwise try to create a lock file.
#[derive(Clone)]
pub struct PackDirectory {
    pub(crate) whole: Arc<HashMap<PathBuf, OwnedBytes>>,
    pub(crate) cold: Arc<HashMap<PathBuf, Arc<ColdFile>>>,
}

impl fmt::Debug for PackDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PackDirectory")
    }
}

fn read_only(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("index pack is read-only: {path:?}"),
    )
}

impl Directory for PackDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        if let Some(cold) = self.cold.get(path) {
            return Ok(cold.clone());
        }
        let bytes = self
            .whole
            .get(path)
            .ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))?;
        Ok(Arc::new(bytes.clone()))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: Arc::new(read_only(path)),
            filepath: path.into(),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.whole.contains_key(path) || self.cold.contains_key(path))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::IoError {
            io_error: Arc::new(read_only(path)),
            filepath: path.into(),
        })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        if let Some(cold) = self.cold.get(path) {
            return cold
                .read_bytes(0..cold.len)
                .map(|b| b.as_slice().to_vec())
                .map_err(|io_error| OpenReadError::IoError {
                    io_error: Arc::new(io_error),
                    filepath: path.to_path_buf(),
                });
        }
        let bytes = self
            .whole
            .get(path)
            .ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))?;
        Ok(bytes.as_slice().to_vec())
    }

    fn atomic_write(&self, path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(read_only(path))
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}
