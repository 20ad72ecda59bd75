//! MRT bytes come from archives and collectors Parapet does not control. Replaying any
//! byte string must never panic, must end, and must count what it could not decode.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use parapet_config::{Config, Routes};
use parapet_routes::{Engine, MrtReplay};

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
    let mut engine = Engine::new(routes(), None, None);
    let mut alerts = 0usize;
    let mut replay = MrtReplay::new(&mut engine);
    if let Ok(stats) = replay.reader(data, &mut |_| alerts += 1) {
        assert!(stats.records <= data.len() as u64 / 12 + 1);
    }
});
