//! BMP bytes come from routers over TCP. Any byte string, framed and decoded as a router's
//! stream, then applied by the monitoring station, must never panic, must end, and must
//! either frame each message or stop at bytes that cannot be BMP.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use parapet_config::{Config, Routes};
use parapet_core::Timestamp;
use parapet_routes::bmp::{self, Input, MonitoredSpace, Station, Timing};
use parapet_routes::Engine;

fn routes() -> &'static Routes {
    static ROUTES: OnceLock<Routes> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let text = "[routes]\n[[routes.prefixes]]\nprefix = \"0.0.0.0/0\"\norigins = [64500]\n\
                    [[routes.prefixes]]\nprefix = \"::/0\"\norigins = [64500]\n";
        let config = Config::from_str(text, Path::new("fuzz.toml")).expect("a fixed, valid config");
        config.routes.expect("the config has [routes]")
    })
}

fuzz_target!(|data: &[u8]| {
    // Monitor everything, so that every decoded route reaches the detectors.
    let space = MonitoredSpace::new(routes());
    let mut engine = Engine::new(routes(), None, None);
    let mut station = Station::new(Timing {
        hold_time: Duration::from_secs(1),
        resync_timeout: Duration::from_secs(1),
        silence_timeout: Some(Duration::from_secs(1)),
    });
    let router = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut out = Vec::new();
    let now = Timestamp::from_unix_secs(1_700_000_000);
    station.handle(&mut engine, Input::Connected { router, conn: 1 }, now, &mut out);
    // Delivered in two reads, as TCP may cut it anywhere.
    let (a, b) = data.split_at(data.len() / 2);
    let mut buf = BytesMut::new();
    let mut frames = 0usize;
    'stream: for chunk in [a, b] {
        buf.extend_from_slice(chunk);
        loop {
            match bmp::next_frame(&mut buf) {
                Ok(Some(frame)) => {
                    assert!(frame.len() >= 6 && frame.len() <= bmp::MAX_MESSAGE_BYTES as usize);
                    frames += 1;
                    let input = match bmp::decode(frame, router, &space) {
                        Ok(record) => Input::Record { router, conn: 1, record },
                        Err(e) => Input::Malformed { router, conn: 1, error: e.to_string() },
                    };
                    station.handle(&mut engine, input, now, &mut out);
                }
                Ok(None) => break,
                Err(_) => break 'stream,
            }
        }
    }
    assert!(frames <= data.len() / 6);
    let reason = "closed by the router".to_owned();
    station.handle(&mut engine, Input::Closed { router, conn: 1, reason, not_bmp: false }, now, &mut out);
    // The router never returns: everything it announced is forgotten.
    station.tick(&mut engine, Timestamp::from_unix_secs(1_700_000_100), &mut out);
    assert_eq!(engine.tracked_routes(), 0);
});
