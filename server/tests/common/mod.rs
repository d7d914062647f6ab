//! The test databases shared by the collector's integration tests: a fresh SQLite file or
//! PostgreSQL database per test, and [`on_both_backends!`] to run one test body against
//! each. PostgreSQL runs when `DEFLECT_TEST_POSTGRES_URL` names a server (`scripts/test`
//! starts a private cluster); without it the variant says so in one line and passes, except
//! under `CI`, where it must run.
//!
//! Also what every collector test starts from: [`collector_config`], [`start_collector`] on
//! a free loopback port, [`event`] and [`post_events`] for a journey's events, and
//! [`eventually`] for what the outbox does in the background.
//!
//! Each test file that uses it declares `#[macro_use] mod common;` and `use common::Backend;`
//! (the macro's tests call `super::Backend`).

// Each test crate compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use deflect_server::config::Config;

/// The settings these tests start from: `database` (a SQLite path or PostgreSQL URL), the
/// report token, no rate limit, and any origin (the tests post without an Origin or from
/// listed ones, set where it matters).
pub fn collector_config(database: &str, report_token: &str) -> Config {
    let mut c = Config {
        database: Some(database.to_string()),
        report_token: Some(report_token.into()),
        allowed_origins: vec!["*".into()],
        ..Config::default()
    };
    c.rate_limit.per_second = 0.0;
    c
}

/// Event number `n` (counted up) of `journey` at `at`, with the fields of `kind` (its type
/// and what that type carries).
pub fn event(n: &mut usize, journey: &str, at: &str, kind: serde_json::Value) -> serde_json::Value {
    *n += 1;
    let mut e = serde_json::json!({
        "id": format!("ev-{n:06}"),
        "journey_id": format!("journey-{journey}"),
        "at": at,
    });
    e.as_object_mut()
        .unwrap()
        .extend(kind.as_object().unwrap().clone());
    e
}

/// Posts `events` as one batch and asserts the collector stored it (202).
pub async fn post_events(server: &deflect_server::Server, events: Vec<serde_json::Value>) {
    let answer = reqwest::Client::new()
        .post(format!("http://{}/v1/events", server.addr))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "events": events }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status().as_u16(),
        202,
        "{}",
        answer.text().await.unwrap()
    );
}

/// A collector with `config`, listening on a free loopback port.
pub async fn start_collector(config: Config) -> deflect_server::Server {
    let (listener, _) = deflect_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    deflect_server::start(config, None, listener).await.unwrap()
}

/// A collector on `db` with the settings every test starts from, for tests that read what it
/// stored rather than its report page (the report token is set and never used).
pub async fn collector_on(db: &TestDb) -> deflect_server::Server {
    start_collector(collector_config(
        &db.spec,
        "a-report-token-of-32-characters!",
    ))
    .await
}

/// A small deterministic generator (64-bit LCG, no dependency), so generated data sets are
/// the same on every run.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Waits until `check` holds, polling; panics naming `what` after a minute.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    // A liveness bound, not a timing assertion: the outbox's retries are tens of
    // milliseconds apart.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test; the temp dir (SQLite) lives as long as this.
pub struct TestDb {
    /// What the collector's `--database` takes: a SQLite path or a PostgreSQL URL.
    pub spec: String,
    _dir: Option<tempfile::TempDir>,
}

static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh database on `backend` for the test `name`; None when PostgreSQL is not
/// available locally (and CI is not set). The SQLite file sits in a folder that does not
/// exist yet, so the collector's creating it is exercised too.
pub async fn test_db(backend: Backend, name: &str) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let spec = dir
                .path()
                .join("data/collector.sqlite")
                .to_string_lossy()
                .into_owned();
            Some(TestDb {
                spec,
                _dir: Some(dir),
            })
        }
        Backend::Postgres => {
            let Some(admin) = std::env::var("DEFLECT_TEST_POSTGRES_URL")
                .ok()
                .filter(|v| !v.is_empty())
            else {
                if std::env::var_os("CI").is_some() {
                    panic!(
                        "CI is set but DEFLECT_TEST_POSTGRES_URL is not: the PostgreSQL tests \
                         must run in CI (scripts/test starts a private cluster)"
                    );
                }
                eprintln!(
                    "notice: skipping the PostgreSQL variant of {name}: \
                     DEFLECT_TEST_POSTGRES_URL is not set (scripts/test sets it)"
                );
                return None;
            };
            let db_name = format!(
                "deflect_{}_{}_{}",
                name,
                std::process::id(),
                DB_COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let spec = deflect_server::db::create_postgres_database(&admin, &db_name)
                .await
                .expect("creating a test database");
            Some(TestDb { spec, _dir: None })
        }
    }
}

/// Runs `$name` (an async fn taking a [`Backend`]) once per backend, as two tests
/// `$name::sqlite` and `$name::postgres`.
// Not every test file that shares this module runs tests on both backends.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await;
            }
        }
    };
}
