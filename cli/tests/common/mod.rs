//! What the tests that run the real `deflect` binary share: the command with the caller's
//! `DEFLECT_*` settings removed (so a developer's environment cannot change a test), a
//! running `deflect serve` on a free port that is killed when dropped, JSON requests to it,
//! the output of a command that must succeed, and waiting for a condition with a liveness
//! bound. Each test file includes it with `mod common;` and uses what it needs.

#![allow(dead_code)] // each test file is its own crate and uses a part of this

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `deflect` binary under test, without any `DEFLECT_*` variable of the caller.
pub fn deflect() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_deflect"));
    for (k, _) in std::env::vars() {
        if k.starts_with("DEFLECT_") {
            c.env_remove(k);
        }
    }
    c
}

/// A running `deflect serve`, killed (SIGKILL, no chance to flush) when dropped.
pub struct Serve {
    pub child: Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Starts `command` (`deflect serve` and its settings) on a free port, its log
    /// discarded; returns once it printed its URL.
    pub fn start(command: Command) -> Serve {
        Serve::start_with_log(command, Stdio::null())
    }

    /// As [`Serve::start`], with the log kept for [`Serve::terminate`] to return.
    pub fn start_logging(command: Command) -> Serve {
        Serve::start_with_log(command, Stdio::piped())
    }

    fn start_with_log(mut command: Command, log: Stdio) -> Serve {
        let mut child = command
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let start = line
            .find("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        let base = line[start..].trim().trim_end_matches('/').to_string();
        Serve { child, base }
    }

    /// Stops the server gracefully (SIGTERM), asserts it exited with status 0, and returns
    /// its whole log (empty unless started with [`Serve::start_logging`]).
    pub fn terminate(&mut self) -> String {
        assert!(Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success());
        let mut log = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut log).unwrap();
        }
        assert!(self.child.wait().unwrap().success(), "{log}");
        log
    }
}

/// A client with a liveness bound on each request.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Sends `request`: the status and the JSON answer (null when it is not JSON).
pub fn try_send(request: reqwest::blocking::RequestBuilder) -> reqwest::Result<(u16, Value)> {
    let r = request.send()?;
    let status = r.status().as_u16();
    let text = r.text()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// [`try_send`] to a server that must answer.
pub fn send(request: reqwest::blocking::RequestBuilder) -> (u16, Value) {
    try_send(request).unwrap()
}

/// POSTs `body` as JSON to `{base}{path}`; an error when the server does not answer.
pub fn try_post(base: &str, path: &str, body: &Value) -> reqwest::Result<(u16, Value)> {
    try_send(
        client()
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
}

/// [`try_post`] to a server that must answer.
pub fn post(base: &str, path: &str, body: &Value) -> (u16, Value) {
    try_post(base, path, body).unwrap()
}

/// What `command` printed, asserting that it succeeded (its stderr is the message if not).
pub fn stdout_of(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON `command` printed, asserting that it succeeded.
pub fn json_of(command: &mut Command) -> Value {
    serde_json::from_str(&stdout_of(command)).unwrap()
}

/// Waits until `check` holds, polling; panics naming `what` after a minute.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    // A liveness bound, not a timing assertion.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
