//! The real `deflect` binary forwarding by e-mail to a real SMTP server (`scripts/smtp-sink`,
//! aiosmtpd): the helpdesk down → cases retried with backoff, nothing lost across a kill -9
//! of the collector, each case delivered once when the server is back; and `deflect forward
//! test` printing what the SMTP server answered.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{deflect, eventually, json_of, post, stdout_of, Serve};
use serde_json::{json, Value};

/// A child process killed (SIGKILL) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `scripts/smtp-sink DIR ARGS` (`--port P`, `--auth USER:PASSWORD`); returns it and its
/// port.
fn smtp_sink(dir: &Path, args: &[&str]) -> (Killed, u16) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/smtp-sink");
    let mut child = Command::new("/usr/bin/python3")
        .arg(script)
        .arg(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting scripts/smtp-sink (python3-aiosmtpd: scripts/setup)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("scripts/smtp-sink printed {line:?}, not a port"));
    (Killed(child), port)
}

fn write_config(dir: &Path, database: &str, smtp_port: u16) -> PathBuf {
    let path = dir.join("collector.toml");
    std::fs::write(
        &path,
        format!(
            "database = {database:?}\nallowed_origins = [\"*\"]\n\
             [rate_limit]\nper_second = 0.0\n\
             [webhook]\nretry_base_ms = 50\nretry_max_ms = 200\npoll_ms = 50\ntimeout_ms = 2000\nlease_ms = 4000\n\
             [forward]\nkind = \"email\"\n\
             [forward.email]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"none\"\n\
             from = \"Deflect <cases@vendor.example>\"\nto = \"support@vendor.example\"\n"
        ),
    )
    .unwrap();
    path
}

/// `deflect serve --config CONFIG`.
fn serve(config: &Path) -> Serve {
    let mut command = deflect();
    command.args(["serve", "--config"]).arg(config);
    Serve::start(command)
}

fn forward_list(config: &Path) -> String {
    stdout_of(deflect().args(["forward", "list", "--config"]).arg(config))
}

fn report_outbox(config: &Path) -> Value {
    json_of(
        deflect()
            .args(["report", "--format", "json", "--config"])
            .arg(config),
    )["outbox"]
        .clone()
}

fn message_ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .expect("a Message-ID header")
                .trim()
                .to_string()
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn helpdesk_down_is_retried_and_nothing_is_lost_across_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    // Learn a free port from the sink, then stop it: the helpdesk is down (refused).
    let (sink, port) = smtp_sink(&mail, &[]);
    drop(sink);
    let database = dir.path().join("collector.sqlite");
    let config = write_config(dir.path(), database.to_str().unwrap(), port);
    let collector = serve(&config);
    for i in 0..5 {
        let case = json!({"id": format!("kill-mail-{i:04}"), "journey_id": "journey-kill-mail",
            "created_at": "2026-11-23T10:00:00Z", "subject": "Help", "email": "a@b.co",
            "customer_category": "how_do_i"});
        assert_eq!(post(&collector.base, "/v1/cases", &case).0, 201);
    }
    // Each case is retried (several attempts, with the connection error kept), none parked.
    eventually("every case retried at least twice", || {
        let list = forward_list(&config);
        list.lines().filter(|l| l.contains("retrying (")).count() == 5
            && !list.contains("retrying (1)")
    });
    let list = forward_list(&config);
    assert!(
        list.contains("Connection refused") || list.contains("connection refused"),
        "{list}"
    );
    drop(collector); // kill -9 mid-retry
    assert_eq!(
        report_outbox(&config),
        json!({"pending": 5, "delivered": 0, "parked": 0})
    );

    // The helpdesk is back on the same port; a restarted collector delivers everything once.
    let (_sink, _) = smtp_sink(&mail, &["--port", &port.to_string()]);
    let collector = serve(&config);
    eventually("all five delivered", || {
        report_outbox(&config)["delivered"] == 5
    });
    drop(collector);
    let ids = message_ids(&mail);
    let expected: Vec<String> = (0..5)
        .map(|i| format!("<deflect-case-kill-mail-{i:04}@vendor.example>"))
        .collect();
    assert_eq!(ids, expected, "each case arrives exactly once");
    assert_eq!(forward_list(&config).trim(), "every case is delivered");
}

#[test]
fn forward_test_sends_a_sample_case_and_prints_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    let (_sink, port) = smtp_sink(&mail, &[]);
    let config = write_config(dir.path(), "unused.sqlite", port);
    let out = deflect()
        .args(["forward", "test", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("through email"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "smtp 127.0.0.1:{port} answered 250: 2.0.0 OK queued as sink-0001"
        )),
        "{stdout}"
    );
    assert_eq!(message_ids(&mail).len(), 1);
    assert!(
        !dir.path().join("unused.sqlite").exists(),
        "a test send stores nothing"
    );

    // Nothing listening: the command says a real case would be retried, and fails.
    let config = write_config(dir.path(), "unused.sqlite", 9);
    let out = deflect()
        .args(["forward", "test", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("would be retried"), "{stderr}");
}

#[test]
fn the_smtp_password_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    let (_sink, port) = smtp_sink(&mail, &["--auth", "deflect:right-password"]);
    let database = dir.path().join("collector.sqlite");
    let config = write_config(dir.path(), database.to_str().unwrap(), port);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("username = \"deflect\"\npassword = \"smtp-password-secret-7\"\n");
    std::fs::write(&config, text).unwrap();
    let mut command = deflect();
    command
        .args(["serve", "--config"])
        .arg(&config)
        .env("DEFLECT_LOG", "debug,tower_http=debug");
    let mut server = Serve::start_logging(command);
    let case = json!({"id": "case-smtp-logs-1", "journey_id": "journey-smtp-logs",
        "created_at": "2026-11-23T10:00:00Z", "subject": "Help", "email": "a@b.co",
        "customer_category": "how_do_i"});
    assert_eq!(post(&server.base, "/v1/cases", &case).0, 201);
    eventually("the wrong password parks the case", || {
        forward_list(&config).contains("parked: smtp")
    });
    let log = server.terminate();
    assert!(log.contains("parked"), "the refusal is logged: {log}");
    assert!(
        !log.contains("smtp-password-secret-7"),
        "the password is logged:\n{log}"
    );
}
