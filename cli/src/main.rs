//! `deflect`: the one command-line tool for documentation and product teams.
//!
//! `build` turns a knowledge base into an index pack, `check` validates without writing,
//! `search` queries a built pack through exactly the widget's query path, `serve` hosts
//! the widget and packs and runs the events/cases collector, and `report` prints the
//! collector's self-help report.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod forward;

use clap::{Parser, Subcommand};
use deflect_core::SearchIndex;
use deflect_index::{BuildError, BuildOptions};

mod learn;
mod meaning;
mod signal;

/// Deflect: in-browser knowledge-base search for self-help support widgets.
#[derive(Parser)]
#[command(name = "deflect", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a knowledge base and publish its index pack, article HTML and manifest.
    ///
    /// Nothing is written unless every article is valid; a new build replaces the previous
    /// one atomically (manifest.json is swapped last) and keeps the previous pack for
    /// browsers that still use it.
    Build {
        /// Folder of Markdown (YAML front matter) and HTML articles, or a help-centre
        /// export (.json/.jsonl file).
        src: PathBuf,
        /// Output folder (created if missing), e.g. dist/kb.
        #[arg(long, short)]
        out: PathBuf,
        /// No progress bar and no summary; errors are still printed.
        #[arg(long, short)]
        quiet: bool,
        /// Settings file (synonyms); default: deflect.toml in SRC when SRC is a folder.
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        learn: learn::LearnArgs,
        /// Meaning vectors (from `scripts/meaning-vectors`) to publish with the pack: the
        /// widget fetches them after its first suggestions and ranks by meaning too.
        #[arg(long, value_name = "FILE")]
        meaning: Option<PathBuf>,
    },
    /// Validate a knowledge base without writing anything; exits non-zero on any error.
    Check {
        /// Folder of Markdown/HTML articles, or a help-centre export (.json/.jsonl).
        src: PathBuf,
        /// Settings file; default: deflect.toml in SRC when SRC is a folder.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Search a built pack exactly as the widget does and print the ranked articles.
    Search {
        /// Output folder of `deflect build` (holding manifest.json).
        dir: PathBuf,
        /// The query, as typed (the last word counts as possibly unfinished).
        #[arg(required_unless_present = "queries")]
        query: Option<String>,
        /// A JSON Lines file of `{"id", "text"}` queries to run in batch; prints one line
        /// `{"query_id", "hits": [{"id", "score"}], "good_answer"}` per query.
        #[arg(long, conflicts_with = "query")]
        queries: Option<PathBuf>,
        /// Number of results.
        #[arg(long, default_value_t = 5)]
        top: usize,
        /// Print JSON lines {"id", "score", "title"} instead of a table.
        #[arg(long)]
        json: bool,
        /// Meaning vectors (from `scripts/meaning-vectors`) to fuse with the ranking.
        #[arg(long, value_name = "FILE")]
        meaning: Option<PathBuf>,
    },
    /// Score a built pack against a golden-questions file (hit@1/3/5, MRR, nDCG@10);
    /// exits non-zero when a threshold in the file is missed.
    Eval {
        /// Golden-questions TOML file, e.g. kb/golden.toml.
        #[arg(required_unless_present = "queries")]
        golden: Option<PathBuf>,
        /// Output folder of `deflect build` (holding manifest.json).
        #[arg(long)]
        index: PathBuf,
        /// Instead of a golden file: JSON Lines queries `{id, text}` ...
        #[arg(long, requires = "qrels", conflicts_with = "golden")]
        queries: Option<PathBuf>,
        /// ... with JSON Lines judgements `{query_id, doc_id, grade}`.
        #[arg(long, requires = "queries")]
        qrels: Option<PathBuf>,
        /// Also run one-edit typo variants of every question (typo retention in the top 5).
        #[arg(long)]
        typos: bool,
        /// Also measure typing saved: the median share of each question typed before its
        /// answer enters the top 5 and stays there.
        #[arg(long)]
        typing: bool,
        /// Write the typo'd questions used by --typos as JSON Lines `{id, text}` (ids are
        /// 1-based question numbers), so peers can be measured on the very same typos.
        #[arg(long, requires = "typos")]
        write_typos: Option<PathBuf>,
        /// Do not list the questions that miss the top 3.
        #[arg(long)]
        no_misses: bool,
        /// Meaning vectors (from `scripts/meaning-vectors`) fused with the ranking: the
        /// figures are with them, and extra lines give nDCG@10 without them, per weight and
        /// per odd/even half.
        #[arg(long, value_name = "FILE")]
        meaning: Option<PathBuf>,
    },
    /// Serve the widget and packs, and collect journey events and support cases.
    ///
    /// Without a database this is a static file server (correct types for .wasm, CORS for
    /// embeds, long-lived caching for content-addressed files) and the /v1 API answers 503.
    /// With --database it also runs the collector: POST /v1/events, POST /v1/cases,
    /// PUT /v1/cases/{id}/classification, GET /v1/report, GET /healthz and the /report
    /// dashboard, and forwards cases to --webhook-url. Settings come from --config, then
    /// environment variables, then flags (each later one wins). See docs/collector.md.
    Serve {
        /// Folder to serve (e.g. dist/site, holding the widget, the packs and the host
        /// page); omit it to run the collector alone.
        dir: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
        /// Port to listen on; 0 picks a free one (the URL printed tells which).
        #[arg(long, short, default_value_t = 8080)]
        port: u16,
        #[command(flatten)]
        settings: ServerSettings,
    },
    /// Print the self-help report (journeys by outcome and deflection rate, top and
    /// zero-result queries, unhelpful articles, customer vs vendor case categories) from
    /// the collector's database.
    Report {
        #[command(flatten)]
        store: StoreArgs,
        /// Start of the window: YYYY-MM-DD (UTC) or an RFC 3339 time; default: the beginning.
        #[arg(long)]
        from: Option<String>,
        /// End of the window: YYYY-MM-DD (that whole day, UTC) or an RFC 3339 time
        /// (exclusive); default: no end.
        #[arg(long)]
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// With --format learn or failing: keep a question's text only when at least this
        /// many distinct journeys asked it (k-anonymity).
        #[arg(long, default_value_t = 3)]
        min_journeys: u64,
    },
    /// Print everything the collector holds about one person as JSON: their cases (with
    /// classification and forwarding state) and the events of those cases' journeys.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        person: PersonArgs,
    },
    /// Delete everything the collector holds about one person (their cases, those cases'
    /// outbox rows and their journeys' events) in one transaction; prints what was removed.
    Erase {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        person: PersonArgs,
    },
    /// Case forwarding: send a test case, list undelivered and parked cases, retry parked
    /// ones (docs/collector.md, docs/forward-*.md).
    #[command(subcommand)]
    Forward(forward::ForwardCommand),
}

/// Where the collector's data is, for the commands that read or change it offline.
#[derive(clap::Args, Debug)]
struct StoreArgs {
    /// Settings file; only `database` is read from it.
    #[arg(long, env = "DEFLECT_CONFIG")]
    config: Option<PathBuf>,
    /// The collector's database: a SQLite file path or a postgres:// URL.
    #[arg(long, env = "DEFLECT_DATABASE")]
    database: Option<String>,
}

impl StoreArgs {
    /// The database named by the flag, the environment or the settings file.
    fn database(&self) -> anyhow::Result<String> {
        let file_database = match &self.config {
            Some(path) => deflect_server::config::Config::from_file(path)?.database,
            None => None,
        };
        self.database
            .clone()
            .or(file_database)
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "database: give --database (or DEFLECT_DATABASE, or `database` in --config)"
                )
            })
    }
}

/// Whose data: exactly one of the two.
#[derive(clap::Args, Debug)]
struct PersonArgs {
    /// The e-mail address the person's cases were sent from (case-insensitive).
    #[arg(long)]
    email: Option<String>,
    /// The vendor's user id the person's cases carried (`identify`).
    #[arg(long)]
    user_id: Option<String>,
}

impl PersonArgs {
    fn person(&self) -> anyhow::Result<deflect_server::personal_data::Person> {
        deflect_server::personal_data::Person::from_selectors(
            self.email.as_deref(),
            self.user_id.as_deref(),
        )
        .map_err(|(field, message)| anyhow::anyhow!("--{}: {message}", field.replace('_', "-")))
    }
}

/// `deflect export` and `deflect erase`.
async fn personal_data(store: StoreArgs, person: PersonArgs, erase: bool) -> anyhow::Result<()> {
    let who = person.person()?;
    let db = deflect_server::db::Db::open(&store.database()?).await?;
    let result = if erase {
        deflect_server::personal_data::erase(&db, &who)
            .await
            .and_then(|e| Ok(serde_json::to_string_pretty(&e)?))
    } else {
        deflect_server::personal_data::export(&db, &who)
            .await
            .and_then(|d| Ok(serde_json::to_string_pretty(&d)?))
    };
    db.close().await;
    println!("{}", result?);
    Ok(())
}

/// The collector's settings that can be given as flags or environment variables; they
/// override the same keys in the --config file.
#[derive(clap::Args, Debug)]
struct ServerSettings {
    /// Settings file (TOML; keys as in docs/collector.md), e.g. deflect-server.toml.
    #[arg(long, env = "DEFLECT_CONFIG")]
    config: Option<PathBuf>,
    /// Where to store events and cases: a SQLite file path (created on first start) or a
    /// postgres://user:password@host/db URL (for several instances behind a load balancer).
    #[arg(long, env = "DEFLECT_DATABASE")]
    database: Option<String>,
    /// Bearer token for GET /v1/report, the /report dashboard and the classification API
    /// (at least 16 characters; prefer the environment variable to a flag).
    #[arg(long, env = "DEFLECT_REPORT_TOKEN", hide_env_values = true)]
    report_token: Option<String>,
    /// Comma-separated page origins allowed to post events and cases
    /// (https://app.example.com,https://www.example.com), or * for any origin; required
    /// with --database (pages served by this collector itself are always allowed).
    #[arg(long, env = "DEFLECT_ALLOWED_ORIGINS")]
    allowed_origins: Option<String>,
    /// Helpdesk webhook that receives each stored case once (JSON POST with
    /// Idempotency-Key), retried with exponential backoff until it answers 2xx.
    #[arg(long, env = "DEFLECT_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Sent to the webhook as Authorization: Bearer <token>.
    #[arg(long, env = "DEFLECT_WEBHOOK_TOKEN", hide_env_values = true)]
    webhook_token: Option<String>,
    /// Secret shared with your backend for identity verification: cases whose user id,
    /// e-mail and plan carry its HMAC are marked verified (docs/identity-verification.md;
    /// at least 32 characters; prefer the environment variable to a flag).
    #[arg(long, env = "DEFLECT_IDENTITY_SECRET", hide_env_values = true)]
    identity_secret: Option<String>,
    /// Cases whose identity is not verified keep the e-mail the visitor typed but lose the
    /// user id and plan they claimed (needs --identity-secret).
    #[arg(long, env = "DEFLECT_IDENTITY_REQUIRE_VERIFIED")]
    identity_require_verified: Option<bool>,
    /// Largest accepted request body in bytes (default 1048576).
    #[arg(long, env = "DEFLECT_MAX_BODY_BYTES")]
    max_body_bytes: Option<usize>,
    /// Sustained POST requests per second per client address; 0 turns the limit off
    /// (default 20).
    #[arg(long, env = "DEFLECT_RATE_LIMIT_PER_SECOND")]
    rate_limit_per_second: Option<f64>,
    /// POST requests a client may send in a burst (default 100).
    #[arg(long, env = "DEFLECT_RATE_LIMIT_BURST")]
    rate_limit_burst: Option<u32>,
    /// Events one page origin may store per UTC day; 0: unlimited (default 2000000).
    #[arg(long, env = "DEFLECT_EVENTS_PER_ORIGIN_PER_DAY")]
    events_per_origin_per_day: Option<u64>,
    /// Cases one page origin may store per UTC day; 0: unlimited (default 20000).
    #[arg(long, env = "DEFLECT_CASES_PER_ORIGIN_PER_DAY")]
    cases_per_origin_per_day: Option<u64>,
    /// Proxies in front that append to X-Forwarded-For (default 0: the header is ignored);
    /// the client address is read that many entries from the right.
    #[arg(long, env = "DEFLECT_TRUSTED_PROXY_HOPS")]
    trusted_proxy_hops: Option<usize>,
}

impl ServerSettings {
    fn into_config(self) -> anyhow::Result<deflect_server::config::Config> {
        use deflect_server::config::{split_list, Config};
        let mut c = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        if let Some(v) = self.database {
            c.database = Some(v);
        }
        if let Some(v) = self.report_token {
            c.report_token = Some(v);
        }
        if let Some(v) = self.allowed_origins {
            c.allowed_origins = split_list(&v);
        }
        if let Some(v) = self.webhook_url {
            c.webhook.url = Some(v);
        }
        if let Some(v) = self.webhook_token {
            c.webhook.token = Some(v);
        }
        if let Some(v) = self.identity_secret {
            c.identity.secret = Some(v);
        }
        if let Some(v) = self.identity_require_verified {
            c.identity.require_verified = v;
        }
        if let Some(v) = self.max_body_bytes {
            c.max_body_bytes = v;
        }
        if let Some(v) = self.rate_limit_per_second {
            c.rate_limit.per_second = v;
        }
        if let Some(v) = self.rate_limit_burst {
            c.rate_limit.burst = v;
        }
        if let Some(v) = self.trusted_proxy_hops {
            c.trusted_proxy_hops = v;
        }
        if let Some(v) = self.events_per_origin_per_day {
            c.quota.events_per_origin_per_day = v;
        }
        if let Some(v) = self.cases_per_origin_per_day {
            c.quota.cases_per_origin_per_day = v;
        }
        // Empty values (an exported but blank variable) mean "not set".
        c.database = c.database.filter(|v| !v.trim().is_empty());
        c.report_token = c.report_token.filter(|v| !v.is_empty());
        c.webhook.url = c.webhook.url.filter(|v| !v.trim().is_empty());
        c.webhook.token = c.webhook.token.filter(|v| !v.is_empty());
        c.identity.secret = c.identity.secret.filter(|v| !v.is_empty());
        c.validate()?;
        Ok(c)
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ReportFormat {
    /// Aligned plain-text tables.
    Table,
    /// One figure per line: section,key,series,value.
    Csv,
    /// The same JSON as GET /v1/report.
    Json,
    /// JSON Lines of question → article evidence (resolved and "No") for
    /// `deflect build --learn`, see docs/learning.md.
    Learn,
    /// The doc team's list of articles customers said "No" to, with the questions that led
    /// there (k-anonymous), as a text table; see docs/learning.md.
    Failing,
    /// The same list as JSON.
    FailingJson,
}

fn print_warnings(warnings: &[deflect_index::SourceError]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn build(
    src: &Path,
    out: &Path,
    quiet: bool,
    config: Option<PathBuf>,
    learn: learn::LearnArgs,
    meaning: Option<PathBuf>,
) -> ExitCode {
    let options = BuildOptions {
        progress: !quiet,
        config,
        learn: learn.source(),
        meaning,
        ..BuildOptions::default()
    };
    match deflect_index::build(src, out, &options) {
        Ok(report) => {
            print_warnings(&report.warnings);
            if !quiet {
                let m = &report.manifest;
                println!(
                    "built {} articles ({}) into {} ({} bytes pack, {} article pages) in {:.2}s",
                    m.articles,
                    m.language,
                    report.pack_path.display(),
                    m.pack_bytes,
                    report.html_files,
                    report.elapsed.as_secs_f64()
                );
                if let Some(l) = &report.learned {
                    println!(
                        "learned from {} lines: {} question/article pairs for {} articles ({} texts shared by too few journeys, {} pairs cancelled or faded, {} personal tokens dropped)",
                        l.lines, l.pairs_kept, l.articles, l.texts_below_k, l.pairs_cancelled, l.personal_tokens
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn fail(e: &BuildError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

fn check(src: &Path, config: Option<&Path>) -> ExitCode {
    let result =
        deflect_index::load_config(src, config).and_then(|c| deflect_index::check(src, &c));
    match result {
        Ok(report) => {
            print_warnings(&report.warnings);
            println!(
                "ok: {} valid articles, {} warning(s)",
                report.articles.len(),
                report.warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn open_pack(dir: &Path) -> anyhow::Result<SearchIndex> {
    // The hot part and every piece, from disk.
    deflect_index::open_published(dir).map_err(|e| anyhow::anyhow!("{e}"))
}

#[derive(serde::Deserialize)]
struct BatchQuery {
    id: serde_json::Value,
    text: String,
}

fn search_batch(index: &SearchIndex, file: &Path, top: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let queries: Vec<BatchQuery> = deflect_eval::read_jsonl(file).map_err(anyhow::Error::msg)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for q in queries {
        let suggestions = index.suggest(&q.text, top)?;
        let hits: Vec<_> = suggestions
            .hits
            .into_iter()
            .map(|h| serde_json::json!({"id": h.article.id, "score": h.score}))
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({"query_id": q.id, "hits": hits, "good_answer": suggestions.good_answer})
        )?;
    }
    Ok(())
}

fn search(
    dir: &Path,
    query: Option<&str>,
    queries: Option<&Path>,
    top: usize,
    json: bool,
    meaning: Option<&Path>,
) -> anyhow::Result<()> {
    let index = open_pack(dir)?;
    if let Some(file) = meaning {
        meaning::attach(&index, file)?;
    }
    if let Some(file) = queries {
        return search_batch(&index, file, top);
    }
    let query = query.unwrap_or_default();
    let suggestions = index.suggest(query, top)?;
    let hits = suggestions.hits;
    // Results that all miss the query's most specific word: what the report counts as a gap.
    if !hits.is_empty() && !suggestions.good_answer {
        if json {
            eprintln!("{}", serde_json::json!({ "good_answer": false }));
        } else {
            println!("No good answer: no result contains the query's most specific word.");
        }
    }
    // Few or no results: offer the spelling the index knows.
    let suggestion = (hits.len() < 3)
        .then(|| index.did_you_mean(query))
        .flatten();
    if let Some(s) = &suggestion {
        if json {
            eprintln!("{}", serde_json::json!({ "did_you_mean": s }));
        } else {
            println!("Did you mean: {s}?");
        }
    }
    for (rank, hit) in hits.iter().enumerate() {
        if json {
            let line = serde_json::json!({"id": hit.article.id, "score": hit.score, "title": hit.article.title});
            println!("{line}");
        } else {
            println!(
                "{:>2}. {:>7.3}  {}  ({})",
                rank + 1,
                hit.score,
                hit.article.title,
                hit.article.id
            );
        }
    }
    Ok(())
}

/// What `deflect eval` measures beyond the base figures.
struct EvalExtras {
    typos: bool,
    write_typos: Option<PathBuf>,
    typing: bool,
    misses: bool,
    meaning: Option<PathBuf>,
}

fn eval(
    golden: Option<&Path>,
    judged: Option<(&Path, &Path)>,
    dir: &Path,
    extras: EvalExtras,
) -> anyhow::Result<bool> {
    use deflect_eval as golden;
    let set = match (golden, judged) {
        (Some(file), _) => golden::load(file),
        (None, Some((queries, qrels))) => golden::from_jsonl(queries, qrels),
        (None, None) => Err("give a golden file or --queries and --qrels".into()),
    }
    .map_err(anyhow::Error::msg)?;
    let mut index = open_pack(dir)?;
    if let Some(file) = &extras.meaning {
        meaning::attach(&index, file)?;
    }
    let r = golden::evaluate(&index, &set)?;
    println!(
        "{} questions  hit@1 {:.3}  hit@3 {:.3}  hit@5 {:.3}  MRR@10 {:.3}  nDCG@10 {:.3}",
        r.questions, r.hit_at_1, r.hit_at_3, r.hit_at_5, r.mrr, r.ndcg_at_10
    );
    if extras.typos {
        let t = golden::evaluate_typos(&index, &set, &r)?;
        if let Some(path) = &extras.write_typos {
            let lines: String = set
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let text =
                        golden::typo_variant(&q.text, i as u64).unwrap_or_else(|| q.text.clone());
                    format!("{}\n", serde_json::json!({"id": i + 1, "text": text}))
                })
                .collect();
            std::fs::write(path, lines)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
        }
        println!(
            "typos: {} questions answered in the top 5  retention {:.3}  nDCG@10 with typos {:.3}",
            t.eligible, t.retention, t.ndcg_at_10
        );
    }
    learn::report_learned(&mut index, &set, extras.typos)?;
    meaning::report_meaning(&mut index, &set, extras.typos)?;
    if extras.typing {
        println!(
            "typing saved: median share of the question typed {:.3}",
            golden::median_share_typed(&index, &set)?
        );
    }
    for m in r.misses.iter().filter(|_| extras.misses) {
        let rank = m
            .rank
            .map_or("not in top 10".to_string(), |r| format!("rank {r}"));
        println!("miss: {:?} ({rank}); top 3: {}", m.text, m.got.join(", "));
    }
    for f in &r.failed_thresholds {
        eprintln!("threshold missed: {f}");
    }
    Ok(r.failed_thresholds.is_empty())
}

async fn serve(
    dir: Option<PathBuf>,
    host: IpAddr,
    port: u16,
    settings: ServerSettings,
) -> anyhow::Result<()> {
    if let Some(dir) = &dir {
        if !dir.is_dir() {
            anyhow::bail!("{} is not a folder; run the build first", dir.display());
        }
    }
    let config = settings.into_config()?;
    let (listener, addr) = deflect_server::bind(SocketAddr::new(host, port)).await?;
    let server = deflect_server::start(config, dir.clone(), listener).await?;
    // The URL is the one line scripts wait for; keep it on stdout and flushed. It is printed
    // once the database is open and migrated, so the API is ready when it appears.
    match &dir {
        Some(dir) => println!("Deflect is serving {} at http://{addr}/", dir.display()),
        None => println!("Deflect collector listening at http://{addr}/"),
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    deflect_server::shutdown_signal().await;
    server.stop().await
}

async fn report(
    store: StoreArgs,
    from: Option<String>,
    to: Option<String>,
    format: ReportFormat,
    min_journeys: u64,
) -> anyhow::Result<()> {
    let database = store.database()?;
    let range = deflect_server::report::Range::parse(from.as_deref(), to.as_deref())
        .map_err(|(field, message)| anyhow::anyhow!("--{field}: {message}"))?;
    let db = deflect_server::db::Db::open(&database).await?;
    if let ReportFormat::Learn = format {
        let lines = deflect_server::learn_export::export(&db, range, min_journeys).await;
        db.close().await;
        print!("{}", deflect_server::learn_export::to_jsonl(&lines?));
        return Ok(());
    }
    if let ReportFormat::Failing | ReportFormat::FailingJson = format {
        let list = deflect_server::failing_articles::build(&db, range, min_journeys).await;
        db.close().await;
        let list = list?;
        match format {
            ReportFormat::Failing => print!("{}", list.to_table()),
            _ => println!("{}", serde_json::to_string_pretty(&list)?),
        }
        return Ok(());
    }
    let report = deflect_server::report::build(&db, range).await;
    db.close().await;
    let report = report?;
    match format {
        ReportFormat::Table => print!("{}", report.to_table()),
        ReportFormat::Csv => print!("{}", report.to_csv()),
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        ReportFormat::Learn | ReportFormat::Failing | ReportFormat::FailingJson => {
            unreachable!("answered before the report is built")
        }
    }
    Ok(())
}

fn init_logs(serving: bool) {
    // `deflect serve` logs its start, the database, forwarding and warnings by default;
    // DEFLECT_LOG=info,tower_http=info adds one line per request. DEFLECT_LOG_FORMAT=json
    // writes one JSON object per line for log collectors.
    let default = if serving {
        "info,tower_http=warn,sqlx=warn"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DEFLECT_LOG")
        .unwrap_or_else(|_| default.into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if std::env::var("DEFLECT_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(matches!(cli.command, Command::Serve { .. }));
    let result = match cli.command {
        Command::Build {
            src,
            out,
            quiet,
            config,
            learn,
            meaning,
        } => return build(&src, &out, quiet, config, learn, meaning),
        Command::Check { src, config } => return check(&src, config.as_deref()),
        Command::Search {
            dir,
            query,
            queries,
            top,
            json,
            meaning,
        } => search(
            &dir,
            query.as_deref(),
            queries.as_deref(),
            top,
            json,
            meaning.as_deref(),
        ),
        Command::Eval {
            golden,
            index,
            queries,
            qrels,
            typos,
            write_typos,
            typing,
            no_misses,
            meaning,
        } => match eval(
            golden.as_deref(),
            queries.as_deref().zip(qrels.as_deref()),
            &index,
            EvalExtras {
                typos,
                write_typos,
                typing,
                misses: !no_misses,
                meaning,
            },
        ) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        Command::Serve {
            dir,
            host,
            port,
            settings,
        } => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(serve(dir, host, port, settings))),
        Command::Report {
            store,
            from,
            to,
            format,
            min_journeys,
        } => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(report(store, from, to, format, min_journeys))),
        Command::Export { store, person } => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(personal_data(store, person, false))),
        Command::Erase { store, person } => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(personal_data(store, person, true))),
        Command::Forward(command) => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(forward::run(command))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
