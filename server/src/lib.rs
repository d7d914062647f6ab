//! Deflect's HTTP server.
//!
//! For now it owns [`static_files`]: serving the widget bundle and index packs with the
//! right types, CORS for cross-origin embeds, and caching that matches how each file is
//! named. The events/cases collector will live beside it.

pub mod static_files;

use std::net::SocketAddr;

use tokio::net::TcpListener;

/// Binds `addr` (port 0 picks a free port) and returns the listener and its real address.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves `router` on `listener` until Ctrl-C or SIGTERM, then drains in-flight requests.
pub async fn run(listener: TcpListener, router: axum::Router) -> anyhow::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
