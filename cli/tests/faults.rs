//! Faults that need the real `deflect serve` process: a full disk (the file-size limit a
//! process gets with RLIMIT_FSIZE fails SQLite's writes just as ENOSPC does) answers 503 on
//! writes, keeps serving reads and loses nothing it acknowledged; and no secret reaches the
//! log, whatever fails.

mod common;

use std::os::unix::process::CommandExt;
use std::time::Duration;

use common::{client, deflect, json_of, post, send, Serve};
use serde_json::{json, Value};

/// About 10 KB of events.
fn batch(n: usize) -> Value {
    let events: Vec<Value> = (0..20)
        .map(|i| {
            json!({"id": format!("full-{n:05}-{i:03}"), "journey_id": format!("journey-{n:05}"),
                   "at": "2026-11-23T10:00:00Z", "type": "search", "query": "q".repeat(400),
                   "results": 1})
        })
        .collect();
    json!({ "events": events })
}

const TOKEN: &str = "fault-test-report-token-0123";

#[test]
fn a_full_disk_answers_503_keeps_serving_reads_and_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("collector.sqlite");
    let db = db.to_str().unwrap();
    let mut command = deflect();
    command.args(["serve", "--database", db, "--rate-limit-per-second", "0"]);
    command.args(["--allowed-origins", "*"]);
    command.env("DEFLECT_REPORT_TOKEN", TOKEN);
    // No file of this process may grow past 512 KiB (the migrations alone write a 256 KiB WAL
    // since the monthly rollups of migration 9); writes beyond fail with EFBIG (the
    // signal that would otherwise kill the process is ignored, as a server would).
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 512 * 1024,
                rlim_max: 512 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let server = Serve::start(command);
    let (mut acknowledged, mut refused) = (0usize, 0usize);
    for n in 0..80 {
        let (status, body) = post(&server.base, "/v1/events", &batch(n));
        match status {
            202 => {
                assert_eq!(body["accepted"], 20, "{body}");
                acknowledged += 1;
            }
            503 => {
                assert_eq!(body["field"], "", "{body}");
                assert!(
                    body["message"].as_str().unwrap().contains("storage"),
                    "{body}"
                );
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(acknowledged > 0, "some writes fit before the disk filled");
    assert!(refused > 0, "800 KB of events cannot fit in 512 KiB");
    // Cases are refused the same way, and reads keep working.
    let case = json!({"id": "case-full-0001", "journey_id": "journey-full",
        "created_at": "2026-11-23T10:00:00Z", "subject": "Help", "email": "a@b.co",
        "customer_category": "how_do_i", "description": "x".repeat(9_000)});
    let (status, _) = post(&server.base, "/v1/cases", &case);
    assert!(status == 503 || status == 201, "{status}");
    let case_stored = status == 201;
    let (status, health) = send(client().get(format!("{}/healthz", server.base)));
    assert_eq!((status, health["status"].clone()), (200, json!("ok")));
    let (status, report) = send(
        client()
            .get(format!("{}/v1/report", server.base))
            .bearer_auth(TOKEN),
    );
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["totals"]["events"],
        acknowledged * 20,
        "the running server sees exactly what it acknowledged"
    );
    drop(server); // kill -9 while the disk is still full

    // Space is back: a restart finds every acknowledged event and nothing else.
    let report = json_of(deflect().args(["report", "--format", "json", "--database", db]));
    assert_eq!(report["totals"]["events"], acknowledged * 20);
    assert_eq!(report["totals"]["cases"], usize::from(case_stored));
    let mut again = deflect();
    again.args(["serve", "--database", db, "--allowed-origins", "*"]);
    let again = Serve::start(again);
    let (status, body) = post(&again.base, "/v1/events", &batch(999));
    assert_eq!((status, body["accepted"].clone()), (202, json!(20)));
}

#[test]
fn no_secret_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("collector.sqlite");
    // A webhook whose URL carries credentials in every place one can, pointing at a closed
    // port so that every delivery fails and is logged.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let hook = format!("http://hookuser:url-password-1@127.0.0.1:{port}/T0/url-path-secret-2?key=url-query-secret-3");
    let secrets = [
        TOKEN,
        "webhook-bearer-secret-4",
        "url-password-1",
        "url-path-secret-2",
        "url-query-secret-3",
        "wrong-token-guess-5",
        "identity-hmac-secret-6-0123456789abcdef",
        // A signature that does not match its case: the mismatch is logged, never the value.
        "5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e5e6e",
    ];
    let mut command = deflect();
    command
        .args(["serve", "--database", db.to_str().unwrap()])
        .args(["--allowed-origins", "*"])
        .env("DEFLECT_REPORT_TOKEN", TOKEN)
        .env("DEFLECT_WEBHOOK_URL", &hook)
        .env("DEFLECT_WEBHOOK_TOKEN", "webhook-bearer-secret-4")
        .env(
            "DEFLECT_IDENTITY_SECRET",
            "identity-hmac-secret-6-0123456789abcdef",
        )
        .env("DEFLECT_LOG", "debug,tower_http=debug");
    let mut server = Serve::start_logging(command);
    let case = json!({"id": "case-logs-0001", "journey_id": "journey-logs",
        "created_at": "2026-11-23T10:00:00Z", "subject": "Help", "email": "a@b.co",
        "customer_category": "how_do_i"});
    assert_eq!(post(&server.base, "/v1/cases", &case).0, 201);
    let signed = json!({"id": "case-logs-0002", "journey_id": "journey-logs",
        "created_at": "2026-11-23T10:00:00Z", "subject": "Help", "email": "a@b.co",
        "customer_category": "how_do_i",
        "context": {"identity_signature": "5e6e".repeat(16)}});
    assert_eq!(post(&server.base, "/v1/cases", &signed).0, 201);
    // Wrong and right tokens, as header, as form and as cookie.
    let report = |token: &str| {
        send(
            client()
                .get(format!("{}/v1/report", server.base))
                .bearer_auth(token),
        )
        .0
    };
    assert_eq!(report("wrong-token-guess-5"), 401);
    assert_eq!(report(TOKEN), 200);
    for token in ["wrong-token-guess-5", TOKEN] {
        let r = client()
            .post(format!("{}/report/login", server.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={token}"))
            .send()
            .unwrap();
        assert!(r.status().as_u16() == 401 || r.status().is_redirection());
    }
    // Let the worker fail a few deliveries, then stop gracefully and read the whole log.
    std::thread::sleep(Duration::from_millis(2500));
    let log = server.terminate();
    assert!(
        log.contains("case forwarding failed"),
        "the failed deliveries are logged: {log}"
    );
    assert!(
        log.contains("identity signature does not match"),
        "the mismatch is logged: {log}"
    );
    for secret in secrets {
        assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
    }
}
