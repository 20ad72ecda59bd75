//! RIS Live against a local WebSocket server that speaks RIS Live's JSON: subscriptions,
//! updates, a malformed message, a peer going down, a closed stream (reconnect), and a
//! silent one (watchdog).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parapet_core::Timestamp;
use parapet_routes::bmp::MonitoredSpace;
use parapet_routes::rislive::{self, RisFeed, RisInput};
use parapet_routes::{Engine, Report, RouteChange};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

fn routes(url: &str) -> parapet_config::Routes {
    let text = format!(
        "[routes.ris_live]\nurl = \"{url}\"\nwatchdog = \"900ms\"\n\
         [[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\n"
    );
    let c = parapet_config::Config::from_str(&text, Path::new("/etc/parapet/t.toml")).unwrap();
    c.routes.unwrap()
}

const HIJACK: &str = r#"{"type":"ris_message","data":{"timestamp":1700000000.5,"peer":"198.51.100.1","peer_asn":"64496","id":"1","host":"rrc00","type":"UPDATE","path":[64496,64666],"origin":"igp","announcements":[{"next_hop":"198.51.100.1","prefixes":["192.0.2.0/25","203.0.113.0/24"]}],"withdrawals":[]}}"#;
const PEER_DOWN: &str = r#"{"type":"ris_message","data":{"timestamp":1700000001.0,"peer":"198.51.100.1","peer_asn":"64496","id":"2","host":"rrc00","type":"RIS_PEER_STATE","state":"down"}}"#;

#[test]
fn subscriptions_cover_prefixes_with_more_and_less_specifics_and_origins() {
    let subs = rislive::subscriptions(&routes("ws://127.0.0.1:1/v1/ws/"));
    let subs: Vec<serde_json::Value> = subs
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0]["type"], "ris_subscribe");
    assert_eq!(subs[0]["data"]["prefix"], "192.0.2.0/24");
    assert_eq!(subs[0]["data"]["moreSpecific"], true);
    assert_eq!(subs[0]["data"]["lessSpecific"], true);
    assert_eq!(subs[1]["data"]["path"], "64500$");
}

#[test]
fn messages_decode_into_route_events_inside_monitored_space() {
    let r = routes("ws://127.0.0.1:1/");
    let space = MonitoredSpace::new(&r);
    let now = Timestamp::from_unix_secs(1_700_000_000);
    let events = rislive::decode(HIJACK, &space, now).unwrap();
    assert_eq!(events.len(), 1, "203.0.113.0/24 is outside monitored space");
    assert_eq!(events[0].vantage.asn, 64496);
    let RouteChange::Announce { prefix, path, .. } = &events[0].change else {
        panic!("{:?}", events[0])
    };
    assert_eq!(prefix.to_string(), "192.0.2.0/25");
    assert_eq!(path.to_string(), "64496 64666");
    let down = rislive::decode(PEER_DOWN, &space, now).unwrap();
    assert_eq!(down[0].change, RouteChange::PeerDown);
    // A pong, and other RIS Live message types, carry no routes.
    assert!(
        rislive::decode(r#"{"type":"pong","data":null}"#, &space, now)
            .unwrap()
            .is_empty()
    );
    assert!(rislive::decode("not json", &space, now).is_err());
    assert!(rislive::decode(
        r#"{"type":"ris_message","data":{"type":"UPDATE","peer":"x","peer_asn":"1","timestamp":1,"announcements":[{"next_hop":"198.51.100.1","prefixes":["nope"]}]}}"#,
        &space,
        now
    )
    .is_err());
}

/// The client against a server on loopback, the monitor's side driven as `routes watch`
/// drives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_streams_reconnects_and_its_watchdog_fires() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/v1/ws/?client=test", listener.local_addr().unwrap());
    let r = routes(&url);
    let config = r.ris_live.clone().unwrap();
    let space = Arc::new(MonitoredSpace::new(&r));
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let client = tokio::spawn(rislive::run(
        config.clone(),
        rislive::subscriptions(&r),
        Arc::clone(&space),
        tx,
    ));

    let server = tokio::spawn(async move {
        // 1: subscriptions, a hijack, garbage, the peer going down, then the server closes.
        let (s, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(s).await.unwrap();
        let mut subs = Vec::new();
        while subs.len() < 2 {
            if let Some(Ok(Message::Text(t))) = ws.next().await {
                subs.push(t.to_string());
            }
        }
        assert!(subs[0].contains("\"prefix\":\"192.0.2.0/24\""), "{subs:?}");
        ws.send(Message::text(HIJACK)).await.unwrap();
        ws.send(Message::text("{ not json")).await.unwrap();
        ws.send(Message::text(PEER_DOWN)).await.unwrap();
        ws.close(None).await.unwrap();
        drop(ws);
        // 2: the client is back; it pings; then the server says nothing at all.
        let (s, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(s).await.unwrap();
        let mut pinged = false;
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Text(t) = m {
                if t.contains("\"ping\"") {
                    pinged = true;
                    break;
                }
            }
        }
        assert!(pinged, "the client pings");
        // Silent until the client gives up on this connection.
        while let Some(Ok(_)) = ws.next().await {}
        // 3: and it comes back again.
        let (s, _) = listener.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(s).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(ws);
    });

    let mut engine = Engine::new(&r, None, None);
    let mut feed = RisFeed::new(&config);
    let mut kinds: Vec<String> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    let want = [
        "subprefix-hijack",
        "subprefix-hijack-resolved",
        "feed-down",
        "feed-down-resolved",
        "feed-down",
        "feed-down-resolved",
    ];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while kinds.len() < want.len() {
        let input = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("reports so far: {kinds:?} ({reasons:?})"))
            .unwrap();
        if let RisInput::Down { reason } = &input {
            reasons.push(reason.clone());
        }
        let mut out = Vec::new();
        feed.handle(&mut engine, input, Timestamp::now(), &mut out);
        for o in &out {
            if let Report::Feed(f) = o {
                assert_eq!(f.source, "ris-live");
                assert_eq!(f.url.as_deref(), Some(url.as_str()));
            }
        }
        kinds.extend(out.iter().map(|o| o.kind_str().to_owned()));
    }
    assert_eq!(kinds, want);
    assert_eq!(feed.stats().malformed, 1);
    assert_eq!(feed.stats().connects, 3);
    assert!(reasons[0].contains("closed"), "{reasons:?}");
    assert!(reasons[1].contains("watchdog"), "{reasons:?}");
    client.abort();
    server.abort();
}
