//! The alert pipeline from the config's `[alerts]` table: one channel per entry, with its
//! severity filter, throttle and digest.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use parapet_alerts::{
    Channel, ChannelOptions, EmailChannel, PagerDutyChannel, Pipeline, SlackChannel,
    WebhookChannel, PAGERDUTY_EVENTS_URL,
};
use parapet_config::{AlertChannelKind, Alerts};

/// How often due throttle summaries and digests are sent.
const TICK: Duration = Duration::from_secs(5);

/// The pipeline for `alerts`; fails on a channel that cannot be set up (a CA file that does
/// not read, an address that does not parse), naming it.
pub fn pipeline(alerts: &Alerts) -> anyhow::Result<Pipeline> {
    let mut builder = Pipeline::builder().dedup_window(alerts.dedup_window);
    for c in &alerts.channels {
        let channel: Arc<dyn Channel> = match &c.kind {
            AlertChannelKind::Webhook { url, secret } => Arc::new(
                WebhookChannel::builder(&c.name, url, secret.expose())
                    .timeout(c.timeout)
                    .build()?,
            ),
            AlertChannelKind::Slack { url } => Arc::new(SlackChannel::with_options(
                &c.name,
                url.expose(),
                c.timeout,
                None,
            )?),
            AlertChannelKind::PagerDuty {
                routing_key,
                source,
            } => Arc::new(PagerDutyChannel::with_options(
                &c.name,
                routing_key.expose(),
                source.clone().unwrap_or_else(|| "parapet".to_owned()),
                PAGERDUTY_EVENTS_URL,
                c.timeout,
                None,
            )?),
            AlertChannelKind::Email {
                server,
                port,
                from,
                to,
                credentials,
                ca,
            } => {
                let mut b = EmailChannel::builder(&c.name, server, from, to)
                    .port(*port)
                    .timeout(c.timeout);
                if let Some((user, password)) = credentials {
                    b = b.credentials(user, password.expose());
                }
                if let Some(ca) = ca {
                    let pem = std::fs::read(ca)
                        .with_context(|| format!("alert channel `{}`: {}", c.name, ca.display()))?;
                    b = b.ca_pem(pem);
                }
                Arc::new(b.build()?)
            }
            other => anyhow::bail!("alert channel `{}`: unsupported kind {other:?}", c.name),
        };
        let mut options = ChannelOptions::default()
            .min_severity(c.min_severity)
            .throttle(c.max_per_window, c.throttle_window);
        if let Some((max, period)) = c.digest {
            options = options.digest(max, period);
        }
        builder = builder.channel(channel, options);
    }
    Ok(builder.build())
}

/// Sends due summaries and digests until `shutdown`.
pub async fn tick(pipeline: Arc<Pipeline>, shutdown: tokio_util::sync::CancellationToken) {
    let mut every = tokio::time::interval(TICK);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => {
                pipeline.tick().await;
            }
        }
    }
}
