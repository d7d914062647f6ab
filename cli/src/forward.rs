//! `deflect forward …`: the operator's view of case forwarding. `test` sends a sample case
//! through the configured destination and prints what the helpdesk answered; `list` shows
//! the cases not delivered yet with their state (retrying, parked with the helpdesk's
//! reason); `retry-parked` puts parked cases back in the queue once the settings are fixed.

use clap::Subcommand;
use deflect_server::forward::{self, Failure, Forwarder};

use super::{ServerSettings, StoreArgs};

/// The `forward` subcommands.
#[derive(Subcommand, Debug)]
pub enum ForwardCommand {
    /// Send a sample case through the configured destination (`[forward] kind`, or the
    /// webhook) and print what the helpdesk answered. Nothing is stored.
    Test {
        #[command(flatten)]
        settings: ServerSettings,
    },
    /// List the cases not delivered yet: pending, retrying (with the last error) or parked
    /// (with the helpdesk's reason).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Queue every parked case again (after fixing the credentials or fields the helpdesk
    /// refused); a running collector picks them up at its next poll.
    RetryParked {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Runs one `forward` subcommand.
pub async fn run(command: ForwardCommand) -> anyhow::Result<()> {
    match command {
        ForwardCommand::Test { settings } => test(settings).await,
        ForwardCommand::List { store } => {
            let db = deflect_server::db::Db::open(&store.database()?).await?;
            let rows = db.undelivered_cases(1000).await;
            db.close().await;
            let rows = rows?;
            if rows.is_empty() {
                println!("every case is delivered");
            }
            for (id, state) in rows {
                println!("{}  {id}  {}", forward::reference(&id), state.summary());
            }
            Ok(())
        }
        ForwardCommand::RetryParked { store } => {
            let db = deflect_server::db::Db::open(&store.database()?).await?;
            let n = db.unpark_all(deflect_server::db::now_ms()).await;
            db.close().await;
            println!("{} parked case(s) queued again", n?);
            Ok(())
        }
    }
}

async fn test(settings: ServerSettings) -> anyhow::Result<()> {
    let config = settings.into_config()?;
    config.validate()?;
    let forwarder = Forwarder::from_config(&config)?.ok_or_else(|| {
        anyhow::anyhow!(
            "forward: nothing configured; set [forward] kind (webhook, email, zendesk, freshdesk, helpscout, rt) or [webhook] url"
        )
    })?;
    let case = forward::sample_case();
    println!(
        "sending sample case {} through {}",
        case.reference(),
        forwarder.kind().as_str()
    );
    match forwarder.send(&case, false).await {
        Ok(delivered) => {
            println!("{}", delivered.answer);
            if let Some(id) = delivered.remote_id {
                println!("helpdesk id: {id}");
            }
            Ok(())
        }
        Err(Failure::Park(m)) => anyhow::bail!(
            "{m}\nthe helpdesk refused the case for good: a real case would be parked (fix the settings)"
        ),
        Err(Failure::Retry(m)) => anyhow::bail!(
            "{m}\nthe helpdesk could not be reached or is busy: a real case would be retried with backoff"
        ),
    }
}
