//! Runs the real `deflect serve` and `deflect report` binaries: static hosting without a
//! database, nothing acknowledged is lost to a kill -9, the report's formats, settings
//! errors, and --help.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{client, deflect, json_of, post, send, stdout_of, try_post, Serve};
use serde_json::{json, Value};

/// `deflect serve ARGS` accepting any origin, said explicitly (a collector with a database
/// requires it said).
fn serve(args: &[&str]) -> Serve {
    let mut command = deflect();
    command
        .arg("serve")
        .args(args)
        .env("DEFLECT_ALLOWED_ORIGINS", "*");
    Serve::start(command)
}

fn batch(n: usize, size: usize) -> Value {
    let events: Vec<Value> = (0..size)
        .map(|i| {
            json!({"id": format!("kill-{n:05}-{i:03}"), "journey_id": format!("journey-{n:05}"),
                   "at": "2026-11-23T10:00:00Z", "type": "search", "query": "reset password",
                   "results": i % 3})
        })
        .collect();
    json!({ "events": events })
}

fn report_json(database: &str) -> Value {
    json_of(deflect().args(["report", "--format", "json", "--database", database]))
}

/// A SQLite path in a temp dir, or a fresh PostgreSQL database (None: skipped locally).
fn database(postgres: bool, dir: &std::path::Path) -> Option<String> {
    if !postgres {
        return Some(dir.join("collector.sqlite").to_string_lossy().into_owned());
    }
    let Some(admin) = std::env::var("DEFLECT_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but DEFLECT_TEST_POSTGRES_URL is not (scripts/test starts PostgreSQL)"
        );
        eprintln!(
            "notice: skipping the PostgreSQL kill -9 test: DEFLECT_TEST_POSTGRES_URL is not set"
        );
        return None;
    };
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "deflect_cli_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    Some(
        rt.block_on(deflect_server::db::create_postgres_database(&admin, &name))
            .unwrap(),
    )
}

#[test]
fn without_a_database_it_serves_files_and_the_api_answers_503() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>demo</h1>").unwrap();
    let mut server = serve(&[site.path().to_str().unwrap()]);
    let page = client()
        .get(format!("{}/index.html", server.base))
        .send()
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.text().unwrap(), "<h1>demo</h1>");
    let (status, body) = post(&server.base, "/v1/events", &batch(0, 1));
    assert_eq!(status, 503);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no database is configured"),
        "{body}"
    );
    let (status, _) = post(&server.base, "/v1/cases", &json!({}));
    assert_eq!(status, 503);
    let (_, health) = send(client().get(format!("{}/healthz", server.base)));
    assert_eq!(health, json!({"status": "ok", "database": "none"}));

    // SIGTERM: a graceful stop with exit status 0.
    server.terminate();
}

fn nothing_acknowledged_is_lost_to_kill_9(postgres: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = database(postgres, dir.path()) else {
        return;
    };
    let server = serve(&["--database", &db, "--rate-limit-per-second", "0"]);
    let base = server.base.clone();
    // Cases first, each acknowledged.
    for i in 0..5 {
        let case = json!({"id": format!("kill-case-{i:04}"), "journey_id": "journey-kill",
            "created_at": "2026-11-23T10:00:00Z", "subject": "Help", "email": "a@b.co",
            "customer_category": "how_do_i"});
        assert_eq!(post(&base, "/v1/cases", &case).0, 201);
    }
    // A client posts batches of 50 back to back; the server is killed while it does.
    const SIZE: usize = 50;
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let poster = {
        let (acknowledged, stop, base) = (acknowledged.clone(), stop.clone(), base.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                match try_post(&base, "/v1/events", &batch(n, SIZE)) {
                    Ok((202, body)) => {
                        assert_eq!(body["accepted"], SIZE);
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok((status, body)) => panic!("unexpected {status}: {body}"),
                    Err(_) => return, // the server is gone
                }
                n += 1;
            }
        })
    };
    while acknowledged.load(Ordering::SeqCst) < 20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(server); // SIGKILL, no chance to flush anything
    stop.store(true, Ordering::SeqCst);
    poster.join().unwrap();
    let acked = acknowledged.load(Ordering::SeqCst) as i64;

    let report = report_json(&db);
    let stored = report["totals"]["events"].as_i64().unwrap();
    // Every acknowledged batch is there; the one in flight is there whole or not at all.
    assert!(
        stored == acked * SIZE as i64 || stored == (acked + 1) * SIZE as i64,
        "stored {stored} events, acknowledged {acked} batches of {SIZE}"
    );
    assert_eq!(report["totals"]["cases"], 5);
    assert_eq!(report["outbox"]["pending"], 5);

    // After a restart the same ids are known: a re-sent batch stores nothing.
    let again = serve(&["--database", &db]);
    let (status, body) = post(&again.base, "/v1/events", &batch(0, SIZE));
    assert_eq!(status, 202);
    assert_eq!(body, json!({"accepted": 0, "duplicates": SIZE}));
}

#[test]
fn nothing_acknowledged_is_lost_to_kill_9_on_sqlite() {
    nothing_acknowledged_is_lost_to_kill_9(false);
}

#[test]
fn nothing_acknowledged_is_lost_to_kill_9_on_postgres() {
    nothing_acknowledged_is_lost_to_kill_9(true);
}

#[test]
fn report_prints_tables_csv_and_json_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.sqlite").to_string_lossy().into_owned();
    {
        let server = serve(&["--database", &db]);
        let events = json!({"events": [
            {"id": "rep-000001", "journey_id": "journey-r1", "at": "2026-11-23T10:00:00Z", "type": "search", "query": "=cmd, \"quoted\"", "results": 0},
            {"id": "rep-000002", "journey_id": "journey-r1", "at": "2026-11-23T10:00:05Z", "type": "journey_ended", "outcome": "resolved"},
            {"id": "rep-000003", "journey_id": "journey-r2", "at": "2026-11-24T10:00:05Z", "type": "journey_ended", "outcome": "escalated"}
        ]});
        assert_eq!(post(&server.base, "/v1/events", &events).0, 202);
    }
    let run = |args: &[&str]| stdout_of(deflect().arg("report").args(args));
    let table = run(&["--database", &db]);
    assert!(
        table.contains("journeys 2  resolved 1  escalated 1  abandoned 0  without an outcome 0  deflection rate 50.0%"),
        "{table}"
    );
    let csv = run(&["--database", &db, "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "section,key,series,value");
    assert!(lines.contains(&"totals,events,,3"), "{csv}");
    assert!(lines.contains(&"totals,deflection_rate,,0.5000"), "{csv}");
    assert!(
        lines.contains(&"zero_result_query,\"'=cmd, \"\"quoted\"\"\",searches,1"),
        "{csv}"
    );
    // The window: only 2026-11-23, with the database taken from the environment.
    let out = deflect()
        .args([
            "report",
            "--format",
            "json",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-23",
        ])
        .env("DEFLECT_DATABASE", &db)
        .output()
        .unwrap();
    let window: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(window["totals"]["journeys"], 1);
    assert_eq!(window["totals"]["deflection_rate"], 1.0);

    let bad = deflect()
        .args(["report", "--database", &db, "--from", "last week"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from"));
    let none = deflect().arg("report").output().unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("database"));
}

#[test]
fn report_lists_failing_articles_as_a_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.sqlite").to_string_lossy().into_owned();
    {
        let server = serve(&["--database", &db]);
        let mut events = Vec::new();
        for j in 1..=3 {
            events.push(json!({"id": format!("fail-{j}-1"), "journey_id": format!("journey-f{j}"),
                "at": "2026-11-23T10:00:00Z", "type": "search", "query": "vat number", "results": 2}));
            events.push(
                json!({"id": format!("fail-{j}-2"), "journey_id": format!("journey-f{j}"),
                "at": "2026-11-23T10:00:05Z", "type": "feedback", "article_id": "billing/vat",
                "helpful": false, "reason": "outdated"}),
            );
        }
        events.push(json!({"id": "fail-4-1", "journey_id": "journey-f4",
            "at": "2026-11-24T10:00:00Z", "type": "search", "query": "my own words", "results": 2}));
        events.push(json!({"id": "fail-4-2", "journey_id": "journey-f4",
            "at": "2026-11-24T10:00:05Z", "type": "feedback", "article_id": "billing/vat",
            "helpful": false}));
        assert_eq!(
            post(&server.base, "/v1/events", &json!({ "events": events })).0,
            202
        );
    }
    let run = |args: &[&str]| stdout_of(deflect().args(["report", "--database", &db]).args(args));
    let table = run(&["--format", "failing"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines,
        [
            "article        no   yes  last no     reasons",
            "billing/vat     4     0  2026-11-24  3 outdated, 1 unspecified",
            "       3 × \"vat number\" (last 2026-11-23)",
            "       1 × question withheld (asked by fewer than 3 journeys, or not recorded)",
        ],
        "{table}"
    );
    let json: Value = serde_json::from_str(&run(&[
        "--format",
        "failing-json",
        "--min-journeys",
        "1",
        "--to",
        "2026-11-23",
    ]))
    .unwrap();
    assert_eq!(json["min_journeys"], 1);
    assert_eq!(json["articles"][0]["no_journeys"], 3);
    assert_eq!(json["articles"][0]["questions"][0]["query"], "vat number");
    assert_eq!(json["articles"][0]["withheld_journeys"], 0);
}

#[test]
fn bad_settings_are_errors_naming_the_key_and_help_lists_every_option() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("deflect-server.toml");
    std::fs::write(&config, "database = \"x.db\"\nreport_tokn = \"abc\"\n").unwrap();
    let out = deflect()
        .args(["serve", "--port", "0", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("report_tokn"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = deflect()
        .args(["serve", "--port", "0"])
        .env(
            "DEFLECT_ALLOWED_ORIGINS",
            "https://ok.example,https://bad.example/path",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("allowed_origins"));

    // A collector with a database and no origin list does not start: accepting events and
    // cases from every web page must be said (allowed_origins = ["*"]), not defaulted into.
    let db = dir.path().join("collector.sqlite");
    let out = deflect()
        .args(["serve", "--port", "0", "--database", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("allowed_origins: a collector with a database must list"),
        "{stderr}"
    );
    assert!(
        !db.exists(),
        "nothing is created before the settings are valid"
    );

    let help = deflect().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--database",
        "DEFLECT_DATABASE",
        "--report-token",
        "DEFLECT_REPORT_TOKEN",
        "--allowed-origins",
        "DEFLECT_ALLOWED_ORIGINS",
        "--webhook-url",
        "DEFLECT_WEBHOOK_URL",
        "--config",
        "--rate-limit-per-second",
        "--max-body-bytes",
    ] {
        assert!(
            help.contains(needle),
            "serve --help lacks {needle}:\n{help}"
        );
    }
    let help = deflect().args(["report", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--format",
        "table",
        "csv",
        "json",
        "--from",
        "--to",
        "--database",
    ] {
        assert!(
            help.contains(needle),
            "report --help lacks {needle}:\n{help}"
        );
    }
}

/// `deflect export` prints one person's cases and journey events as JSON; `deflect erase`
/// removes exactly those and says how many; a missing or double selector is an error naming
/// the flag.
#[test]
fn export_and_erase_one_persons_data_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.sqlite").to_string_lossy().into_owned();
    {
        let server = serve(&["--database", &db]);
        let events = json!({"events": [
            {"id": "per-000001", "journey_id": "journey-p1", "at": "2026-11-23T10:00:00Z", "type": "search", "query": "vat", "results": 1},
            {"id": "per-000002", "journey_id": "journey-p2", "at": "2026-11-23T10:00:00Z", "type": "search", "query": "timer", "results": 1}
        ]});
        assert_eq!(post(&server.base, "/v1/events", &events).0, 202);
        let case = json!({"id": "case-per-00001", "journey_id": "journey-p1", "created_at": "2026-11-23T10:00:09Z",
            "subject": "VAT is wrong", "email": "cy@example.com", "customer_category": "billing_or_account",
            "context": {"user_id": "u-42"}});
        assert_eq!(post(&server.base, "/v1/cases", &case).0, 201);
    }
    let run = |args: &[&str]| {
        deflect()
            .args(args)
            .args(["--database", &db])
            .output()
            .unwrap()
    };
    let out = run(&["export", "--user-id", "u-42"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["cases"][0]["case"]["subject"], "VAT is wrong");
    assert_eq!(data["events"].as_array().unwrap().len(), 1);
    assert_eq!(data["events"][0]["id"], "per-000001");

    let out = run(&["export"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--email: give email or user_id"));
    let out = run(&["erase", "--email", "cy@example.com", "--user-id", "u-42"]);
    assert!(!out.status.success(), "both selectors are refused");

    let out = run(&["erase", "--email", "CY@example.com"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let erased: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(erased, json!({"cases": 1, "events": 1}));
    let report = report_json(&db);
    assert_eq!(
        report["totals"]["searches"], 1,
        "the anonymous journey's search stays: {report}"
    );
    let again: Value =
        serde_json::from_slice(&run(&["export", "--email", "cy@example.com"]).stdout).unwrap();
    assert_eq!(again, json!({"cases": [], "events": []}));
}
