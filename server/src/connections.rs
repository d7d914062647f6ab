//! Accepting and serving HTTP connections: a cap on open connections, a deadline for each
//! request's headers, and a graceful drain on shutdown.
//!
//! `axum::serve` sets neither a cap nor a deadline: a client that opens connections and
//! trickles a header byte now and then (slowloris) holds each one, with its task and file
//! descriptor, for as long as it likes, until the process runs out of descriptors and
//! honest widgets are refused. Here a connection waits for a permit before it is accepted
//! (beyond the cap, new clients queue in the kernel's backlog instead of failing the
//! process), and hyper closes a connection whose request headers have not all arrived in
//! time. Bodies have their own deadline where they are read (`crate::body`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// How many connections may be open and how long a request's headers may take.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections at most; more wait in the listen backlog.
    pub max_connections: usize,
    /// From the start of a request (or of an idle kept-alive connection) to its last
    /// header line.
    pub header_read_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown` turns true, then stops accepting and
/// waits for the open connections to finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = stopped(&mut shutdown) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: not fatal;
                    // pause briefly so a full descriptor table is not spun on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut shutdown) => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            // What `into_make_service_with_connect_info` would insert: the rate limit reads it.
            request.extensions_mut().insert(ConnectInfo(peer));
            let router = router.clone();
            async move {
                Ok::<_, Infallible>(
                    router
                        .oneshot(request.map(Body::new))
                        .await
                        .unwrap_or_else(|e| match e {}),
                )
            }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Resolves once `shutdown` is true (or its sender is gone); the guard `wait_for` returns is
/// dropped here, so the accept loop's future stays `Send`.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
