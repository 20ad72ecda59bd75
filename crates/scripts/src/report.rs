//! Browsers' CSP reports, read as hostile input.
//!
//! Three body shapes arrive at the report endpoint:
//!
//! - `application/csp-report` (the `report-uri` directive, every browser):
//!   `{"csp-report": {"document-uri": ..., "blocked-uri": ..., "effective-directive": ...}}`;
//! - `application/reports+json` (the Reporting API, `report-to`): an array of
//!   `{"type": "csp-violation" | "csp-hash", "url": ..., "body": {...}}` with camelCase fields;
//! - `application/json`: either of the above, from clients that label it loosely.
//!
//! Everything in them is attacker-controlled: a page's visitor (or anyone who finds the
//! endpoint) can send any bytes. So the body is bounded ([`MAX_BODY_BYTES`]), so is the number
//! of reports in it ([`MAX_REPORTS_PER_BODY`]) and every string kept; a malformed report is
//! skipped with its [`DropReason`] (for a metric) and the rest of the body still counts.
//!
//! Browsers differ, and this reads what they send: a missing `effective-directive` is taken
//! from `violated-directive`; numbers may come as strings; `disposition` may be missing
//! (older browsers only reported enforced policies... or sent nothing); `blocked-uri` may be a
//! full URL, an origin, a bare scheme (`https`, `data`, `blob`) or a keyword (`inline`, `eval`,
//! `wasm-eval`, `trusted-types-sink`).
//!
//! URLs are normalised before anything keeps them: fragments and credentials are removed, and
//! the query is reduced to its sorted parameter names unless the operator opts in to full URLs
//! (a query can carry session ids or personal data).

use serde_json::{Map, Value};
use url::Url;

/// Largest report body read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most reports taken from one body; the rest are dropped as [`DropReason::TooMany`].
pub const MAX_REPORTS_PER_BODY: usize = 100;
/// Longest URL kept (after normalisation); longer ones are dropped as [`DropReason::BadUrl`].
pub const MAX_URL_CHARS: usize = 2048;
/// Longest script sample kept (browsers send 40 characters; this allows for variants).
pub const MAX_SAMPLE_CHARS: usize = 256;
/// Longest directive name accepted.
const MAX_DIRECTIVE_CHARS: usize = 40;
/// Longest hash accepted (`sha512-` and 88 base64 characters).
const MAX_HASH_CHARS: usize = 100;

/// How a report body is framed, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/csp-report`.
    CspReport,
    /// `application/reports+json`.
    ReportsJson,
    /// `application/json`.
    Json,
}

impl BodyKind {
    /// The kind for a `Content-Type` value (parameters and case ignored), `None` for any other
    /// type: the endpoint answers those with 415.
    pub fn from_content_type(value: &str) -> Option<Self> {
        let essence = value.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case("application/csp-report") {
            Some(BodyKind::CspReport)
        } else if essence.eq_ignore_ascii_case("application/reports+json") {
            Some(BodyKind::ReportsJson)
        } else if essence.eq_ignore_ascii_case("application/json") {
            Some(BodyKind::Json)
        } else {
            None
        }
    }
}

/// How URLs are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Keep query values (off by default: they may carry session ids).
    pub full_urls: bool,
}

/// Why one report of a body was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The body is not JSON, or not of a report shape at all.
    Malformed,
    /// A report that is not a JSON object.
    NotAnObject,
    /// A Reporting API report of a type other than `csp-violation` or `csp-hash`.
    OtherType,
    /// A field every report needs (document, blocked resource, directive, hash) is missing
    /// or of the wrong type.
    MissingField,
    /// A URL that does not parse, is not http(s), or is too long.
    BadUrl,
    /// A directive or hash that is not of the expected form.
    BadValue,
    /// Beyond [`MAX_REPORTS_PER_BODY`].
    TooMany,
    /// Caused by a browser extension (its own `chrome-extension:` or `moz-extension:`
    /// script), not by the site.
    Extension,
    /// The reporting page is not on the site whose endpoint received it (set by the
    /// endpoint, which knows the site).
    OffSite,
    /// Over the client's or the endpoint's rate (set by the endpoint).
    RateLimited,
    /// Names a host the operator lists as noise (set by the endpoint).
    Ignored,
}

impl DropReason {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Malformed => "malformed",
            DropReason::NotAnObject => "not_an_object",
            DropReason::OtherType => "other_type",
            DropReason::MissingField => "missing_field",
            DropReason::BadUrl => "bad_url",
            DropReason::BadValue => "bad_value",
            DropReason::TooMany => "too_many",
            DropReason::Extension => "extension",
            DropReason::OffSite => "off_site",
            DropReason::RateLimited => "rate_limited",
            DropReason::Ignored => "ignored",
        }
    }
}

/// What a violation report says was blocked (or would have been, in report-only mode).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Blocked {
    /// A resource at this (normalised) URL: a script, a fetch destination, a worker.
    Url(String),
    /// Only an origin was reported (cross-origin redirects, some browsers): `https://host`.
    Origin(String),
    /// An inline `<script>` or event handler attribute.
    Inline,
    /// `eval`, `new Function`, string timers.
    Eval,
    /// WebAssembly compilation.
    WasmEval,
    /// A `data:` URL.
    Data,
    /// A `blob:` URL.
    Blob,
    /// A Trusted Types sink.
    TrustedTypesSink,
}

/// Enforce or report-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Enforce,
    Report,
}

/// One `csp-violation` report (either wire format).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The page, normalised.
    pub document: String,
    /// The directive that was violated, lower case: `script-src-elem`, `connect-src`, ...
    pub directive: String,
    pub blocked: Blocked,
    /// `None` when the browser did not say.
    pub disposition: Option<Disposition>,
    /// The first characters of an inline script or eval'd string (`'report-sample'`).
    pub sample: Option<String>,
    /// The script that caused the violation, normalised.
    pub source_file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// One `csp-hash` report: the hash of a script the page loaded (`'report-sha256'`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HashReport {
    /// The page, normalised.
    pub document: String,
    /// The script, normalised.
    pub subresource: String,
    /// `sha256-<base64>` (or sha384/sha512), as the browser computed it.
    pub hash: String,
    /// `script`, ...
    pub destination: Option<String>,
}

/// A report taken from a body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Report {
    Violation(Violation),
    Hash(HashReport),
}

impl Report {
    /// The page the report came from (normalised).
    pub fn document(&self) -> &str {
        match self {
            Report::Violation(v) => &v.document,
            Report::Hash(h) => &h.document,
        }
    }
}

/// The reports of one body, and why the others were dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub reports: Vec<Report>,
    pub dropped: Vec<DropReason>,
}

/// Reads a report body. Never fails: a body that is wholly unusable gives no reports and one
/// [`DropReason::Malformed`] (or [`DropReason::TooMany`] for an oversized body).
pub fn parse(kind: BodyKind, body: &[u8], urls: UrlPolicy) -> Parsed {
    let mut out = Parsed::default();
    if body.len() > MAX_BODY_BYTES {
        out.dropped.push(DropReason::TooMany);
        return out;
    }
    // serde_json bounds nesting itself (128 levels): a deeply nested body is an error, not a
    // stack overflow.
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        out.dropped.push(DropReason::Malformed);
        return out;
    };
    match (kind, value) {
        (BodyKind::CspReport | BodyKind::Json, Value::Object(o))
            if o.contains_key("csp-report") =>
        {
            match o.get("csp-report") {
                Some(Value::Object(r)) => push(&mut out, legacy(r, urls)),
                _ => out.dropped.push(DropReason::NotAnObject),
            }
        }
        (BodyKind::ReportsJson | BodyKind::Json, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if i >= MAX_REPORTS_PER_BODY {
                    out.dropped.push(DropReason::TooMany);
                    break;
                }
                match item {
                    Value::Object(r) => push(&mut out, reporting_api(r, urls)),
                    _ => out.dropped.push(DropReason::NotAnObject),
                }
            }
        }
        // One Reporting API report without its array.
        (BodyKind::ReportsJson | BodyKind::Json, Value::Object(r)) if r.contains_key("type") => {
            push(&mut out, reporting_api(&r, urls))
        }
        _ => out.dropped.push(DropReason::Malformed),
    }
    out
}

fn push(out: &mut Parsed, r: Result<Report, DropReason>) {
    match r {
        Ok(r) => out.reports.push(r),
        Err(e) => out.dropped.push(e),
    }
}

/// Schemes of browser extensions' own resources: what they inject is noise for the site.
const EXTENSION_SCHEMES: &[&str] = &[
    "chrome-extension:",
    "moz-extension:",
    "safari-extension:",
    "safari-web-extension:",
    "ms-browser-extension:",
    "edge-extension:",
];

fn from_extension(values: &[Option<&str>]) -> bool {
    values.iter().flatten().any(|v| {
        let v = v.trim_start();
        EXTENSION_SCHEMES.iter().any(|s| {
            v.get(..s.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(s))
        })
    })
}

/// The host of a URL this module kept (normalised), for checking that a report's page is
/// on the site that received it.
pub fn host_of(url: &str) -> Option<String> {
    if let Some(host) = plain_host(url) {
        return Some(host.to_ascii_lowercase());
    }
    Url::parse(url)
        .ok()?
        .host_str()
        .map(str::to_ascii_lowercase)
}

/// The host of an `http(s)`/`ws(s)` URL whose authority is a plain DNS name (letters,
/// digits, `-`, `.`, an optional port), read off the string. That is every URL this module
/// keeps, as the url crate serialised it, and reading it so spares the report path a full
/// parse per check. Anything else (addresses, which the url crate rewrites to a canonical
/// form; brackets, credentials, escapes, non-ASCII, punycode) is `None`: ask the url crate.
pub fn plain_host(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https" | "ws" | "wss") {
        return None;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() && !port.starts_with('+') => host,
        Some(_) => return None,
        None => authority,
    };
    let name_like = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    // A last label of digits only would make it an IPv4 address to the url crate.
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    let address_like = last.is_empty()
        || last.bytes().all(|b| b.is_ascii_digit())
        || last.len() >= 2 && last[..2].eq_ignore_ascii_case("0x");
    // Punycode labels are checked by the url crate's IDNA step.
    let punycode = host
        .split('.')
        .any(|l| l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")));
    (name_like && !address_like && !punycode && !host.starts_with('.')).then_some(host)
}

/// `{"csp-report": {...}}`, kebab-case fields.
fn legacy(r: &Map<String, Value>, urls: UrlPolicy) -> Result<Report, DropReason> {
    if from_extension(&[text(r, "blocked-uri"), text(r, "source-file")]) {
        return Err(DropReason::Extension);
    }
    let document = page_url(text(r, "document-uri"), urls)?;
    let directive = directive(
        text(r, "effective-directive"),
        text(r, "violated-directive"),
    )?;
    let blocked = blocked(text(r, "blocked-uri").unwrap_or(""), urls)?;
    Ok(Report::Violation(Violation {
        document,
        directive,
        blocked,
        disposition: disposition(text(r, "disposition")),
        sample: sample(text(r, "script-sample")),
        source_file: optional_url(text(r, "source-file"), urls),
        line: number(r.get("line-number")),
        column: number(r.get("column-number")),
    }))
}

/// `{"type": ..., "url": ..., "body": {...}}`, camelCase fields in `body`.
fn reporting_api(r: &Map<String, Value>, urls: UrlPolicy) -> Result<Report, DropReason> {
    let Some(Value::Object(body)) = r.get("body") else {
        return Err(DropReason::MissingField);
    };
    // The page: the body's documentURL, else the report's own url.
    let document = page_url(text(body, "documentURL").or_else(|| text(r, "url")), urls)?;
    match text(r, "type") {
        Some("csp-violation") => {
            if from_extension(&[text(body, "blockedURL"), text(body, "sourceFile")]) {
                return Err(DropReason::Extension);
            }
            let directive = directive(
                text(body, "effectiveDirective"),
                text(body, "violatedDirective"),
            )?;
            let blocked = blocked(text(body, "blockedURL").unwrap_or(""), urls)?;
            Ok(Report::Violation(Violation {
                document,
                directive,
                blocked,
                disposition: disposition(text(body, "disposition")),
                sample: sample(text(body, "sample")),
                source_file: optional_url(text(body, "sourceFile"), urls),
                line: number(body.get("lineNumber")),
                column: number(body.get("columnNumber")),
            }))
        }
        Some("csp-hash") => {
            let subresource = page_url(text(body, "subresourceURL"), urls)?;
            let hash = text(body, "hash").ok_or(DropReason::MissingField)?;
            if !valid_hash(hash) {
                return Err(DropReason::BadValue);
            }
            Ok(Report::Hash(HashReport {
                document,
                subresource,
                hash: hash.to_owned(),
                destination: text(body, "destination")
                    .filter(|d| d.len() <= MAX_DIRECTIVE_CHARS && is_token(d))
                    .map(str::to_ascii_lowercase),
            }))
        }
        Some(_) => Err(DropReason::OtherType),
        None => Err(DropReason::MissingField),
    }
}

fn text<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str)
}

/// A line or column: a JSON number or a decimal string (some browsers send those).
fn number(v: Option<&Value>) -> Option<u32> {
    match v? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn disposition(v: Option<&str>) -> Option<Disposition> {
    match v?.trim().to_ascii_lowercase().as_str() {
        "enforce" | "enforced" => Some(Disposition::Enforce),
        "report" | "reporting" | "report-only" => Some(Disposition::Report),
        _ => None,
    }
}

/// The effective directive, or the first word of the violated one (`script-src-elem 'none'`
/// in old reports).
fn directive(effective: Option<&str>, violated: Option<&str>) -> Result<String, DropReason> {
    let raw = effective
        .filter(|s| !s.trim().is_empty())
        .or(violated)
        .ok_or(DropReason::MissingField)?;
    let name = raw
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    // Only directives CSP defines: a report is no place to invent new names (they would
    // become labels and rows).
    if !KNOWN_DIRECTIVES.contains(&name.as_str()) {
        return Err(DropReason::BadValue);
    }
    Ok(name)
}

/// The fetch and document directives a violation can name (CSP Level 3, Trusted Types).
const KNOWN_DIRECTIVES: &[&str] = &[
    "default-src",
    "script-src",
    "script-src-elem",
    "script-src-attr",
    "style-src",
    "style-src-elem",
    "style-src-attr",
    "connect-src",
    "worker-src",
    "child-src",
    "frame-src",
    "fenced-frame-src",
    "img-src",
    "media-src",
    "font-src",
    "object-src",
    "manifest-src",
    "prefetch-src",
    "form-action",
    "frame-ancestors",
    "base-uri",
    "navigate-to",
    "require-trusted-types-for",
    "trusted-types",
    "webrtc",
];

fn is_token(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `sha256-`, `sha384-` or `sha512-` and base64 (standard or URL-safe, padding optional).
fn valid_hash(h: &str) -> bool {
    let Some((alg, b64)) = h.split_once('-') else {
        return false;
    };
    matches!(alg, "sha256" | "sha384" | "sha512")
        && h.len() <= MAX_HASH_CHARS
        && !b64.is_empty()
        && b64
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// A sample: control characters become spaces (it ends up in logs and pages), bounded.
fn sample(v: Option<&str>) -> Option<String> {
    let v = v?;
    if v.is_empty() {
        return None;
    }
    Some(
        v.chars()
            .take(MAX_SAMPLE_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
    )
}

fn blocked(raw: &str, urls: UrlPolicy) -> Result<Blocked, DropReason> {
    let raw = raw.trim();
    match raw.to_ascii_lowercase().as_str() {
        "inline" | "'unsafe-inline'" => return Ok(Blocked::Inline),
        "eval" | "'unsafe-eval'" => return Ok(Blocked::Eval),
        "wasm-eval" | "'wasm-unsafe-eval'" => return Ok(Blocked::WasmEval),
        "trusted-types-sink" | "trusted-types-policy" => return Ok(Blocked::TrustedTypesSink),
        "data" | "data:" => return Ok(Blocked::Data),
        "blob" | "blob:" => return Ok(Blocked::Blob),
        "" => return Err(DropReason::MissingField),
        _ => {}
    }
    if raw.len() > MAX_URL_CHARS * 2 {
        return Err(DropReason::BadUrl);
    }
    let url = Url::parse(raw).map_err(|_| DropReason::BadUrl)?;
    match url.scheme() {
        "data" => return Ok(Blocked::Data),
        "blob" => return Ok(Blocked::Blob),
        "http" | "https" | "ws" | "wss" => {}
        _ => return Err(DropReason::BadUrl),
    }
    // An origin alone (`https://cdn.example` or with a trailing slash and nothing else) is
    // what browsers report for cross-origin redirects: keep it as such, not as a page.
    if origin_only(raw) {
        return Ok(Blocked::Origin(url.origin().ascii_serialization()));
    }
    Ok(Blocked::Url(normalise(url, urls)?))
}

/// `scheme://host[:port]` with at most a trailing slash.
fn origin_only(raw: &str) -> bool {
    let rest = raw.split_once("://").map_or("", |(_, r)| r);
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    !rest.is_empty() && !rest.contains(['/', '?', '#'])
}

fn page_url(raw: Option<&str>, urls: UrlPolicy) -> Result<String, DropReason> {
    let raw = raw.ok_or(DropReason::MissingField)?.trim();
    if raw.is_empty() {
        return Err(DropReason::MissingField);
    }
    if raw.len() > MAX_URL_CHARS * 2 {
        return Err(DropReason::BadUrl);
    }
    let url = Url::parse(raw).map_err(|_| DropReason::BadUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(DropReason::BadUrl);
    }
    normalise(url, urls)
}

fn optional_url(raw: Option<&str>, urls: UrlPolicy) -> Option<String> {
    page_url(raw, urls).ok()
}

/// Without fragment and credentials; the query as sorted, distinct parameter names unless
/// full URLs are kept; at most [`MAX_URL_CHARS`].
pub fn normalise(mut url: Url, urls: UrlPolicy) -> Result<String, DropReason> {
    url.set_fragment(None);
    // Both can only fail for URLs that cannot have credentials (no host): nothing to remove.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if !urls.full_urls {
        let mut names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        names.sort();
        names.dedup();
        if names.is_empty() {
            url.set_query(None);
        } else {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for n in &names {
                q.append_key_only(n);
            }
            url.set_query(Some(&q.finish()));
        }
    }
    let s = String::from(url);
    if s.chars().count() > MAX_URL_CHARS {
        return Err(DropReason::BadUrl);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://shop.example/checkout?session=abc123&step=2#pay";

    fn one(kind: BodyKind, body: &str) -> Report {
        let p = parse(kind, body.as_bytes(), UrlPolicy::default());
        assert!(p.dropped.is_empty(), "{:?}", p.dropped);
        assert_eq!(p.reports.len(), 1);
        p.reports.into_iter().next().unwrap()
    }

    #[test]
    fn chromium_legacy_report() {
        let r = one(
            BodyKind::CspReport,
            &format!(
                r#"{{"csp-report":{{"document-uri":"{PAGE}","referrer":"","violated-directive":"script-src-elem","effective-directive":"script-src-elem","original-policy":"script-src 'none'; report-uri /r","disposition":"report","blocked-uri":"https://user:pw@cdn.example/lib.js?v=3&cb=9#x","line-number":12,"column-number":"7","source-file":"https://shop.example/app.js","status-code":200,"script-sample":""}}}}"#
            ),
        );
        let Report::Violation(v) = r else { panic!() };
        assert_eq!(v.document, "https://shop.example/checkout?session&step");
        assert_eq!(v.directive, "script-src-elem");
        assert_eq!(
            v.blocked,
            Blocked::Url("https://cdn.example/lib.js?cb&v".into())
        );
        assert_eq!(v.disposition, Some(Disposition::Report));
        assert_eq!(
            (v.line, v.column),
            (Some(12), Some(7)),
            "numbers as strings too"
        );
        assert_eq!(v.sample, None);
    }

    #[test]
    fn reporting_api_batch_with_mixed_types() {
        let body = format!(
            r#"[
            {{"type":"csp-violation","age":3,"url":"{PAGE}","user_agent":"x","body":{{"documentURL":"{PAGE}","blockedURL":"inline","effectiveDirective":"script-src-elem","disposition":"report","sample":"alert(1)\u0007","lineNumber":4,"columnNumber":1,"statusCode":200}}}},
            {{"type":"csp-hash","age":3,"url":"{PAGE}","body":{{"documentURL":"{PAGE}","subresourceURL":"https://cdn.example/lib.js","hash":"sha256-1XF/E08XndkoxwN6eIa5J89hYn3OVZ/UyB8BrU5jgzk=","type":"subresource","destination":"script"}}}},
            {{"type":"deprecation","url":"{PAGE}","body":{{}}}},
            {{"type":"csp-violation","url":"{PAGE}","body":{{"documentURL":"{PAGE}","blockedURL":"https://api.example","effectiveDirective":"connect-src"}}}},
            "not an object"
        ]"#
        );
        let p = parse(BodyKind::ReportsJson, body.as_bytes(), UrlPolicy::default());
        assert_eq!(p.reports.len(), 3);
        assert_eq!(p.dropped, [DropReason::OtherType, DropReason::NotAnObject]);
        let Report::Violation(inline) = &p.reports[0] else {
            panic!()
        };
        assert_eq!(inline.blocked, Blocked::Inline);
        assert_eq!(
            inline.sample.as_deref(),
            Some("alert(1) "),
            "control characters blanked"
        );
        let Report::Hash(h) = &p.reports[1] else {
            panic!()
        };
        assert_eq!(h.subresource, "https://cdn.example/lib.js");
        assert_eq!(h.destination.as_deref(), Some("script"));
        let Report::Violation(connect) = &p.reports[2] else {
            panic!()
        };
        assert_eq!(
            connect.blocked,
            Blocked::Origin("https://api.example".into())
        );
        assert_eq!(connect.disposition, None, "the browser did not say");
    }

    #[test]
    fn browser_variants_are_read() {
        // No effective-directive: the violated one, first word; scheme-only blocked URIs.
        for (blocked, want) in [
            ("data", Blocked::Data),
            ("blob", Blocked::Blob),
            ("eval", Blocked::Eval),
            ("wasm-eval", Blocked::WasmEval),
            ("data:text/javascript,alert(1)", Blocked::Data),
        ] {
            let r = one(
                BodyKind::Json,
                &format!(
                    r#"{{"csp-report":{{"document-uri":"{PAGE}","violated-directive":"script-src 'none'","blocked-uri":"{blocked}"}}}}"#
                ),
            );
            let Report::Violation(v) = r else { panic!() };
            assert_eq!(v.directive, "script-src");
            assert_eq!(v.blocked, want, "{blocked}");
        }
    }

    #[test]
    fn full_urls_only_when_asked() {
        let body = format!(
            r#"{{"csp-report":{{"document-uri":"{PAGE}","effective-directive":"connect-src","blocked-uri":"wss://ws.example/feed?token=secret"}}}}"#
        );
        let p = parse(
            BodyKind::CspReport,
            body.as_bytes(),
            UrlPolicy { full_urls: true },
        );
        let Report::Violation(v) = &p.reports[0] else {
            panic!()
        };
        assert_eq!(
            v.document,
            "https://shop.example/checkout?session=abc123&step=2"
        );
        assert_eq!(
            v.blocked,
            Blocked::Url("wss://ws.example/feed?token=secret".into())
        );
        let p = parse(BodyKind::CspReport, body.as_bytes(), UrlPolicy::default());
        let Report::Violation(v) = &p.reports[0] else {
            panic!()
        };
        assert_eq!(
            v.blocked,
            Blocked::Url("wss://ws.example/feed?token".into())
        );
    }

    #[test]
    fn hostile_bodies_are_dropped_with_a_reason() {
        let cases: [(&[u8], DropReason); 7] = [
            (b"not json", DropReason::Malformed),
            (b"{\"csp-report\": 5}", DropReason::NotAnObject),
            (b"{\"something\": 1}", DropReason::Malformed),
            (
                br#"{"csp-report":{"document-uri":"javascript:alert(1)","effective-directive":"script-src","blocked-uri":"inline"}}"#,
                DropReason::BadUrl,
            ),
            (
                br#"{"csp-report":{"document-uri":"https://a.example/","effective-directive":"script src <x>","blocked-uri":"inline"}}"#,
                DropReason::BadValue,
            ),
            (
                br#"{"csp-report":{"document-uri":"https://a.example/","effective-directive":"script-src"}}"#,
                DropReason::MissingField,
            ),
            (
                br#"[{"type":"csp-hash","url":"https://a.example/","body":{"subresourceURL":"https://b.example/x.js","hash":"md5-abc"}}]"#,
                DropReason::BadValue,
            ),
        ];
        for (body, reason) in cases {
            let p = parse(BodyKind::Json, body, UrlPolicy::default());
            assert!(p.reports.is_empty(), "{}", String::from_utf8_lossy(body));
            assert_eq!(p.dropped, [reason], "{}", String::from_utf8_lossy(body));
        }
        // Deep nesting is an error, not a stack overflow.
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse(BodyKind::Json, deep.as_bytes(), UrlPolicy::default()).dropped,
            [DropReason::TooMany]
        );
        let deep = "[".repeat(10_000);
        assert_eq!(
            parse(BodyKind::Json, deep.as_bytes(), UrlPolicy::default()).dropped,
            [DropReason::Malformed]
        );
    }

    #[test]
    fn extension_noise_is_dropped_as_such() {
        for body in [
            format!(
                r#"{{"csp-report":{{"document-uri":"{PAGE}","effective-directive":"script-src-elem","blocked-uri":"chrome-extension://abcdef/inject.js"}}}}"#
            ),
            format!(
                r#"{{"csp-report":{{"document-uri":"{PAGE}","effective-directive":"connect-src","blocked-uri":"https://ads.example/x","source-file":"moz-extension://1234/content.js"}}}}"#
            ),
            format!(
                r#"[{{"type":"csp-violation","url":"{PAGE}","body":{{"blockedURL":"inline","effectiveDirective":"script-src-elem","sourceFile":"Safari-Web-Extension://x/y.js"}}}}]"#
            ),
        ] {
            let p = parse(BodyKind::Json, body.as_bytes(), UrlPolicy::default());
            assert!(p.reports.is_empty(), "{body}");
            assert_eq!(p.dropped, [DropReason::Extension], "{body}");
        }
        assert_eq!(
            host_of("https://Shop.Example:8443/a?b").as_deref(),
            Some("shop.example")
        );
    }

    #[test]
    fn a_body_holds_at_most_a_hundred_reports() {
        let one = format!(
            r#"{{"type":"csp-violation","url":"{PAGE}","body":{{"blockedURL":"inline","effectiveDirective":"script-src-elem"}}}}"#
        );
        let body = format!("[{}]", vec![one; 150].join(","));
        let p = parse(BodyKind::ReportsJson, body.as_bytes(), UrlPolicy::default());
        assert_eq!(p.reports.len(), MAX_REPORTS_PER_BODY);
        assert_eq!(p.dropped, [DropReason::TooMany]);
    }

    #[test]
    fn content_types() {
        assert_eq!(
            BodyKind::from_content_type("application/reports+json; charset=utf-8"),
            Some(BodyKind::ReportsJson)
        );
        assert_eq!(
            BodyKind::from_content_type("Application/CSP-Report"),
            Some(BodyKind::CspReport)
        );
        assert_eq!(BodyKind::from_content_type("text/plain"), None);
    }
}
