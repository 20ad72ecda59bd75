//! What the gateway adds to a monitored site's HTML responses so that browsers report every
//! script and connection: a report-only Content Security Policy and the endpoint its reports
//! go to.
//!
//! The policy allows nothing (`script-src 'none'`, `connect-src 'none'`, ...) but only
//! *reports*: the page works as before, and the browser tells the endpoint about every
//! external script, inline script, `eval`, worker and fetch/XHR/WebSocket/beacon destination
//! it met. `'report-sample'` adds the first characters of inline code; `'report-sha256'` makes
//! Chromium send `csp-hash` reports with the hash of each script it loaded. `report-uri` serves
//! browsers without the Reporting API; `report-to` (with `Reporting-Endpoints`) the others.
//! The application's own CSP headers are left alone: policies are additive, and a report-only
//! one never blocks.
//!
//! The endpoint is on the site itself (a reserved path), so content blockers and third-party
//! cookie rules that drop cross-site reporting leave it alone. Its URL carries a token, an
//! HMAC of the site and the hour, so that reports forged without having loaded a page from the
//! site (a flood from a script, say) are refused cheaply; a token is accepted for the hour it
//! was made in and the next.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The path the report endpoint answers on, on every monitored site.
pub const REPORT_PATH: &str = "/.well-known/parapet/csp-report";
/// The `Reporting-Endpoints` group name the policy's `report-to` names.
pub const REPORT_GROUP: &str = "parapet-csp";
/// How long a token stays valid: its hour and the next.
pub const TOKEN_WINDOW_SECS: u64 = 3600;
/// Bytes of HMAC kept in a token (base64url: 22 characters).
const TOKEN_BYTES: usize = 16;

type HmacSha256 = Hmac<Sha256>;

/// Which optional directives the policy adds to scripts and connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extras {
    /// `img-src 'none'`: image destinations (pixels are an exfiltration channel too).
    pub images: bool,
    /// `form-action 'none'`: where forms post.
    pub form_actions: bool,
    /// `frame-src 'none'`: frames a page opens.
    pub frames: bool,
}

impl Extras {
    /// With every optional directive.
    pub fn all() -> Self {
        Extras {
            images: true,
            form_actions: true,
            frames: true,
        }
    }
}

/// A monitored site's telemetry settings.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Telemetry {
    /// Share of page views that get the policy, 0.0 to 1.0.
    pub sample_rate: f64,
    /// Path prefixes that always get it (checkout, login): where a skimmer would sit.
    pub sensitive_paths: Vec<String>,
    pub extras: Extras,
}

impl Telemetry {
    /// A site's settings; the rate is clamped to [0, 1].
    pub fn new(sample_rate: f64, sensitive_paths: Vec<String>, extras: Extras) -> Self {
        Telemetry {
            sample_rate: sample_rate.clamp(0.0, 1.0),
            sensitive_paths,
            extras,
        }
    }

    /// Whether a page view of `path` gets the policy. `roll` is a uniform random number in
    /// [0, 1) drawn by the caller (so this stays deterministic to test).
    pub fn sampled(&self, path: &str, roll: f64) -> bool {
        self.is_sensitive(path) || roll < self.sample_rate
    }

    /// Whether `path` is under one of the sensitive prefixes (at a segment boundary:
    /// `/checkout` covers `/checkout/pay`, not `/checkouts`).
    pub fn is_sensitive(&self, path: &str) -> bool {
        self.sensitive_paths.iter().any(|p| {
            let p = p.trim_end_matches('/');
            path == p
                || path
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'))
                || p.is_empty()
        })
    }

    /// The `Content-Security-Policy-Report-Only` value, reporting to `endpoint`.
    ///
    /// `reporting_api` adds `report-to` (pair it with [`Telemetry::reporting_endpoints`]):
    /// only on HTTPS pages. Chromium, seeing `report-to`, uses the Reporting API alone and
    /// ignores `report-uri`; and it delivers Reporting API reports only from secure origins
    /// over HTTPS (checked in headless Chromium: from `http://localhost` nothing arrives).
    /// So a plain-HTTP page gets `report-uri` only, which every browser sends at once; the
    /// `csp-hash` reports of `'report-sha256'` then do not come (they exist only in the
    /// Reporting API).
    pub fn policy(&self, endpoint: &str, reporting_api: bool) -> String {
        let mut p = String::from(
            "script-src 'none' 'report-sample' 'report-sha256'; \
             connect-src 'none'; worker-src 'none'",
        );
        if self.extras.images {
            p.push_str("; img-src 'none'");
        }
        if self.extras.form_actions {
            p.push_str("; form-action 'none'");
        }
        if self.extras.frames {
            p.push_str("; frame-src 'none'");
        }
        p.push_str("; report-uri ");
        p.push_str(endpoint);
        if reporting_api {
            p.push_str("; report-to ");
            p.push_str(REPORT_GROUP);
        }
        p
    }

    /// The `Reporting-Endpoints` value for `endpoint`.
    pub fn reporting_endpoints(endpoint: &str) -> String {
        format!("{REPORT_GROUP}=\"{endpoint}\"")
    }
}

/// Makes and checks the tokens in report endpoint URLs.
#[derive(Clone)]
pub struct Tokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(***)")
    }
}

impl Tokens {
    /// Tokens under `key` (at least 16 random bytes; kept in the state directory).
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        Tokens { key: key.into() }
    }

    /// The endpoint path for `site` at `unix_secs`: `REPORT_PATH?t=<token>`.
    pub fn endpoint(&self, site: &str, unix_secs: u64) -> String {
        format!(
            "{REPORT_PATH}?t={}",
            self.token(site, unix_secs / TOKEN_WINDOW_SECS)
        )
    }

    /// Whether `token` was made for `site` in this window or the one before.
    pub fn verify(&self, site: &str, token: &str, unix_secs: u64) -> bool {
        let window = unix_secs / TOKEN_WINDOW_SECS;
        [window, window.saturating_sub(1)]
            .iter()
            .any(|&w| constant_time_eq(self.token(site, w).as_bytes(), token.as_bytes()))
    }

    fn token(&self, site: &str, window: u64) -> String {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(site.as_bytes());
        mac.update(&[0]);
        mac.update(&window.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        base64url(&digest[..TOKEN_BYTES])
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Unpadded base64url: safe in a query string without escaping.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_reports_scripts_and_connections_to_both_apis() {
        let t = Telemetry::new(1.0, Vec::new(), Extras::default());
        let p = t.policy("/.well-known/parapet/csp-report?t=abc", true);
        assert!(
            p.starts_with("script-src 'none' 'report-sample' 'report-sha256'; connect-src 'none'")
        );
        assert!(p.contains("report-uri /.well-known/parapet/csp-report?t=abc"));
        assert!(p.ends_with("report-to parapet-csp"));
        assert!(!p.contains("img-src"));
        let plain = t.policy("/x", false);
        assert!(plain.ends_with("report-uri /x"), "{plain}");
        let all = Telemetry::new(1.0, Vec::new(), Extras::all()).policy("/x", true);
        for d in ["img-src 'none'", "form-action 'none'", "frame-src 'none'"] {
            assert!(all.contains(d), "{all}");
        }
        assert_eq!(
            Telemetry::reporting_endpoints("/x?t=1"),
            "parapet-csp=\"/x?t=1\""
        );
    }

    #[test]
    fn sensitive_paths_are_always_sampled() {
        let t = Telemetry::new(
            0.0,
            vec!["/checkout".into(), "/login/".into()],
            Extras::default(),
        );
        assert!(t.sampled("/checkout", 0.99));
        assert!(t.sampled("/checkout/pay", 0.99));
        assert!(t.sampled("/login", 0.99));
        assert!(!t.sampled("/checkouts", 0.0), "a prefix ends at a segment");
        assert!(!t.sampled("/", 0.0), "rate 0 samples nothing else");
        let half = Telemetry::new(0.5, Vec::new(), Extras::default());
        assert!(half.sampled("/", 0.49) && !half.sampled("/", 0.5));
    }

    #[test]
    fn tokens_hold_for_their_hour_and_the_next_and_only_for_their_site() {
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef".to_vec());
        let t0 = 1_800_000_000;
        let endpoint = tokens.endpoint("shop.example", t0);
        let token = endpoint.split_once("?t=").unwrap().1;
        assert_eq!(token.len(), 22);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(tokens.verify("shop.example", token, t0));
        assert!(tokens.verify("shop.example", token, t0 + TOKEN_WINDOW_SECS));
        assert!(!tokens.verify("shop.example", token, t0 + 2 * TOKEN_WINDOW_SECS + 1));
        assert!(!tokens.verify("other.example", token, t0));
        assert!(!tokens.verify("shop.example", "forged", t0));
        let other_key = Tokens::new(b"another key, another token......".to_vec());
        assert!(!other_key.verify("shop.example", token, t0));
    }

    #[test]
    fn base64url_matches_the_rfc_4648_vectors() {
        for (input, want) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (&[0xfb, 0xff], "-_8"),
        ] {
            assert_eq!(base64url(input), want);
        }
    }
}
