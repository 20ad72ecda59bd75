//! The script monitor's fetched versions, in the terms the store keeps them: each distinct
//! body once (by sha256), and per site and script URL a history of what fetching it
//! answered, with the analysis of each new body.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Response headers kept with a version (each bounded by the fetcher).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VersionHeaders {
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub cache_control: Option<String>,
}

impl VersionHeaders {
    pub fn new(
        content_type: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        cache_control: Option<String>,
    ) -> Self {
        VersionHeaders {
            content_type,
            etag,
            last_modified,
            cache_control,
        }
    }
}

/// What the analysis said about a body, kept with the version that first had it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VersionAnalysis {
    /// The normalisation scheme: hashes from different schemes are not comparable.
    pub scheme: String,
    /// The whole-script normalised hash; `None` when the body did not parse.
    pub normalized_hash: Option<String>,
    /// Library and version line (`jquery@3`), when recognised.
    pub family: Option<String>,
    /// The fingerprint record (`parapet scripts fingerprint --format json`).
    pub fingerprint: serde_json::Value,
    /// The classifier's risk, 0..1.
    pub risk: f64,
    /// Whether the classifier called it malicious.
    pub malicious: bool,
    /// The classifier's verdict record (`parapet scripts classify --format json`).
    pub verdict: serde_json::Value,
    /// Against the previous version of the same URL: whether behaviour changed; `None`
    /// for the first version.
    pub behaviour_changed: Option<bool>,
    /// The behavioural diff against the previous version (`parapet scripts diff`), when
    /// there was one.
    pub diff: Option<serde_json::Value>,
}

/// One fetch of a script, to be recorded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScriptFetch {
    /// The site (its name in the config).
    pub site: String,
    /// The script URL as the inventory has it.
    pub url: String,
    /// Where it was fetched from after redirects.
    pub final_url: String,
    pub time: Timestamp,
    /// The HTTP status.
    pub status: u16,
    pub headers: VersionHeaders,
    /// The body, for a successful (2xx) answer.
    pub body: Option<FetchedBody>,
    /// The analysis of the body, when it is new for this URL (otherwise the version that
    /// had it already carries one).
    pub analysis: Option<VersionAnalysis>,
}

impl ScriptFetch {
    pub fn new(
        site: impl Into<String>,
        url: impl Into<String>,
        final_url: impl Into<String>,
        time: Timestamp,
        status: u16,
        headers: VersionHeaders,
        body: Option<FetchedBody>,
    ) -> Self {
        ScriptFetch {
            site: site.into(),
            url: url.into(),
            final_url: final_url.into(),
            time,
            status,
            headers,
            body,
            analysis: None,
        }
    }

    /// With the analysis of its body.
    #[must_use]
    pub fn with_analysis(mut self, analysis: VersionAnalysis) -> Self {
        self.analysis = Some(analysis);
        self
    }
}

/// A fetched body with its hashes (computed by the fetcher, which has the hash functions).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchedBody {
    pub bytes: Vec<u8>,
    /// sha256, hex.
    pub sha256: String,
    /// `sha256-` and the base64 of the sha256, as browsers report it.
    pub browser_hash: String,
}

impl FetchedBody {
    pub fn new(bytes: Vec<u8>, sha256: String, browser_hash: String) -> Self {
        FetchedBody {
            bytes,
            sha256,
            browser_hash,
        }
    }
}

/// One version of a script URL: a distinct answer (status and body) and when it was
/// fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptVersion {
    pub id: i64,
    pub site: String,
    pub url: String,
    pub final_url: String,
    pub first_fetched: Timestamp,
    pub last_fetched: Timestamp,
    /// Fetches that answered this version.
    pub fetches: u64,
    pub status: u16,
    /// Body size in bytes, when there is a body.
    pub size: Option<u64>,
    pub headers: VersionHeaders,
    /// sha256 of the body, hex: its key in the store.
    pub body_sha256: Option<String>,
    /// The body's hash as browsers report it (`sha256-` and base64).
    pub browser_hash: Option<String>,
    pub analysis: Option<VersionAnalysis>,
}

/// What recording a fetch did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedFetch {
    /// The version the fetch answered (new or existing).
    pub version: ScriptVersion,
    /// Whether it is a new version (a status or body not the latest one's).
    pub new_version: bool,
    /// The latest version before this fetch, if any.
    pub previous: Option<ScriptVersion>,
}
