//! MRT replay: RIS and RouteViews update and RIB files through bgpkit-parser.
//!
//! Files may be plain, gzip or bzip2; the format is recognised by its first bytes, not by
//! its name. Records are framed and decoded one at a time: a record that does not decode
//! is counted in [`ReplayStats::malformed`] and skipped, and the rest of the file is still
//! read. Time is the records' own (a virtual clock), so a replay raises the same alerts at
//! the same instants as the live feed did.
//!
//! The hot path is one trie lookup per prefix: an update whose prefixes are all outside
//! monitored space is dropped before its AS path is even converted.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use bgpkit_parser::models::{
    Attributes, Bgp4MpEnum, Bgp4MpType, BgpMessage, BgpState, BgpUpdateMessage, MrtMessage,
    MrtRecord, PeerIndexTable, TableDumpV2Message,
};
use bgpkit_parser::{chunk_mrt_record, ParserError};
use parapet_core::Timestamp;

use crate::alert::Alert;
use crate::bgp::{self, as_path, Nlri, NlriSink};
use crate::engine::Engine;
use crate::model::Vantage;
use crate::RoutesError;

/// How many malformed records are logged one by one; the rest are only counted.
const MAX_LOGGED_ERRORS: u64 = 10;

/// What a replay saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplayStats {
    /// MRT records read.
    pub records: u64,
    /// Announced and withdrawn prefixes, and RIB entries.
    pub prefixes: u64,
    /// Records that did not decode (skipped), and a truncated end of file.
    pub malformed: u64,
    /// Records of MRT types that carry no routes (or that Parapet does not read).
    pub ignored: u64,
}

impl ReplayStats {
    fn add(&mut self, o: &ReplayStats) {
        self.records += o.records;
        self.prefixes += o.prefixes;
        self.malformed += o.malformed;
        self.ignored += o.ignored;
    }
}

/// Opens `path`, undoing gzip or bzip2 compression when the first bytes say so.
pub fn open(path: &Path) -> Result<Box<dyn Read>, RoutesError> {
    let read_err = |source| RoutesError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_err)?;
    let mut magic = [0u8; 3];
    let mut n = 0;
    while n < magic.len() {
        match file.read(&mut magic[n..]).map_err(read_err)? {
            0 => break,
            k => n += k,
        }
    }
    let head = std::io::Cursor::new(magic[..n].to_vec());
    let stream = head.chain(file);
    let reader: Box<dyn Read> = match &magic[..n] {
        [0x1f, 0x8b, ..] => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(stream))),
        [b'B', b'Z', b'h'] => Box::new(bzip2::read::MultiBzDecoder::new(BufReader::new(stream))),
        _ => Box::new(stream),
    };
    Ok(Box::new(BufReader::with_capacity(256 * 1024, reader)))
}

/// Records between two calls of the progress callback.
pub const PROGRESS_EVERY: u64 = 1 << 16;

/// A progress callback: called with the running totals.
type Progress<'e> = Box<dyn FnMut(&ReplayStats) + 'e>;

/// A replay over one engine: feed it files (or readers) in order.
pub struct MrtReplay<'e> {
    engine: &'e mut Engine,
    stats: ReplayStats,
    peers: Option<PeerIndexTable>,
    logged: u64,
    alerts: Vec<Alert>,
    progress: Option<Progress<'e>>,
}

impl<'e> MrtReplay<'e> {
    pub fn new(engine: &'e mut Engine) -> Self {
        MrtReplay {
            engine,
            stats: ReplayStats::default(),
            peers: None,
            logged: 0,
            alerts: Vec::new(),
            progress: None,
        }
    }

    /// Calls `f` with the running totals every [`PROGRESS_EVERY`] records (for a progress
    /// line on a terminal).
    pub fn on_progress(&mut self, f: impl FnMut(&ReplayStats) + 'e) {
        self.progress = Some(Box::new(f));
    }

    pub fn stats(&self) -> ReplayStats {
        self.stats
    }

    /// Replays the file at `path`, handing every alert to `on_alert` as it is raised.
    pub fn file(
        &mut self,
        path: &Path,
        on_alert: &mut dyn FnMut(Alert),
    ) -> Result<ReplayStats, RoutesError> {
        let reader = open(path)?;
        self.reader(reader, on_alert)
            .map_err(|source| RoutesError::Mrt {
                path: path.to_owned(),
                source,
            })
    }

    /// Replays an (already decompressed) MRT stream. Returns the counts for this stream;
    /// an I/O error (not a malformed record) ends it.
    pub fn reader(
        &mut self,
        mut reader: impl Read,
        on_alert: &mut dyn FnMut(Alert),
    ) -> Result<ReplayStats, std::io::Error> {
        let before = self.stats;
        // A RIB dump's peer table belongs to its own file.
        self.peers = None;
        loop {
            let raw = match chunk_mrt_record(&mut reader) {
                Ok(raw) => raw,
                Err(e) => match e.error {
                    ParserError::EofExpected => break,
                    ParserError::IoError(io) if io.kind() != std::io::ErrorKind::UnexpectedEof => {
                        return Err(io)
                    }
                    ParserError::IoError(_) | ParserError::EofError(_) => {
                        self.malformed("the file ends inside a record");
                        break;
                    }
                    ParserError::OversizedRecord { length } => {
                        // No record boundary to resume from.
                        self.malformed(&format!("record of {length} bytes is too large"));
                        break;
                    }
                    other => {
                        self.malformed(&other.to_string());
                        continue;
                    }
                },
            };
            self.stats.records += 1;
            if self.stats.records.is_multiple_of(PROGRESS_EVERY) {
                if let Some(f) = self.progress.as_mut() {
                    f(&self.stats);
                }
            }
            match raw.parse() {
                Ok(record) => self.record(record),
                // OSPF, IS-IS and the deprecated types carry no BGP routes.
                Err(ParserError::Unsupported(_)) => self.stats.ignored += 1,
                Err(e) => self.malformed(&e.to_string()),
            }
            for a in self.alerts.drain(..) {
                on_alert(a);
            }
        }
        let mut delta = self.stats;
        delta.records -= before.records;
        delta.prefixes -= before.prefixes;
        delta.malformed -= before.malformed;
        delta.ignored -= before.ignored;
        Ok(delta)
    }

    fn malformed(&mut self, what: &str) {
        self.stats.malformed += 1;
        if self.logged < MAX_LOGGED_ERRORS {
            self.logged += 1;
            tracing::warn!(record = self.stats.records, error = %what, "malformed MRT record skipped");
        }
    }

    fn record(&mut self, record: MrtRecord) {
        let h = record.common_header;
        let micros = h.microsecond_timestamp.unwrap_or(0);
        let time =
            Timestamp::from_unix_millis(i64::from(h.timestamp) * 1000 + i64::from(micros / 1000));
        match record.message {
            MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(m)) => match m.bgp_message {
                // MESSAGE_LOCAL: what the collector's own router sent, not what it heard.
                _ if matches!(
                    m.msg_type,
                    Bgp4MpType::MessageLocal
                        | Bgp4MpType::MessageAs4Local
                        | Bgp4MpType::MessageLocalAddpath
                        | Bgp4MpType::MessageLocalAs4Addpath
                ) =>
                {
                    self.stats.ignored += 1
                }
                BgpMessage::Update(u) => {
                    let vantage = Vantage::collector(m.peer_asn.to_u32(), m.peer_ip);
                    self.update(time, vantage, &u);
                }
                _ => self.stats.ignored += 1,
            },
            MrtMessage::Bgp4Mp(Bgp4MpEnum::StateChange(s)) => {
                if s.old_state == BgpState::Established && s.new_state != BgpState::Established {
                    let vantage = Vantage::collector(s.peer_asn.to_u32(), s.peer_ip);
                    self.engine.peer_down(time, vantage, &mut self.alerts);
                }
            }
            MrtMessage::TableDumpV2Message(TableDumpV2Message::PeerIndexTable(t)) => {
                self.peers = Some(t);
            }
            MrtMessage::TableDumpV2Message(TableDumpV2Message::RibAfi(rib)) => {
                let prefix = rib.prefix.prefix;
                self.stats.prefixes += rib.rib_entries.len() as u64;
                if !self.engine.monitors(&prefix) {
                    return;
                }
                for entry in &rib.rib_entries {
                    let peer = self
                        .peers
                        .as_ref()
                        .and_then(|t| t.id_peer_map.get(&entry.peer_index));
                    let Some(peer) = peer else {
                        self.malformed("RIB entry names a peer missing from the peer table");
                        continue;
                    };
                    let vantage = Vantage::collector(peer.peer_asn.to_u32(), peer.peer_ip);
                    self.announce_one(time, vantage, prefix, entry.path_id, &entry.attributes);
                }
            }
            MrtMessage::TableDumpMessage(t) => {
                self.stats.prefixes += 1;
                self.table_dump(time, &t);
            }
            MrtMessage::TableDumpMessageBatch(batch) => {
                for t in &batch {
                    self.stats.prefixes += 1;
                    self.table_dump(time, t);
                }
            }
            _ => self.stats.ignored += 1,
        }
    }

    fn table_dump(&mut self, time: Timestamp, t: &bgpkit_parser::models::TableDumpMessage) {
        let prefix = t.prefix.prefix;
        if self.engine.monitors(&prefix) {
            let vantage = Vantage::collector(t.peer_asn.to_u32(), t.peer_ip);
            self.announce_one(time, vantage, prefix, None, &t.attributes);
        }
    }

    fn announce_one(
        &mut self,
        time: Timestamp,
        vantage: Vantage,
        prefix: ipnet::IpNet,
        path_id: Option<u32>,
        attributes: &Attributes,
    ) {
        let Some(path) = as_path(attributes) else {
            self.malformed("route without an AS path");
            return;
        };
        let otc = attributes.only_to_customer().map(|a| a.to_u32());
        self.engine.announce_path(
            time,
            vantage,
            prefix,
            path_id,
            &Arc::new(path),
            otc,
            &mut self.alerts,
        );
    }

    fn update(&mut self, time: Timestamp, vantage: Vantage, u: &BgpUpdateMessage) {
        let mut sink = EngineSink {
            engine: &mut *self.engine,
            time,
            vantage,
            alerts: &mut self.alerts,
        };
        match bgp::for_each_nlri(u, &mut sink) {
            Ok(n) => self.stats.prefixes += n,
            Err(bgp::NoAsPath) => self.malformed("announcement without an AS path"),
        }
    }
}

/// An UPDATE's prefixes straight into the engine.
struct EngineSink<'a> {
    engine: &'a mut Engine,
    time: Timestamp,
    vantage: Vantage,
    alerts: &'a mut Vec<Alert>,
}

impl NlriSink for EngineSink<'_> {
    fn monitors(&self, prefix: &ipnet::IpNet) -> bool {
        self.engine.monitors(prefix)
    }

    fn nlri(&mut self, nlri: Nlri<'_>) {
        match nlri {
            Nlri::Withdraw { prefix, path_id } => {
                self.engine
                    .withdraw_path(self.time, self.vantage, prefix, path_id, self.alerts)
            }
            Nlri::Announce {
                prefix,
                path_id,
                path,
                otc,
            } => self.engine.announce_path(
                self.time,
                self.vantage,
                prefix,
                path_id,
                path,
                otc,
                self.alerts,
            ),
        }
    }
}

/// Replays `files` in order into `engine`. A file that cannot be opened is an error before
/// anything is replayed; so is an I/O error while reading one.
pub fn replay_files(
    engine: &mut Engine,
    files: &[std::path::PathBuf],
    on_alert: &mut dyn FnMut(Alert),
    progress: Option<&mut dyn FnMut(&ReplayStats)>,
) -> Result<ReplayStats, RoutesError> {
    for f in files {
        let read_err = |source| RoutesError::Read {
            path: f.clone(),
            source,
        };
        let meta = std::fs::metadata(f).map_err(read_err)?;
        if !meta.is_file() {
            return Err(read_err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        File::open(f).map_err(read_err)?;
    }
    let mut replay = MrtReplay::new(engine);
    if let Some(p) = progress {
        replay.on_progress(p);
    }
    let mut total = ReplayStats::default();
    for f in files {
        let s = replay.file(f, on_alert)?;
        total.add(&s);
    }
    Ok(total)
}
