//! Request bodies: reading one up to the configured limit, and draining one the collector
//! refuses, so that every refusal reaches the client.
//!
//! Why drain: an HTTP/1.1 server that answers before it has read the request body and then
//! closes the connection leaves unread bytes in its socket; the kernel answers those with a
//! reset, which can destroy the answer before the client reads it. The client — a widget
//! posting an oversized batch, or a test under load — then sees a network error and
//! retries, instead of the 413 (or 403, 415, 429) that tells it to stop. So a refused body
//! is read on and dropped, within a byte and time budget that keeps a hostile client from
//! holding the connection; past the budget the answer goes out with `Connection: close`
//! and the client may see the reset (no widget sends that much).

use std::time::Duration;

use axum::body::{Body, Bytes};
use http::header::CONTENT_LENGTH;
use http::HeaderMap;
use http_body_util::BodyExt;

/// How many bytes of a refused body are read and dropped before answering.
pub const DRAIN_BYTES: u64 = 8 * 1024 * 1024;
/// How long draining a refused body may take before the answer goes out anyway.
pub const DRAIN_TIME: Duration = Duration::from_secs(10);

/// How a bounded read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyRead {
    /// The whole body, within the limit.
    Complete(Bytes),
    /// The body is over the limit (declared or streamed). `drained` says whether the rest
    /// was read to its end, so the connection can stay open.
    TooLarge { drained: bool },
    /// The connection failed while reading (client went away, malformed chunking).
    Broken,
    /// The body did not arrive within the deadline (a slow or stalled client).
    TimedOut,
}

/// The declared `Content-Length`, if any.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse::<u64>()
        .ok()
}

/// Reads `body` within `deadline`, keeping at most `limit` bytes; a body over the limit is
/// drained (see [`drain`]) instead of left unread.
pub async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    deadline: Duration,
) -> BodyRead {
    tokio::time::timeout(deadline, read_within(headers, body, limit))
        .await
        .unwrap_or(BodyRead::TimedOut)
}

async fn read_within(headers: &HeaderMap, body: Body, limit: usize) -> BodyRead {
    if declared_length(headers).is_some_and(|len| len > limit as u64) {
        return BodyRead::TooLarge {
            drained: drain(headers, body).await,
        };
    }
    let mut body = body;
    let mut kept = Vec::new();
    loop {
        match body.frame().await {
            None => return BodyRead::Complete(Bytes::from(kept)),
            Some(Err(_)) => return BodyRead::Broken,
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                if kept.len() + data.len() > limit {
                    // Streamed past the limit: what was read so far counts toward the budget.
                    let read = (kept.len() + data.len()) as u64;
                    drop(kept);
                    return BodyRead::TooLarge {
                        drained: drain_within(body, DRAIN_BYTES.saturating_sub(read)).await,
                    };
                }
                kept.extend_from_slice(&data);
            }
        }
    }
}

/// Reads and drops a body the collector refuses. True when it was read to its end within
/// the budget; false when it was larger (by its declared length or as it streamed), slower,
/// or the connection broke — then the answer must close the connection.
pub async fn drain(headers: &HeaderMap, body: Body) -> bool {
    if declared_length(headers).is_some_and(|len| len > DRAIN_BYTES) {
        return false;
    }
    drain_within(body, DRAIN_BYTES).await
}

async fn drain_within(mut body: Body, budget: u64) -> bool {
    let read_to_end = async {
        let mut read = 0u64;
        loop {
            match body.frame().await {
                None => return true,
                Some(Err(_)) => return false,
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        read += data.len() as u64;
                        if read > budget {
                            return false;
                        }
                    }
                }
            }
        }
    };
    tokio::time::timeout(DRAIN_TIME, read_to_end)
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(30);

    fn with_length(n: usize) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_LENGTH, n.into());
        h
    }

    fn streamed(chunks: usize, size: usize) -> Body {
        let stream = futures_util::stream::iter(
            (0..chunks).map(move |_| Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; size]))),
        );
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn keeps_bodies_within_the_limit_and_drains_larger_ones_to_their_end() {
        let small = read_limited(&with_length(10), Body::from(vec![b'a'; 10]), 10, T).await;
        assert_eq!(small, BodyRead::Complete(Bytes::from(vec![b'a'; 10])));
        // Declared over the limit: refused without keeping anything, but read to the end.
        let declared = read_limited(&with_length(11), Body::from(vec![b'a'; 11]), 10, T).await;
        assert_eq!(declared, BodyRead::TooLarge { drained: true });
        // Streamed (chunked) past the limit: the same.
        let chunked = read_limited(&HeaderMap::new(), streamed(100, 1000), 10_000, T).await;
        assert_eq!(chunked, BodyRead::TooLarge { drained: true });
        let exact = read_limited(&HeaderMap::new(), streamed(10, 1000), 10_000, T).await;
        assert!(matches!(exact, BodyRead::Complete(b) if b.len() == 10_000));
    }

    #[tokio::test]
    async fn a_body_past_the_drain_budget_is_not_read_on() {
        let huge = DRAIN_BYTES as usize + 1;
        assert!(
            !drain(&with_length(huge), Body::empty()).await,
            "declared too large"
        );
        let chunks = (DRAIN_BYTES as usize) / (1 << 20) + 1;
        let streamed_huge =
            read_limited(&HeaderMap::new(), streamed(chunks, 1 << 20), 1024, T).await;
        assert_eq!(streamed_huge, BodyRead::TooLarge { drained: false });
    }
}
