//! RIS Live: RIPE NCC's public collectors' BGP messages as a WebSocket stream of JSON.
//!
//! The client subscribes to every monitored prefix with its more- and less-specifics, and to
//! every path that ends in a monitored origin (so that the origin's announcements of space
//! that is not configured, and leaks of its routes, are seen too). Messages are decoded by
//! bgpkit-parser (`parse_ris_live_message_iter`); each collector peer is a vantage. A
//! `RIS_PEER_STATE` other than `connected` is that peer's session going down.
//!
//! The stream is watched: a ping goes out every third of the watchdog, and a stream that
//! delivers nothing (not even the pong) for the whole watchdog is dead. A dead or broken
//! stream is reconnected with a growing pause (1 s, doubling, at most a minute) and
//! resubscribed; [`RisFeed`] raises `feed-down` while it is down and `feed-down-resolved`
//! when it is back. RIS Live does not replay what was missed, so routes learnt before the
//! outage are kept as they were.

use std::sync::Arc;
use std::time::Duration;

use bgpkit_parser::models::ElemType;
use bgpkit_parser::parser::rislive::messages::client::Ping;
use bgpkit_parser::{RisLiveClientMessage, RisSubscribe};
use futures_util::{SinkExt, StreamExt};
use parapet_config::{RisLive as RisLiveConfig, Routes};
use parapet_core::{Severity, Timestamp};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::alert::{FeedAlert, FeedKind, Report};
use crate::bgp;
use crate::bmp::MonitoredSpace;
use crate::engine::Engine;
use crate::model::{RouteChange, RouteEvent, Vantage};
use crate::RoutesError;

/// Largest WebSocket message accepted: one RIS Live message is one BGP UPDATE in JSON.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;
const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// Malformed messages logged one by one; the rest are only counted.
const MAX_LOGGED_ERRORS: u64 = 10;

/// The subscription messages for `routes`: one per monitored prefix (with more- and
/// less-specifics), one per allowed origin (paths ending in it).
pub fn subscriptions(routes: &Routes) -> Vec<String> {
    let mut subs: Vec<String> = routes
        .prefixes
        .iter()
        .map(|p| {
            RisSubscribe::new()
                .prefix(p.prefix)
                .more_specific(true)
                .less_specific(true)
                .to_json_string()
        })
        .collect();
    let mut origins: Vec<u32> = routes
        .prefixes
        .iter()
        .flat_map(|p| p.origins.iter().copied())
        .collect();
    origins.sort_unstable();
    origins.dedup();
    subs.extend(
        origins
            .into_iter()
            .map(|o| RisSubscribe::new().path(&format!("{o}$")).to_json_string()),
    );
    subs
}

/// The route events in one RIS Live message, inside `space`, at `now` (receive time).
pub fn decode(
    text: &str,
    space: &MonitoredSpace,
    now: Timestamp,
) -> Result<Vec<RouteEvent>, RoutesError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(RoutesError::RisLiveJson)?;
    let data = &v["data"];
    if v["type"] == "ris_message" && data["type"] == "RIS_PEER_STATE" {
        // bgpkit-parser reads no peer state; the two fields are simple.
        let peer = data["peer"].as_str().and_then(|p| p.parse().ok());
        let asn = match &data["peer_asn"] {
            serde_json::Value::String(s) => s.parse().ok(),
            n => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        };
        return Ok(match (peer, asn, data["state"].as_str()) {
            (Some(address), Some(asn), Some(state)) if state != "connected" => vec![RouteEvent {
                time: now,
                vantage: Vantage::collector(asn, address),
                change: RouteChange::PeerDown,
            }],
            _ => Vec::new(),
        });
    }
    let mut out = Vec::new();
    let mut last: Option<(bgpkit_parser::models::AsPath, Arc<crate::model::AsPath>)> = None;
    for elem in bgpkit_parser::parse_ris_live_message_iter(text)? {
        let prefix = elem.prefix.prefix;
        if !space.contains(&prefix) {
            continue;
        }
        let vantage = Vantage::collector(elem.peer_asn.to_u32(), elem.peer_ip);
        let change = match elem.elem_type {
            ElemType::WITHDRAW => RouteChange::Withdraw {
                prefix,
                path_id: None,
            },
            ElemType::ANNOUNCE => {
                let Some(p) = elem.as_path else {
                    return Err(RoutesError::RisLiveNoAsPath);
                };
                // One message's prefixes share its path: convert it once.
                let path = match &last {
                    Some((from, to)) if *from == p => Arc::clone(to),
                    _ => {
                        let to = Arc::new(bgp::from_bgpkit(&p));
                        last = Some((p, Arc::clone(&to)));
                        to
                    }
                };
                RouteChange::Announce {
                    prefix,
                    path_id: None,
                    path,
                    otc: elem.only_to_customer.map(|a| a.to_u32()),
                }
            }
        };
        out.push(RouteEvent {
            time: now,
            vantage,
            change,
        });
    }
    Ok(out)
}

/// What the client task tells the monitor.
#[derive(Debug)]
#[non_exhaustive]
pub enum RisInput {
    /// Connected and subscribed.
    Up,
    /// The stream broke, or went silent past the watchdog (the client reconnects).
    Down {
        reason: String,
    },
    Events(Vec<RouteEvent>),
    /// A message that did not decode: skipped.
    Malformed {
        error: String,
    },
}

/// Runs the client until `tx` closes: connect, subscribe, stream; reconnect after a pause
/// when the stream breaks or the watchdog fires.
pub async fn run(
    config: RisLiveConfig,
    subscriptions: Vec<String>,
    space: Arc<MonitoredSpace>,
    tx: mpsc::Sender<RisInput>,
) {
    let mut pause = BACKOFF_MIN;
    loop {
        let started = tokio::time::Instant::now();
        let reason = session(&config, &subscriptions, &space, &tx).await;
        if tx.is_closed() {
            return;
        }
        tracing::warn!(url = %config.url, %reason, "RIS Live stream down; reconnecting");
        if tx.send(RisInput::Down { reason }).await.is_err() {
            return;
        }
        // A stream that lasted a while earns a quick retry.
        if started.elapsed() > BACKOFF_MAX {
            pause = BACKOFF_MIN;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(BACKOFF_MAX);
    }
}

/// One connection; returns why it ended.
async fn session(
    config: &RisLiveConfig,
    subscriptions: &[String],
    space: &MonitoredSpace,
    tx: &mpsc::Sender<RisInput>,
) -> String {
    let connect = tokio::time::timeout(config.watchdog, connect(&config.url));
    let ws = match connect.await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => return format!("cannot connect: {e}"),
        Err(_) => return format!("cannot connect within {:?}", config.watchdog),
    };
    let (mut sink, mut stream) = ws.split();
    for s in subscriptions {
        if let Err(e) = sink.send(Message::text(s.as_str())).await {
            return format!("cannot subscribe: {e}");
        }
    }
    tracing::info!(url = %config.url, subscriptions = subscriptions.len(), "RIS Live stream up");
    if tx.send(RisInput::Up).await.is_err() {
        return "the monitor stopped".to_owned();
    }
    // RIS Live's application-level ping, answered with a pong.
    let ping = Ping {}.to_json_string();
    let mut pings = tokio::time::interval(config.watchdog / 3);
    pings.tick().await;
    let mut deadline = tokio::time::Instant::now() + config.watchdog;
    loop {
        tokio::select! {
            got = tokio::time::timeout_at(deadline, stream.next()) => {
                let msg = match got {
                    Err(_) => return format!("nothing received for {:?} (watchdog)", config.watchdog),
                    Ok(None) => return "closed by the server".to_owned(),
                    Ok(Some(Err(e))) => return format!("read error: {e}"),
                    Ok(Some(Ok(m))) => m,
                };
                deadline = tokio::time::Instant::now() + config.watchdog;
                let input = match msg {
                    Message::Text(t) => match decode(t.as_str(), space, Timestamp::now()) {
                        Ok(events) if events.is_empty() => continue,
                        Ok(events) => RisInput::Events(events),
                        Err(e) => RisInput::Malformed { error: e.to_string() },
                    },
                    Message::Close(_) => return "closed by the server".to_owned(),
                    // Pings are answered by the WebSocket layer; binary frames are not RIS Live.
                    _ => continue,
                };
                if tx.send(input).await.is_err() {
                    return "the monitor stopped".to_owned();
                }
            }
            _ = pings.tick() => {
                if let Err(e) = sink.send(Message::text(ping.as_str())).await {
                    return format!("cannot send a ping: {e}");
                }
            }
        }
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn connect(
    url: &str,
) -> Result<tokio_tungstenite::WebSocketStream<Box<dyn Io>>, Box<dyn std::error::Error + Send + Sync>>
{
    let (tls, rest) = match (url.strip_prefix("wss://"), url.strip_prefix("ws://")) {
        (Some(r), _) => (true, r),
        (None, Some(r)) => (false, r),
        _ => return Err("not a ws:// or wss:// URL".into()),
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => match p.parse::<u16>() {
            Ok(p) => (h, p),
            Err(_) => (authority, if tls { 443 } else { 80 }),
        },
        _ => (authority, if tls { 443 } else { 80 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let tcp = TcpStream::connect((host, port)).await?;
    let _ = tcp.set_nodelay(true);
    let io: Box<dyn Io> = if tls {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls_config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(tls_config))
            .connect(name, tcp)
            .await?;
        Box::new(stream)
    } else {
        Box::new(tcp)
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, io, Some(config)).await?;
    Ok(ws)
}

/// Counters an operator graphs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RisStats {
    pub connects: u64,
    pub events: u64,
    pub malformed: u64,
}

/// The RIS Live stream's health, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RisHealth {
    pub url: String,
    /// Connected and subscribed (no `feed-down` open).
    pub up: bool,
    pub down_since: Option<Timestamp>,
    pub connects: u64,
    pub events: u64,
    pub malformed: u64,
}

/// The monitor's side of the RIS Live feed: applies its events and keeps its health.
#[derive(Debug)]
pub struct RisFeed {
    url: String,
    down_since: Option<Timestamp>,
    stats: RisStats,
}

impl RisFeed {
    pub fn new(config: &RisLiveConfig) -> Self {
        RisFeed {
            url: config.url.clone(),
            down_since: None,
            stats: RisStats::default(),
        }
    }

    pub fn stats(&self) -> RisStats {
        self.stats
    }

    /// The stream's health, as the admin API shows it.
    pub fn health(&self) -> RisHealth {
        RisHealth {
            url: self.url.clone(),
            up: self.stats.connects > 0 && self.down_since.is_none(),
            down_since: self.down_since,
            connects: self.stats.connects,
            events: self.stats.events,
            malformed: self.stats.malformed,
        }
    }

    pub fn handle(
        &mut self,
        engine: &mut Engine,
        input: RisInput,
        now: Timestamp,
        out: &mut Vec<Report>,
    ) {
        match input {
            RisInput::Up => {
                self.stats.connects += 1;
                if let Some(since) = self.down_since.take() {
                    out.push(self.alert(true, since, now, "the stream is up again".to_owned()));
                }
            }
            RisInput::Down { reason } => {
                if self.down_since.is_none() {
                    self.down_since = Some(now);
                    out.push(self.alert(
                        false,
                        now,
                        now,
                        format!("the RIS Live stream is down: {reason}"),
                    ));
                }
            }
            RisInput::Events(events) => {
                let mut alerts = Vec::new();
                self.stats.events += events.len() as u64;
                for e in &events {
                    engine.apply(e, &mut alerts);
                }
                out.extend(alerts.into_iter().map(Report::Route));
            }
            RisInput::Malformed { error } => {
                self.stats.malformed += 1;
                if self.stats.malformed <= MAX_LOGGED_ERRORS {
                    tracing::warn!(%error, "malformed RIS Live message skipped");
                }
            }
        }
    }

    fn alert(
        &self,
        resolved: bool,
        first_seen: Timestamp,
        time: Timestamp,
        evidence: String,
    ) -> Report {
        Report::Feed(FeedAlert {
            kind_str: if resolved {
                FeedKind::FeedDown.resolved_str()
            } else {
                FeedKind::FeedDown.as_str()
            },
            kind: FeedKind::FeedDown,
            resolved,
            source: "ris-live",
            router: None,
            url: Some(self.url.clone()),
            router_name: None,
            peer_asn: None,
            peer_address: None,
            first_seen,
            time,
            severity: Severity::High,
            evidence,
        })
    }
}
