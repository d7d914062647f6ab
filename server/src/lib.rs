//! Deflect's HTTP server.
//!
//! - [`static_files`]: the widget bundle and index packs, with the right types, CORS for
//!   cross-origin embeds, and caching that matches how each file is named;
//! - [`api`]: the collector (`/v1/events`, `/v1/cases`, classification, `/v1/report`,
//!   `/healthz`) over [`db`] (SQLite or PostgreSQL, one set of migrations);
//! - [`body`]: request bodies read within a limit, and refused ones drained so the
//!   refusal reaches the client;
//! - [`connections`]: the accept loop: a cap on open connections, a header deadline and
//!   a graceful drain;
//! - [`identity`]: whether a case's customer is the one the vendor's backend signed for;
//! - [`learn_export`]: resolved and "No" question → article evidence for `deflect build --learn`;
//! - [`outbox`]: forwards stored cases to the vendor's helpdesk, through [`forward`]
//!   (webhook, e-mail, Zendesk, Freshdesk, Help Scout, Request Tracker);
//! - [`personal_data`]: export and erasure of everything held about one person;
//! - [`privacy`]: query text and page URLs kept only as the vendor's settings allow;
//! - [`quota`]: daily quotas of events and cases per page origin;
//! - [`retention`]: how long events and cases are kept, and the purge;
//! - [`report`] and [`dashboard`]: the figures, as JSON, tables, CSV and an HTML page;
//!   [`classify`]: the page's cases table and its CSRF-safe classification form.
//!
//! [`start`] builds all of it from a [`config::Config`] and serves until [`Server::stop`].

pub mod api;
pub mod body;
pub mod classify;
pub mod config;
pub mod connections;
pub mod dashboard;
pub mod db;
pub mod failing_articles;
pub mod forward;
pub mod identity;
pub mod learn_export;
pub mod outbox;
pub mod partitions;
pub mod personal_data;
pub mod privacy;
pub mod quota;
pub mod rate_limit;
pub mod report;
pub mod report_rollups;
pub mod report_session;
pub mod retention;
pub mod rollup;
pub mod static_files;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, put};
use axum::Router;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::Method;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};

use crate::api::AppState;
use crate::config::Config;
use crate::db::Db;
use crate::rate_limit::RateLimiter;

/// Binds `addr` (port 0 picks a free port) and returns the listener and its real address.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
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

/// Builds the router and state: the collector API (answering 503 without a database),
/// the dashboard, health, and the static files under `static_dir` for everything else.
pub async fn app(
    config: Config,
    static_dir: Option<PathBuf>,
) -> anyhow::Result<(Router, Arc<AppState>)> {
    config.validate()?;
    let db = match &config.database {
        Some(spec) => {
            let db = Db::open(spec).await?;
            let tls = db.tls().await.ok().flatten();
            tracing::info!(database = %db::redact(spec), backend = db.backend().as_str(), tls = ?tls, "database ready");
            if tls == Some(false) && !db::is_loopback_spec(spec) {
                tracing::warn!(
                    "the connection to PostgreSQL is not encrypted: add sslmode=verify-full \
                     (and sslrootcert=…) to the database URL (docs/collector.md)"
                );
            }
            Some(db)
        }
        None => {
            tracing::info!("no database configured: static hosting only, /v1 answers 503");
            None
        }
    };
    if db.is_some()
        && config
            .allowed_origins
            .iter()
            .any(|o| o == config::ANY_ORIGIN)
    {
        tracing::warn!(
            "allowed_origins = [\"*\"]: accepting events and cases from any page origin"
        );
    }
    if db.is_some() && !config.forwarding() {
        tracing::warn!(
            "no [forward] kind or webhook configured: cases are stored and wait in the outbox"
        );
    }
    let state = Arc::new(AppState {
        limiter: RateLimiter::new(config.rate_limit.per_second, config.rate_limit.burst),
        quota: quota::DailyQuota::new(config.quota.clone()),
        // Five sign-in attempts at once, then one every 12 seconds, per client.
        sign_in_limiter: RateLimiter::new(1.0 / 12.0, 5),
        db,
        config,
        outbox_wake: Arc::new(Notify::new()),
    });

    let cors_state = state.clone();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, parts| {
            let host = parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok());
            origin
                .to_str()
                .is_ok_and(|o| api::origin_allowed(&cors_state.config, o, host))
        }))
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([CONTENT_TYPE, AUTHORIZATION])
        .max_age(Duration::from_secs(86_400));
    let v1 = Router::new()
        .route("/v1/events", post(api::post_events))
        .route("/v1/cases", post(api::post_case))
        .route(
            "/v1/cases/{id}/classification",
            put(api::put_classification),
        )
        .route("/v1/report", get(api::get_report))
        .route(
            "/v1/personal-data",
            get(api::get_personal_data).delete(api::delete_personal_data),
        )
        .layer(from_fn_with_state(state.clone(), api::rate_limit))
        .layer(from_fn_with_state(state.clone(), api::origin_guard))
        .layer(cors);
    let mut router = Router::new()
        .merge(v1)
        .route("/healthz", get(api::healthz))
        .route("/report", get(dashboard::get_dashboard))
        .route("/report/login", post(dashboard::post_login))
        .route("/report/logout", post(dashboard::post_logout))
        .route(
            "/report/cases/{id}/classification",
            post(classify::post_classification),
        )
        .with_state(state.clone());
    if let Some(dir) = static_dir {
        router = router.fallback_service(static_files::router(dir));
    }
    let router = router.layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
    );
    Ok((router, state))
}

/// A running server: the HTTP listener and, with a database and a webhook, the outbox
/// worker.
pub struct Server {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Shared state (database, settings).
    pub state: Arc<AppState>,
    shutdown: watch::Sender<bool>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    purger: Option<tokio::task::JoinHandle<()>>,
}

/// Builds the app and starts serving on `listener`.
pub async fn start(
    config: Config,
    static_dir: Option<PathBuf>,
    listener: TcpListener,
) -> anyhow::Result<Server> {
    let addr = listener.local_addr()?;
    let (router, state) = app(config, static_dir).await?;
    let (shutdown, rx) = watch::channel(false);
    let forwarder = forward::Forwarder::from_config(&state.config)?;
    let worker = match (&state.db, forwarder) {
        (Some(db), Some(forwarder)) => Some(tokio::spawn(outbox::run(
            db.clone(),
            forwarder,
            state.config.webhook.clone(),
            state.outbox_wake.clone(),
            rx.clone(),
        ))),
        _ => None,
    };
    let purger = state.db.as_ref().map(|db| {
        tokio::spawn(retention::run(
            db.clone(),
            state.config.retention.clone(),
            state.config.forwarding(),
            rx.clone(),
        ))
    });
    let limits = connections::ConnectionLimits {
        max_connections: state.config.max_connections,
        header_read_timeout: Duration::from_millis(state.config.header_read_timeout_ms),
    };
    let http = tokio::spawn(connections::serve(listener, router, limits, rx));
    Ok(Server {
        addr,
        state,
        shutdown,
        http,
        worker,
        purger,
    })
}

impl Server {
    /// Stops accepting connections, drains in-flight requests, lets the outbox worker
    /// finish its current delivery, and closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        let served = self.http.await;
        for task in [self.worker, self.purger].into_iter().flatten() {
            let _ = task.await;
        }
        if let Some(db) = &self.state.db {
            db.close().await;
        }
        served??;
        Ok(())
    }
}
