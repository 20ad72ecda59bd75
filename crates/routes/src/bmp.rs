//! BMP (RFC 7854) from the operator's own routers: a TCP listener that many routers stream
//! to at once, and the monitoring station's state that turns their messages into route
//! events for the [`Engine`].
//!
//! ```text
//! router ──TCP──> session task: next_frame (bounded) ──> decode (bgpkit-parser) ──┐
//! router ──TCP──> session task: ...                                                 ├─> Input ──> Station ──> Engine
//!                                                                                   ┘   (one task owns both)
//! ```
//!
//! - **Framing** ([`next_frame`]): the 6-byte common header gives the length; a version
//!   other than 3 or a length outside 6..=[`MAX_MESSAGE_BYTES`] is not BMP, and since no
//!   later message boundary can be trusted after it, the session is closed.
//! - **Decoding** ([`decode`]) is bgpkit-parser's (`parse_bmp_msg`); a message that frames
//!   but does not decode is counted and skipped, and the session goes on. Unknown message
//!   types are ignored, as RFC 7854 requires. Route Monitoring is filtered to monitored
//!   space in the session task, so a full-table dump costs one trie lookup per prefix
//!   before anything reaches the engine.
//! - **Vantages**: one per (router, peer, RIB view). Pre-policy, post-policy, Adj-RIB-Out
//!   (RFC 8671) and Loc-RIB (RFC 9069) streams of one peer never overwrite each other's
//!   routes, and count as one peer for `min_vantages`.
//! - **Peer Down** withdraws everything the peer announced, in every view (the engine's
//!   peer-down); **Peer Up** and **Peer Down** also drive the `peer-down` feed-health
//!   alert.
//! - **Session resets**: when a router's BMP session closes, its routes are kept for
//!   `hold_time` (a `feed-down` alert says detection is blind meanwhile). When it
//!   reconnects, every route it had is marked stale; the router's initial dump refreshes
//!   what still exists, and at each view's End-of-RIB (or after `resync_timeout`) whatever
//!   is still stale is withdrawn, so an alert whose route vanished while the session was
//!   down resolves, and one whose route is still there never flaps. Peers that do not come
//!   up again by then are down. A router that does not return within `hold_time` is
//!   forgotten: its events end, and it no longer counts for visibility either way.
//!
//! Routers are told apart by their address: a new session from an address replaces the
//! previous one (it is that router reconnecting).

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bgpkit_parser::models::{Afi, BgpMessage};
use bgpkit_parser::parser::bmp::messages::{
    BmpMessageBody, BmpPeerType, BmpPerPeerHeader, InitiationTlvType, PerPeerFlags,
    TerminationTlvValue,
};
use bytes::{Buf, Bytes, BytesMut};
use ipnet::IpNet;
use parapet_config::{Bmp as BmpConfig, Routes};
use parapet_core::{Severity, Timestamp};
use serde::Serialize;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::alert::{Alert, FeedAlert, FeedKind, Report};
use crate::bgp::{self, Nlri, NlriSink};
use crate::engine::Engine;
use crate::model::{AsPath, Asn, Hop, RouteChange, RouteEvent, Vantage, View};
use crate::trie::PrefixTrie;
use crate::RoutesError;

/// Largest BMP message accepted. A Route Monitoring message is one BGP message (at most
/// 65,535 bytes with RFC 8654 extended messages) behind 48 bytes of headers; a Peer Up is
/// two OPENs and a few TLVs. Anything longer is not BMP from a router.
pub const MAX_MESSAGE_BYTES: u32 = 256 * 1024;
/// The BMP common header: version, length, type.
const COMMON_HEADER_LEN: usize = 6;
/// The largest message type RFC 7854 defines (Route Mirroring); later types are ignored.
const LAST_KNOWN_TYPE: u8 = 6;
/// Malformed messages logged one by one per session; the rest are only counted.
const MAX_LOGGED_ERRORS: u32 = 10;
/// RFC 6793: the 2-octet stand-in for a 4-octet AS in an OPEN.
const AS_TRANS: Asn = 23456;
/// Bytes read from a router's socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// Cuts the next whole BMP message off the front of `buf`: `Ok(None)` until one has fully
/// arrived, an error when the bytes cannot be BMP (the stream cannot be resynchronised
/// after that, so the caller closes the session).
pub fn next_frame(buf: &mut BytesMut) -> Result<Option<Bytes>, RoutesError> {
    if buf.len() < COMMON_HEADER_LEN {
        return Ok(None);
    }
    let version = buf[0];
    if version != 3 {
        return Err(RoutesError::BmpVersion(version));
    }
    let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]);
    if !(COMMON_HEADER_LEN as u32..=MAX_MESSAGE_BYTES).contains(&len) {
        return Err(RoutesError::BmpLength(len));
    }
    let len = len as usize;
    if buf.len() < len {
        buf.reserve(len - buf.len());
        return Ok(None);
    }
    Ok(Some(buf.split_to(len).freeze()))
}

/// The monitored prefixes (and everything more specific), for filtering a router's stream
/// before it reaches the engine. Cheap to share between session tasks.
#[derive(Debug, Default)]
pub struct MonitoredSpace(PrefixTrie<()>);

impl MonitoredSpace {
    pub fn new(config: &Routes) -> Self {
        let mut t = PrefixTrie::new();
        for p in &config.prefixes {
            t.insert(p.prefix, ());
        }
        MonitoredSpace(t)
    }

    pub fn contains(&self, prefix: &IpNet) -> bool {
        self.0.is_covered(prefix)
    }
}

/// One decoded BMP message, in the route model's terms.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Record {
    /// The first message of a session: who the router is.
    Initiation {
        sys_name: Option<String>,
    },
    /// The router is closing the session, and why.
    Termination {
        reason: String,
    },
    PeerUp {
        vantage: Vantage,
        /// The router's own AS on the session (from the OPEN it sent), when it is not
        /// AS_TRANS.
        local_asn: Option<Asn>,
    },
    PeerDown {
        vantage: Vantage,
        reason: String,
    },
    /// Route Monitoring: the changes inside monitored space (possibly none), and how many
    /// prefixes the UPDATE carried in all.
    Routes {
        vantage: Vantage,
        changes: Vec<RouteChange>,
        prefixes: u64,
    },
    /// End-of-RIB for one address family of one view: the initial dump is complete.
    EndOfRib {
        vantage: Vantage,
        ipv6: bool,
    },
    /// Statistics reports, route mirroring, message types after RFC 7854, UPDATEs
    /// replaced by other BGP messages: nothing for the detectors.
    Ignored,
}

/// Decodes one framed message from `router`, keeping the routes inside `space`.
pub fn decode(frame: Bytes, router: IpAddr, space: &MonitoredSpace) -> Result<Record, RoutesError> {
    // RFC 7854 section 4.1: unrecognised message types MUST be ignored. bgpkit-parser
    // refuses them, so they are recognised here first.
    if frame.get(5).is_some_and(|t| *t > LAST_KNOWN_TYPE) {
        return Ok(Record::Ignored);
    }
    let mut data = frame;
    let msg = bgpkit_parser::parse_bmp_msg(&mut data)?;
    let header = msg.per_peer_header;
    let vantage = || header.as_ref().map(|h| vantage_of(h, router));
    Ok(match msg.message_body {
        BmpMessageBody::InitiationMessage(m) => Record::Initiation {
            sys_name: m
                .tlvs
                .into_iter()
                .find(|t| t.info_type == InitiationTlvType::SysName)
                .map(|t| t.info.chars().take(64).collect()),
        },
        BmpMessageBody::TerminationMessage(m) => Record::Termination {
            reason: m
                .tlvs
                .iter()
                .map(|t| match &t.info_value {
                    TerminationTlvValue::String(s) => s.chars().take(128).collect(),
                    TerminationTlvValue::Reason(r) => format!("{r:?}"),
                })
                .collect::<Vec<_>>()
                .join("; "),
        },
        BmpMessageBody::PeerUpNotification(m) => match vantage() {
            Some(vantage) => Record::PeerUp {
                vantage,
                local_asn: match m.sent_open {
                    BgpMessage::Open(o) => Some(o.asn.to_u32()).filter(|a| *a != AS_TRANS),
                    _ => None,
                },
            },
            None => Record::Ignored,
        },
        BmpMessageBody::PeerDownNotification(m) => match vantage() {
            Some(vantage) => Record::PeerDown {
                vantage,
                reason: format!("{:?}", m.reason),
            },
            None => Record::Ignored,
        },
        BmpMessageBody::RouteMonitoring(m) => {
            let (Some(vantage), BgpMessage::Update(u)) = (vantage(), &m.bgp_message) else {
                return Ok(Record::Ignored);
            };
            if u.is_end_of_rib() {
                let ipv6 = u
                    .attributes
                    .get_unreachable_nlri()
                    .is_some_and(|n| n.afi == Afi::Ipv6);
                return Ok(Record::EndOfRib { vantage, ipv6 });
            }
            let mut sink = Changes {
                space,
                changes: Vec::new(),
            };
            let prefixes = bgp::for_each_nlri(u, &mut sink)
                .map_err(|bgp::NoAsPath| RoutesError::BmpNoAsPath)?;
            Record::Routes {
                vantage,
                changes: sink.changes,
                prefixes,
            }
        }
        _ => Record::Ignored,
    })
}

/// The vantage a per-peer header describes, on `router`.
fn vantage_of(h: &BmpPerPeerHeader, router: IpAddr) -> Vantage {
    let view = match (h.peer_type, h.peer_flags) {
        (BmpPeerType::LocalRib, _) | (_, PerPeerFlags::LocalRibPeerFlags(_)) => View::LocRib,
        (_, PerPeerFlags::PeerFlags(f)) => match (f.is_adj_rib_out(), f.is_post_policy()) {
            (false, false) => View::PrePolicy,
            (false, true) => View::PostPolicy,
            (true, false) => View::AdjRibOutPre,
            (true, true) => View::AdjRibOutPost,
        },
    };
    Vantage {
        asn: h.peer_asn.to_u32(),
        // Loc-RIB has no peer: the routes are the router's own choice.
        address: if view == View::LocRib {
            router
        } else {
            h.peer_ip
        },
        router: Some(router),
        view,
    }
}

struct Changes<'a> {
    space: &'a MonitoredSpace,
    changes: Vec<RouteChange>,
}

impl NlriSink for Changes<'_> {
    fn monitors(&self, prefix: &IpNet) -> bool {
        self.space.contains(prefix)
    }

    fn nlri(&mut self, nlri: Nlri<'_>) {
        self.changes.push(match nlri {
            Nlri::Withdraw { prefix, path_id } => RouteChange::Withdraw { prefix, path_id },
            Nlri::Announce {
                prefix,
                path_id,
                path,
                otc,
            } => RouteChange::Announce {
                prefix,
                path_id,
                path: Arc::clone(path),
                otc,
            },
        });
    }
}

// ---------------------------------------------------------------- the station

/// What the session tasks tell the station.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// A router opened a session (`conn` numbers sessions, newest highest).
    Connected { router: IpAddr, conn: u64 },
    Record {
        router: IpAddr,
        conn: u64,
        record: Record,
    },
    /// A message that framed but did not decode: skipped.
    Malformed {
        router: IpAddr,
        conn: u64,
        error: String,
    },
    /// The session ended: closed by the router, by a framing error (`not_bmp`), or by a
    /// read error.
    Closed {
        router: IpAddr,
        conn: u64,
        reason: String,
        not_bmp: bool,
    },
    /// A connection refused before it became a session (address not allowed, too many).
    Refused { address: IpAddr, reason: String },
}

/// The station's timing, from `[routes.bmp]`.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub hold_time: Duration,
    pub resync_timeout: Duration,
    pub silence_timeout: Option<Duration>,
}

impl From<&BmpConfig> for Timing {
    fn from(c: &BmpConfig) -> Self {
        Timing {
            hold_time: c.hold_time,
            resync_timeout: c.resync_timeout,
            silence_timeout: c.silence_timeout,
        }
    }
}

/// Counters an operator graphs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StationStats {
    pub sessions: u64,
    pub messages: u64,
    pub route_changes: u64,
    /// Messages that framed but did not decode (skipped).
    pub malformed: u64,
    /// Sessions closed for bytes that cannot be BMP (a bad version or length).
    pub framing_errors: u64,
    pub refused: u64,
    pub peer_ups: u64,
    pub peer_downs: u64,
    /// Routes withdrawn because a router's resync did not announce them again.
    pub stale_withdrawn: u64,
    /// Messages from a session that a newer one from the same router had replaced.
    pub superseded: u64,
}

#[derive(Debug, Default)]
struct PeerHealth {
    /// The router's own AS on this session.
    local_asn: Option<Asn>,
    /// Seen up (Peer Up, or routes) since the router's session began.
    confirmed: bool,
    /// An open `peer-down` alert: since when.
    down_since: Option<Timestamp>,
}

#[derive(Debug)]
struct RouterState {
    addr: IpAddr,
    conn: Option<u64>,
    name: Option<String>,
    /// Every vantage of this router with state in the engine, and its stale routes while a
    /// resync is under way.
    vantages: HashMap<Vantage, Option<HashSet<(IpNet, u32)>>>,
    peers: HashMap<(Asn, IpAddr), PeerHealth>,
    last_message: Option<Timestamp>,
    /// An open `feed-down` alert: since when.
    feed_down_since: Option<Timestamp>,
    /// Why the last session ended.
    close_reason: Option<String>,
    /// The session closed at this time and has not come back.
    disconnected_at: Option<Timestamp>,
    /// A resync is under way until then.
    resync_until: Option<Timestamp>,
    logged_errors: u32,
}

/// One router's BMP feed, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RouterHealth {
    /// The exporter's address.
    pub router: IpAddr,
    /// Its sysName from the BMP Initiation, when it sent one.
    pub name: Option<String>,
    /// Whether its BMP session is open now.
    pub connected: bool,
    pub last_message: Option<Timestamp>,
    /// An open `feed-down`: since when (closed, or silent past `silence_timeout`).
    pub down_since: Option<Timestamp>,
    /// Whether a resync (after a reconnection) is under way.
    pub resyncing: bool,
    /// Views (peer and RIB) with routes in the engine.
    pub vantages: usize,
    pub peers: Vec<PeerHealthView>,
}

/// One BGP peer of a router, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PeerHealthView {
    pub asn: Asn,
    pub address: IpAddr,
    /// The router's own AS on the session (from the Peer Up).
    pub local_asn: Option<Asn>,
    /// False while a `peer-down` is open.
    pub up: bool,
    pub down_since: Option<Timestamp>,
}

/// The monitoring station: every router's sessions, peers and resync state, feeding one
/// [`Engine`]. Owned by one task, with the engine; the session tasks only decode.
#[derive(Debug)]
pub struct Station {
    timing: Timing,
    routers: HashMap<IpAddr, RouterState>,
    stats: StationStats,
}

impl Station {
    pub fn new(timing: Timing) -> Self {
        Station {
            timing,
            routers: HashMap::new(),
            stats: StationStats::default(),
        }
    }

    pub fn stats(&self) -> StationStats {
        self.stats
    }

    /// Every router's feed health and its peers' sessions, by router address.
    pub fn health(&self) -> Vec<RouterHealth> {
        let mut out: Vec<RouterHealth> = self
            .routers
            .values()
            .map(|r| {
                let mut peers: Vec<PeerHealthView> = r
                    .peers
                    .iter()
                    .map(|((asn, address), p)| PeerHealthView {
                        asn: *asn,
                        address: *address,
                        local_asn: p.local_asn,
                        up: p.down_since.is_none(),
                        down_since: p.down_since,
                    })
                    .collect();
                peers.sort_by_key(|p| (p.asn, p.address));
                RouterHealth {
                    router: r.addr,
                    name: r.name.clone(),
                    connected: r.conn.is_some(),
                    last_message: r.last_message,
                    down_since: r.feed_down_since,
                    resyncing: r.resync_until.is_some(),
                    vantages: r.vantages.len(),
                    peers,
                }
            })
            .collect();
        out.sort_by_key(|r| r.router);
        out
    }

    /// Routers with a session open now.
    pub fn connected_routers(&self) -> usize {
        self.routers.values().filter(|r| r.conn.is_some()).count()
    }

    /// Applies one input at `now`; alerts go to `out`.
    pub fn handle(
        &mut self,
        engine: &mut Engine,
        input: Input,
        now: Timestamp,
        out: &mut Vec<Report>,
    ) {
        let mut alerts = Vec::new();
        match input {
            Input::Connected { router, conn } => self.connected(engine, router, conn, now, out),
            Input::Record {
                router,
                conn,
                record,
            } => {
                if self.heard(router, conn, now, out) {
                    self.stats.messages += 1;
                    self.record(engine, router, record, now, &mut alerts, out);
                }
            }
            Input::Malformed {
                router,
                conn,
                error,
            } => {
                self.stats.malformed += 1;
                if !self.heard(router, conn, now, out) {
                    return;
                }
                if let Some(r) = self.routers.get_mut(&router) {
                    if r.logged_errors < MAX_LOGGED_ERRORS {
                        r.logged_errors += 1;
                        tracing::warn!(%router, %error, "malformed BMP message skipped");
                    }
                }
            }
            Input::Closed {
                router,
                conn,
                reason,
                not_bmp,
            } => {
                if not_bmp {
                    self.stats.framing_errors += 1;
                }
                self.closed(router, conn, reason, now, out);
            }
            Input::Refused { address, reason } => {
                self.stats.refused += 1;
                tracing::warn!(%address, %reason, "BMP connection refused");
            }
        }
        out.extend(alerts.into_iter().map(Report::Route));
    }

    /// Notes that the router's session `conn` said something; false when a newer session
    /// replaced it. A router that was silent past `silence_timeout` is back.
    fn heard(&mut self, router: IpAddr, conn: u64, now: Timestamp, out: &mut Vec<Report>) -> bool {
        let Some(r) = self.current(router, conn) else {
            return false;
        };
        r.last_message = Some(now);
        // While a session is open, an open feed-down can only be a silence.
        if let Some(since) = r.feed_down_since.take() {
            out.push(r.alert(
                FeedKind::FeedDown,
                true,
                None,
                since,
                now,
                "the router is sending BMP messages again".to_owned(),
            ));
        }
        true
    }

    /// The router's state if `conn` is its current session.
    fn current(&mut self, router: IpAddr, conn: u64) -> Option<&mut RouterState> {
        match self.routers.get_mut(&router) {
            Some(r) if r.conn == Some(conn) => Some(r),
            _ => {
                self.stats.superseded += 1;
                None
            }
        }
    }

    fn connected(
        &mut self,
        engine: &Engine,
        router: IpAddr,
        conn: u64,
        now: Timestamp,
        out: &mut Vec<Report>,
    ) {
        self.stats.sessions += 1;
        let r = self
            .routers
            .entry(router)
            .or_insert_with(|| RouterState::new(router));
        if r.conn.is_some_and(|c| c > conn) {
            // An older session that connected late: the newer one stays.
            return;
        }
        r.conn = Some(conn);
        r.disconnected_at = None;
        r.last_message = Some(now);
        r.logged_errors = 0;
        tracing::info!(%router, conn, "BMP session up");
        // What the router had is stale until its initial dump says otherwise.
        if !r.vantages.is_empty() {
            for (v, stale) in r.vantages.iter_mut() {
                *stale = Some(engine.routes_of(v).into_iter().collect());
            }
            r.resync_until = Some(now.saturating_add(self.timing.resync_timeout));
        }
        for p in r.peers.values_mut() {
            p.confirmed = false;
        }
        if let Some(since) = r.feed_down_since.take() {
            out.push(r.alert(
                FeedKind::FeedDown,
                true,
                None,
                since,
                now,
                "the BMP session is up again".to_owned(),
            ));
        }
    }

    fn closed(
        &mut self,
        router: IpAddr,
        conn: u64,
        reason: String,
        now: Timestamp,
        out: &mut Vec<Report>,
    ) {
        let hold = self.timing.hold_time;
        let Some(r) = self.current(router, conn) else {
            return;
        };
        r.conn = None;
        r.disconnected_at = Some(now);
        let reason = r
            .close_reason
            .take()
            .map_or(reason.clone(), |t| format!("{reason} ({t})"));
        tracing::warn!(%router, %reason, "BMP session down");
        if r.feed_down_since.is_none() {
            r.feed_down_since = Some(now);
            let evidence = format!(
                "the BMP session closed: {reason}; its routes are kept for {} unless it returns",
                humantime_secs(hold)
            );
            out.push(r.alert(FeedKind::FeedDown, false, None, now, now, evidence));
        }
    }

    fn record(
        &mut self,
        engine: &mut Engine,
        router: IpAddr,
        record: Record,
        now: Timestamp,
        alerts: &mut Vec<Alert>,
        out: &mut Vec<Report>,
    ) {
        let Some(r) = self.routers.get_mut(&router) else {
            return;
        };
        match record {
            Record::Initiation { sys_name } => {
                if sys_name.is_some() {
                    r.name = sys_name;
                }
            }
            Record::Termination { reason } => r.close_reason = Some(reason),
            Record::PeerUp { vantage, local_asn } => {
                self.stats.peer_ups += 1;
                let p = r.peers.entry(vantage.peer()).or_default();
                p.confirmed = true;
                p.local_asn = local_asn;
                if let Some(since) = p.down_since.take() {
                    out.push(r.alert(
                        FeedKind::PeerDown,
                        true,
                        Some(vantage.peer()),
                        since,
                        now,
                        "the BGP session is up again".to_owned(),
                    ));
                }
            }
            Record::PeerDown { vantage, reason } => {
                self.stats.peer_downs += 1;
                let peer = vantage.peer();
                peer_down(
                    engine,
                    r,
                    peer,
                    now,
                    &format!("BMP Peer Down: {reason}"),
                    alerts,
                    out,
                );
            }
            Record::Routes {
                vantage,
                mut changes,
                ..
            } => {
                let p = r.peers.entry(vantage.peer()).or_default();
                p.confirmed = true;
                if let Some(local) = p.local_asn.filter(|l| *l != vantage.asn) {
                    if matches!(vantage.view, View::PrePolicy | View::PostPolicy) {
                        strip_local_as(&mut changes, local);
                    }
                }
                let stale = r.vantages.entry(vantage).or_default();
                self.stats.route_changes += changes.len() as u64;
                for change in changes {
                    if let Some(stale) = stale.as_mut() {
                        match &change {
                            RouteChange::Announce {
                                prefix, path_id, ..
                            }
                            | RouteChange::Withdraw { prefix, path_id } => {
                                stale.remove(&(prefix.trunc(), path_id.unwrap_or(0)));
                            }
                            RouteChange::PeerDown => {}
                        }
                    }
                    engine.apply(
                        &RouteEvent {
                            time: now,
                            vantage,
                            change,
                        },
                        alerts,
                    );
                }
            }
            Record::EndOfRib { vantage, ipv6 } => {
                if let Some(slot) = r.vantages.get_mut(&vantage) {
                    if let Some(stale) = slot.as_mut() {
                        let gone: Vec<(IpNet, u32)> = stale
                            .iter()
                            .filter(|(p, _)| p.addr().is_ipv6() == ipv6)
                            .copied()
                            .collect();
                        for (prefix, id) in &gone {
                            stale.remove(&(*prefix, *id));
                            engine.withdraw_path(now, vantage, *prefix, Some(*id), alerts);
                        }
                        self.stats.stale_withdrawn += gone.len() as u64;
                        if stale.is_empty() {
                            *slot = None;
                        }
                    }
                }
            }
            Record::Ignored => {}
        }
    }

    /// Deadlines: forgets routers gone longer than `hold_time`, ends resyncs that found no
    /// End-of-RIB in `resync_timeout`, and raises `feed-down` for routers silent longer
    /// than `silence_timeout`. Call it every second or so.
    pub fn tick(&mut self, engine: &mut Engine, now: Timestamp, out: &mut Vec<Report>) {
        let mut alerts = Vec::new();
        let mut routers: Vec<IpAddr> = self.routers.keys().copied().collect();
        routers.sort_unstable();
        for router in routers {
            let Some(r) = self.routers.get_mut(&router) else {
                continue;
            };
            if r.disconnected_at
                .is_some_and(|t| now >= t.saturating_add(self.timing.hold_time))
            {
                r.disconnected_at = None;
                r.resync_until = None;
                let mut vantages: Vec<Vantage> = r.vantages.drain().map(|(v, _)| v).collect();
                vantages.sort_unstable();
                tracing::warn!(%router, vantages = vantages.len(), "BMP router did not return: its routes are forgotten");
                for v in vantages {
                    engine.forget(now, &v, &mut alerts);
                }
            }
            if r.resync_until.is_some_and(|t| now >= t) {
                r.resync_until = None;
                let mut swept = 0u64;
                let mut vantages: Vec<Vantage> = r.vantages.keys().copied().collect();
                vantages.sort_unstable();
                for v in vantages {
                    let Some(stale) = r.vantages.get_mut(&v).and_then(Option::take) else {
                        continue;
                    };
                    let mut stale: Vec<(IpNet, u32)> = stale.into_iter().collect();
                    stale.sort_unstable();
                    swept += stale.len() as u64;
                    for (prefix, id) in stale {
                        engine.withdraw_path(now, v, prefix, Some(id), &mut alerts);
                    }
                }
                self.stats.stale_withdrawn += swept;
                let mut missing: Vec<(Asn, IpAddr)> = r
                    .peers
                    .iter()
                    .filter(|(_, p)| !p.confirmed && p.down_since.is_none())
                    .map(|(k, _)| *k)
                    .collect();
                missing.sort_unstable();
                for peer in missing {
                    peer_down(
                        engine,
                        r,
                        peer,
                        now,
                        "the peer did not come up again after the BMP session was re-established",
                        &mut alerts,
                        out,
                    );
                }
            }
            if let (Some(limit), Some(_), Some(last)) =
                (self.timing.silence_timeout, r.conn, r.last_message)
            {
                if r.feed_down_since.is_none() && now >= last.saturating_add(limit) {
                    r.feed_down_since = Some(now);
                    out.push(r.alert(
                        FeedKind::FeedDown,
                        false,
                        None,
                        last,
                        now,
                        format!(
                            "no BMP message for {} (silence_timeout)",
                            humantime_secs(limit)
                        ),
                    ));
                }
            }
        }
        out.extend(alerts.into_iter().map(Report::Route));
    }
}

/// `peer` of `router` is down: its routes are withdrawn in every view, and a `peer-down`
/// alert opens unless one is open.
#[allow(clippy::too_many_arguments)]
fn peer_down(
    engine: &mut Engine,
    r: &mut RouterState,
    peer: (Asn, IpAddr),
    now: Timestamp,
    why: &str,
    alerts: &mut Vec<Alert>,
    out: &mut Vec<Report>,
) {
    let mut views: Vec<Vantage> = r
        .vantages
        .keys()
        .filter(|v| v.peer() == peer)
        .copied()
        .collect();
    views.sort_unstable();
    for v in views {
        r.vantages.remove(&v);
        engine.peer_down(now, v, alerts);
    }
    // A peer never seen up (FRR reports the failed attempts of a peer still connecting) is
    // not an outage.
    let Some(p) = r.peers.get_mut(&peer) else {
        return;
    };
    p.confirmed = false;
    if p.down_since.is_none() {
        p.down_since = Some(now);
        out.push(r.alert(
            FeedKind::PeerDown,
            false,
            Some(peer),
            now,
            now,
            why.to_owned(),
        ));
    }
}

/// Drops the router's own AS from the front of eBGP Adj-RIB-In paths. No router accepts
/// such a route from an eBGP peer (it is a loop), so a leading local AS can only be the
/// exporter's doing: FRR 8.4 puts it in front of post-policy paths. Left in, the router
/// would read as the origin's upstream.
fn strip_local_as(changes: &mut [RouteChange], local: Asn) {
    let mut last: Option<(Arc<AsPath>, Arc<AsPath>)> = None;
    for c in changes {
        let RouteChange::Announce { path, .. } = c else {
            continue;
        };
        if path.hops().first() != Some(&Hop::Asn(local)) {
            continue;
        }
        // One UPDATE's prefixes share one path: rebuild it once.
        let fixed = match &last {
            Some((from, to)) if Arc::ptr_eq(from, path) => Arc::clone(to),
            _ => {
                let to = Arc::new(AsPath::from_hops(path.hops()[1..].to_vec()));
                last = Some((Arc::clone(path), Arc::clone(&to)));
                to
            }
        };
        *path = fixed;
    }
}

impl RouterState {
    fn new(addr: IpAddr) -> Self {
        RouterState {
            addr,
            conn: None,
            name: None,
            vantages: HashMap::new(),
            peers: HashMap::new(),
            last_message: None,
            feed_down_since: None,
            close_reason: None,
            disconnected_at: None,
            resync_until: None,
            logged_errors: 0,
        }
    }

    /// A feed-health alert about this router (or, with `peer`, one of its peers): an outage
    /// that began at `first_seen`, or (`resolved`) its end.
    fn alert(
        &self,
        kind: FeedKind,
        resolved: bool,
        peer: Option<(Asn, IpAddr)>,
        first_seen: Timestamp,
        time: Timestamp,
        evidence: impl Into<String>,
    ) -> Report {
        Report::Feed(FeedAlert {
            kind_str: if resolved {
                kind.resolved_str()
            } else {
                kind.as_str()
            },
            kind,
            resolved,
            source: "bmp",
            router: Some(self.addr),
            url: None,
            router_name: self.name.clone(),
            peer_asn: peer.map(|p| p.0),
            peer_address: peer.map(|p| p.1),
            first_seen,
            time,
            severity: match kind {
                FeedKind::FeedDown => Severity::High,
                FeedKind::PeerDown => Severity::Medium,
            },
            evidence: evidence.into(),
        })
    }
}

fn humantime_secs(d: Duration) -> String {
    format!("{}s", d.as_secs())
}

// ---------------------------------------------------------------- the listener

/// Who may connect, and how many at once.
#[derive(Debug, Clone)]
pub struct ListenOptions {
    /// Networks routers may connect from; empty: any.
    pub routers: Vec<IpNet>,
    pub max_routers: usize,
}

impl From<&BmpConfig> for ListenOptions {
    fn from(c: &BmpConfig) -> Self {
        ListenOptions {
            routers: c.routers.clone(),
            max_routers: c.max_routers,
        }
    }
}

/// Binds the BMP listener (an error names the address).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, RoutesError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| RoutesError::Bind { addr, source })
}

/// Accepts routers until the task is dropped or `tx` closes: one task per session, which
/// frames and decodes its router's messages and sends them to the station as [`Input`]s.
/// A full channel slows the sessions down (TCP back-pressure on the routers) rather than
/// losing messages.
pub async fn serve(
    listener: TcpListener,
    options: ListenOptions,
    space: Arc<MonitoredSpace>,
    tx: mpsc::Sender<Input>,
) {
    let open = Arc::new(AtomicUsize::new(0));
    let mut conn: u64 = 0;
    loop {
        let (stream, remote) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // Out of descriptors and the like: wait, do not spin.
                tracing::error!(error = %e, "BMP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let router = remote.ip().to_canonical();
        let refuse = if !options.routers.is_empty()
            && !options.routers.iter().any(|n| n.contains(&router))
        {
            Some("address not in routes.bmp.routers".to_owned())
        } else if open.load(Ordering::Relaxed) >= options.max_routers {
            Some(format!(
                "already {} sessions (routes.bmp.max_routers)",
                options.max_routers
            ))
        } else {
            None
        };
        if let Some(reason) = refuse {
            drop(stream);
            if tx
                .send(Input::Refused {
                    address: router,
                    reason,
                })
                .await
                .is_err()
            {
                return;
            }
            continue;
        }
        conn += 1;
        if tx.send(Input::Connected { router, conn }).await.is_err() {
            return;
        }
        let _ = stream.set_nodelay(true);
        open.fetch_add(1, Ordering::Relaxed);
        let open = Arc::clone(&open);
        let space = Arc::clone(&space);
        let tx = tx.clone();
        tokio::spawn(async move {
            let (reason, not_bmp) = session(stream, router, conn, &space, &tx).await;
            open.fetch_sub(1, Ordering::Relaxed);
            let _ = tx
                .send(Input::Closed {
                    router,
                    conn,
                    reason,
                    not_bmp,
                })
                .await;
        });
    }
}

/// Reads one router's session until it ends; returns why it ended, and whether that was
/// bytes that cannot be BMP.
async fn session(
    mut stream: TcpStream,
    router: IpAddr,
    conn: u64,
    space: &MonitoredSpace,
    tx: &mpsc::Sender<Input>,
) -> (String, bool) {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    loop {
        match next_frame(&mut buf) {
            Ok(Some(frame)) => {
                let input = match decode(frame, router, space) {
                    Ok(record) => Input::Record {
                        router,
                        conn,
                        record,
                    },
                    Err(e) => Input::Malformed {
                        router,
                        conn,
                        error: e.to_string(),
                    },
                };
                if tx.send(input).await.is_err() {
                    return ("the station stopped".to_owned(), false);
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(%router, error = %e, "not BMP: session closed");
                return (format!("closed by Parapet: {e}"), true);
            }
        }
        if buf.capacity() - buf.len() < READ_CHUNK / 4 {
            buf.reserve(READ_CHUNK);
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) if buf.is_empty() => return ("closed by the router".to_owned(), false),
            Ok(0) => {
                let why = format!(
                    "closed by the router in the middle of a message ({} bytes)",
                    buf.remaining()
                );
                return (why, false);
            }
            Ok(_) => {}
            Err(e) => return (format!("read error: {e}"), false),
        }
    }
}
