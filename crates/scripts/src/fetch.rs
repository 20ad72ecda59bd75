//! SSRF-safe fetching of the scripts browsers reported.
//!
//! Script URLs come from CSP reports, which anyone can send: a URL naming
//! `http://169.254.169.254/latest/meta-data/` or `http://localhost:6379/` must not make
//! Parapet a proxy into the operator's own network. So the fetcher
//!
//! - accepts only `http` and `https` URLs without credentials;
//! - refuses special-use names (`.local`, `.internal`, `.test`, ...) without resolving them;
//! - resolves host names itself and refuses every address that is not on the public
//!   internet ([`forbidden`]: loopback, private and unique-local, link-local, CGNAT,
//!   multicast, unspecified, broadcast, documentation and benchmarking ranges, cloud
//!   metadata services, and the IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms of
//!   them) unless the operator's allow-list ([`FetchOptions::allow`]) names it;
//! - connects to the very address it checked (the name is not resolved a second time, so
//!   a DNS answer that changes between check and connect, "DNS rebinding", gains nothing);
//! - follows at most [`MAX_REDIRECTS`] redirects, checking each hop the same way;
//! - reads at most [`MAX_BODY_BYTES`] and gives up after the total time budget;
//! - looks like a browser loading a script (a browser User-Agent, the reporting page as
//!   `Referer`, `Sec-Fetch-Dest: script`), because skimmers serve clean code to clients
//!   that do not.
//!
//! One connection per request, HTTP/1.1 (hyper), TLS with rustls (aws-lc-rs, X25519MLKEM768
//! preferred, Mozilla's roots from `webpki-roots` plus any configured CA).

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use ipnet::IpNet;
use rustls::crypto::{aws_lc_rs, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::{Host, Url};

/// Largest body read, in bytes: the analysis bound, so that whatever is stored can be
/// analysed.
pub const MAX_BODY_BYTES: usize = crate::analysis::MAX_SCRIPT_BYTES;

/// Most redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 5;

/// Time budget of one fetch, redirects, resolution and body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Time budget of one TCP connect (each address tried gets this much, within the total).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Addresses of one name tried before giving up.
const MAX_ADDRESSES_TRIED: usize = 4;

/// Largest response head read (status line and headers).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// What the fetcher calls itself: the desktop Chrome of its time. Skimmers hide from
/// clients that do not look like a browser.
pub const DEFAULT_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

// ---------------------------------------------------------------- address policy

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Forbidden {
    /// A cloud provider's metadata service (instance credentials live there).
    Metadata,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918, IPv6 unique-local (`fc00::/7`), local-use NAT64.
    Private,
    /// `100.64.0.0/10`, carrier-grade NAT.
    SharedAddressSpace,
    /// `169.254.0.0/16`, `fe80::/10` (and the deprecated site-local `fec0::/10`).
    LinkLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `0.0.0.0/8`, `::`.
    Unspecified,
    /// `255.255.255.255`.
    Broadcast,
    /// Documentation and benchmarking ranges (`192.0.2.0/24`, `2001:db8::/32`, ...).
    Documentation,
    /// Other special-purpose space: IETF protocol assignments, `240.0.0.0/4`, discard.
    Reserved,
}

impl Forbidden {
    /// A short lowercase name, for metrics labels and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Forbidden::Metadata => "metadata",
            Forbidden::Loopback => "loopback",
            Forbidden::Private => "private",
            Forbidden::SharedAddressSpace => "cgnat",
            Forbidden::LinkLocal => "link_local",
            Forbidden::Multicast => "multicast",
            Forbidden::Unspecified => "unspecified",
            Forbidden::Broadcast => "broadcast",
            Forbidden::Documentation => "documentation",
            Forbidden::Reserved => "reserved",
        }
    }
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Forbidden::Metadata => "a cloud metadata service",
            Forbidden::Loopback => "a loopback address",
            Forbidden::Private => "a private address",
            Forbidden::SharedAddressSpace => "carrier-grade NAT space (100.64.0.0/10)",
            Forbidden::LinkLocal => "a link-local address",
            Forbidden::Multicast => "a multicast address",
            Forbidden::Unspecified => "the unspecified address",
            Forbidden::Broadcast => "the broadcast address",
            Forbidden::Documentation => "a documentation or benchmarking range",
            Forbidden::Reserved => "reserved special-purpose space",
        })
    }
}

/// IPv4 ranges refused, most specific first (metadata before the link-local range that
/// holds it), as (network, prefix length, why).
const V4_FORBIDDEN: &[([u8; 4], u8, Forbidden)] = &[
    // AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean ...
    ([169, 254, 169, 254], 32, Forbidden::Metadata),
    // AWS ECS task metadata, AWS DNS / NTP on the link.
    ([169, 254, 170, 2], 32, Forbidden::Metadata),
    ([169, 254, 169, 253], 32, Forbidden::Metadata),
    ([169, 254, 169, 123], 32, Forbidden::Metadata),
    // Alibaba Cloud.
    ([100, 100, 100, 200], 32, Forbidden::Metadata),
    // Azure's WireServer: a public address that answers only inside Azure.
    ([168, 63, 129, 16], 32, Forbidden::Metadata),
    ([0, 0, 0, 0], 8, Forbidden::Unspecified),
    ([10, 0, 0, 0], 8, Forbidden::Private),
    ([100, 64, 0, 0], 10, Forbidden::SharedAddressSpace),
    ([127, 0, 0, 0], 8, Forbidden::Loopback),
    ([169, 254, 0, 0], 16, Forbidden::LinkLocal),
    ([172, 16, 0, 0], 12, Forbidden::Private),
    ([192, 0, 0, 0], 24, Forbidden::Reserved),
    ([192, 0, 2, 0], 24, Forbidden::Documentation),
    ([192, 88, 99, 0], 24, Forbidden::Reserved),
    ([192, 168, 0, 0], 16, Forbidden::Private),
    ([198, 18, 0, 0], 15, Forbidden::Documentation),
    ([198, 51, 100, 0], 24, Forbidden::Documentation),
    ([203, 0, 113, 0], 24, Forbidden::Documentation),
    ([224, 0, 0, 0], 4, Forbidden::Multicast),
    ([255, 255, 255, 255], 32, Forbidden::Broadcast),
    ([240, 0, 0, 0], 4, Forbidden::Reserved),
];

/// IPv6 ranges refused (the forms that embed an IPv4 address are handled before).
const V6_FORBIDDEN: &[(u128, u8, Forbidden)] = &[
    // AWS's IPv6 instance metadata service and DNS.
    (
        0xfd00_0ec2_0000_0000_0000_0000_0000_0254,
        128,
        Forbidden::Metadata,
    ),
    (
        0xfd00_0ec2_0000_0000_0000_0000_0000_0023,
        128,
        Forbidden::Metadata,
    ),
    (0, 128, Forbidden::Unspecified),
    (1, 128, Forbidden::Loopback),
    // Local-use NAT64 (RFC 8215): translates into the operator's own network.
    (
        0x0064_ff9b_0001_0000_0000_0000_0000_0000,
        48,
        Forbidden::Private,
    ),
    (
        0x0100_0000_0000_0000_0000_0000_0000_0000,
        64,
        Forbidden::Reserved,
    ),
    // IETF protocol assignments, Teredo included.
    (
        0x2001_0000_0000_0000_0000_0000_0000_0000,
        23,
        Forbidden::Reserved,
    ),
    (
        0x2001_0db8_0000_0000_0000_0000_0000_0000,
        32,
        Forbidden::Documentation,
    ),
    (
        0x3fff_0000_0000_0000_0000_0000_0000_0000,
        20,
        Forbidden::Documentation,
    ),
    (
        0xfc00_0000_0000_0000_0000_0000_0000_0000,
        7,
        Forbidden::Private,
    ),
    (
        0xfe80_0000_0000_0000_0000_0000_0000_0000,
        10,
        Forbidden::LinkLocal,
    ),
    (
        0xfec0_0000_0000_0000_0000_0000_0000_0000,
        10,
        Forbidden::LinkLocal,
    ),
    (
        0xff00_0000_0000_0000_0000_0000_0000_0000,
        8,
        Forbidden::Multicast,
    ),
];

fn v4_in(a: Ipv4Addr, net: [u8; 4], len: u8) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    u32::from(a) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn v6_in(a: Ipv6Addr, net: u128, len: u8) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    u128::from(a) & mask == net & mask
}

/// The IPv4 address an IPv6 address stands for, when it is one of the forms that reach an
/// IPv4 host: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated),
/// well-known NAT64 (`64:ff9b::/96`) and 6to4 (`2002:AABB:CCDD::/48`).
pub fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(a);
    let low = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    if bits >> 32 == 0 && bits > 1 {
        return Some(low);
    }
    if v6_in(a, 0x0064_ff9b_0000_0000_0000_0000_0000_0000, 96) {
        return Some(low);
    }
    if v6_in(a, 0x2002_0000_0000_0000_0000_0000_0000_0000, 16) {
        return Some(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    None
}

/// Why `ip` may not be fetched from, ignoring any allow-list; `None` for a public address.
pub fn forbidden(ip: IpAddr) -> Option<Forbidden> {
    match ip {
        IpAddr::V4(a) => V4_FORBIDDEN
            .iter()
            .find(|(net, len, _)| v4_in(a, *net, *len))
            .map(|(_, _, why)| *why),
        IpAddr::V6(a) => {
            if let Some(v4) = embedded_v4(a) {
                return forbidden(IpAddr::V4(v4));
            }
            V6_FORBIDDEN
                .iter()
                .find(|(net, len, _)| v6_in(a, *net, *len))
                .map(|(_, _, why)| *why)
        }
    }
}

/// Whether `ip` may be fetched from, given the operator's `allow` list: `Ok` for a public
/// address or one the list names, otherwise why not.
///
/// An allow-list entry covers an address in any of its forms (`127.0.0.0/8` also allows
/// `::ffff:127.0.0.1`). A metadata address needs an entry that names that host alone
/// (`169.254.169.254/32`): allowing `169.254.0.0/16` for some appliance on the link does
/// not open the instance's credentials.
pub fn check_address(ip: IpAddr, allow: &[IpNet]) -> Result<(), Forbidden> {
    let Some(why) = forbidden(ip) else {
        return Ok(());
    };
    let forms = [
        Some(ip),
        match ip {
            IpAddr::V6(a) => embedded_v4(a).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        },
    ];
    let allowed = allow.iter().any(|net| {
        let host_entry = net.prefix_len() == net.max_prefix_len();
        forms
            .iter()
            .flatten()
            .any(|f| net.contains(f) && (why != Forbidden::Metadata || host_entry))
    });
    if allowed {
        Ok(())
    } else {
        Err(why)
    }
}

// ---------------------------------------------------------------- resolution

/// Domains that never name a public host (RFC 2606, 6761, 6762, 7686, 8375, 9476 and
/// ICANN's `.internal`): a name under one is refused before any resolver is asked, so a
/// report cannot make Parapet look up names on the local network (`printer.local`,
/// `db.internal`) or leak queries for names that cannot exist.
pub const SPECIAL_USE_DOMAINS: &[&str] = &[
    "example",
    "invalid",
    "test",
    "local",
    "localhost",
    "internal",
    "home.arpa",
    "onion",
    "alt",
];

/// Whether `host` is, or is under, one of [`SPECIAL_USE_DOMAINS`]. `localhost` itself is
/// left to the resolver (it answers from `/etc/hosts`, and the address check refuses
/// loopback unless allowed); its subdomains are refused.
pub fn special_use_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" {
        return false;
    }
    SPECIAL_USE_DOMAINS
        .iter()
        .any(|d| host == *d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')))
}

/// A future resolving a name.
pub type ResolveFuture = Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;

/// Turns a host name into addresses. The system resolver ([`SystemResolver`]) in service;
/// tests plug in their own to play DNS tricks.
pub trait Resolve: Send + Sync {
    /// The addresses of `host`.
    fn resolve(&self, host: &str) -> ResolveFuture;
}

/// `getaddrinfo` through tokio's blocking pool: what the operating system would answer,
/// `/etc/hosts` included.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str) -> ResolveFuture {
        let host = host.to_owned();
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

// ---------------------------------------------------------------- the fetcher

/// How the fetcher behaves. Start from [`FetchOptions::default`].
#[derive(Clone)]
#[non_exhaustive]
pub struct FetchOptions {
    /// Networks fetched from although [`forbidden`] refuses them (tests: `127.0.0.0/8`).
    pub allow: Vec<IpNet>,
    /// Time budget of one fetch, redirects included.
    pub timeout: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Body bytes read at most.
    pub max_body_bytes: usize,
    /// The `User-Agent` sent.
    pub user_agent: String,
    /// Certificates trusted besides Mozilla's roots (an operator's private CA).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// How names are resolved.
    pub resolver: Arc<dyn Resolve>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            allow: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            max_redirects: MAX_REDIRECTS,
            max_body_bytes: MAX_BODY_BYTES,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            extra_roots: Vec::new(),
            resolver: Arc::new(SystemResolver),
        }
    }
}

impl fmt::Debug for FetchOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchOptions")
            .field("allow", &self.allow)
            .field("timeout", &self.timeout)
            .field("max_redirects", &self.max_redirects)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("user_agent", &self.user_agent)
            .field("extra_roots", &self.extra_roots.len())
            .finish_non_exhaustive()
    }
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Not a URL.
    #[error("`{url}` is not a URL: {reason}")]
    InvalidUrl {
        /// The text given (bounded).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Not `http` or `https`.
    #[error("scheme `{scheme}` is not fetched (only http and https)")]
    Scheme {
        /// The scheme.
        scheme: String,
    },
    /// The URL carries a user name or password.
    #[error("URLs with credentials are not fetched")]
    Credentials,
    /// Every address of the host is refused.
    #[error("{host} is {why} ({addr}); not fetched")]
    Forbidden {
        /// The host as written in the URL.
        host: String,
        /// The (first) refused address.
        addr: IpAddr,
        /// Why.
        why: Forbidden,
    },
    /// The host is a special-use name ([`special_use_name`]): never on the public internet.
    #[error("{host} is a special-use name that never reaches the public internet; not fetched")]
    ForbiddenName {
        /// The name.
        host: String,
    },
    /// The name did not resolve.
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        /// The name.
        host: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// The name resolved to nothing.
    #[error("{host} has no address")]
    NoAddress {
        /// The name.
        host: String,
    },
    /// No TCP connection could be made.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The (last) address tried.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS handshake failed (certificate, protocol).
    #[error("TLS with {host} failed: {source}")]
    Tls {
        /// The server name.
        host: String,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP exchange failed (a malformed or oversized head, a connection cut short).
    #[error("HTTP exchange failed: {source}")]
    Http {
        /// hyper's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// More than the allowed redirects.
    #[error("more than {max} redirects")]
    TooManyRedirects {
        /// The cap.
        max: usize,
    },
    /// A redirect whose `Location` is missing or not a URL.
    #[error("redirect with a bad Location: {reason}")]
    BadRedirect {
        /// What is wrong.
        reason: String,
    },
    /// The body is bigger than allowed.
    #[error("body larger than {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: usize,
    },
    /// The whole fetch took longer than its budget.
    #[error("no complete answer within {after:?}")]
    Timeout {
        /// The budget.
        after: Duration,
    },
}

impl FetchError {
    /// A short lowercase name, for metrics labels.
    pub fn reason(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl { .. } => "invalid_url",
            FetchError::Scheme { .. } => "scheme",
            FetchError::Credentials => "credentials",
            FetchError::Forbidden { .. } | FetchError::ForbiddenName { .. } => "forbidden",
            FetchError::Resolve { .. } | FetchError::NoAddress { .. } => "resolve",
            FetchError::Connect { .. } => "connect",
            FetchError::Tls { .. } => "tls",
            FetchError::Http { .. } => "http",
            FetchError::TooManyRedirects { .. } => "redirects",
            FetchError::BadRedirect { .. } => "bad_redirect",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Timeout { .. } => "timeout",
        }
    }
}

/// Headers of a script response worth keeping with its version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeptHeaders {
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub cache_control: Option<String>,
}

/// Longest header value kept.
const MAX_KEPT_HEADER_CHARS: usize = 256;

impl KeptHeaders {
    fn of(headers: &HeaderMap) -> Self {
        let get = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(MAX_KEPT_HEADER_CHARS).collect())
        };
        KeptHeaders {
            content_type: get(header::CONTENT_TYPE),
            etag: get(header::ETAG),
            last_modified: get(header::LAST_MODIFIED),
            cache_control: get(header::CACHE_CONTROL),
        }
    }
}

/// A completed fetch (any status).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fetched {
    /// The URL asked for.
    pub url: String,
    /// The URL that answered, after redirects.
    pub final_url: String,
    /// The redirects followed, in order (their targets).
    pub redirects: Vec<String>,
    /// The address that answered.
    pub address: SocketAddr,
    pub status: StatusCode,
    pub headers: KeptHeaders,
    /// The body, at most [`FetchOptions::max_body_bytes`].
    pub body: Bytes,
}

impl Fetched {
    /// sha256 of the body, hex: the body's identity in the store.
    pub fn sha256_hex(&self) -> String {
        sha256_hex(&self.body)
    }

    /// The body's hash as browsers report it in `csp-hash` reports and as SRI writes it:
    /// `sha256-` and the base64 of the sha256 of the body.
    pub fn browser_hash(&self) -> String {
        browser_hash(&self.body)
    }
}

/// sha256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `sha256-BASE64`, the form of a browser's `report-sha256` hash (and of SRI).
pub fn browser_hash(bytes: &[u8]) -> String {
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
    )
}

/// The certificates of a PEM file, to trust besides Mozilla's roots
/// ([`FetchOptions::extra_roots`]).
pub fn read_roots(path: &std::path::Path) -> std::io::Result<Vec<CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject as _;
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(std::io::Error::other(format!(
            "{}: no PEM certificate found",
            path.display()
        )));
    }
    Ok(certs)
}

/// A hash as browsers report it (`sha256-`, `sha384-` or `sha512-` and base64, standard or
/// URL-safe, padding optional: the forms the report parser accepts) in one canonical
/// spelling: the algorithm, `-`, standard base64 with padding. `None` when it is not a hash
/// of the right length.
pub fn canonical_hash(reported: &str) -> Option<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let (alg, b64) = reported.split_once('-')?;
    let len = match alg {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => return None,
    };
    let b64: String = b64
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let bytes = STANDARD_NO_PAD.decode(b64).ok()?;
    (bytes.len() == len).then(|| format!("{alg}-{}", STANDARD.encode(bytes)))
}

/// Whether `body` is what a browser that reported `reported` ran: its hash, in the
/// reported algorithm, is the reported one.
pub fn body_matches(body: &[u8], reported: &str) -> bool {
    use base64::engine::general_purpose::STANDARD;
    let Some(canonical) = canonical_hash(reported) else {
        return false;
    };
    let digest = match canonical.split_once('-').map(|(alg, _)| alg) {
        Some("sha256") => Sha256::digest(body).to_vec(),
        Some("sha384") => sha2::Sha384::digest(body).to_vec(),
        Some("sha512") => sha2::Sha512::digest(body).to_vec(),
        _ => return false,
    };
    canonical.ends_with(&STANDARD.encode(digest))
}

/// The SSRF-safe fetcher; cheap to share (`Arc`).
pub struct Fetcher {
    options: FetchOptions,
    tls: tokio_rustls::TlsConnector,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A connection, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl Fetcher {
    /// A fetcher with `options`. Fails when an extra root is not a usable certificate.
    pub fn new(options: FetchOptions) -> Result<Self, rustls::Error> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in &options.extra_roots {
            roots.add(cert.clone())?;
        }
        let provider = Arc::new(CryptoProvider {
            kx_groups: vec![
                aws_lc_rs::kx_group::X25519MLKEM768,
                aws_lc_rs::kx_group::X25519,
                aws_lc_rs::kx_group::SECP256R1,
                aws_lc_rs::kx_group::SECP384R1,
            ],
            ..aws_lc_rs::default_provider()
        });
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Fetcher {
            options,
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
        })
    }

    /// The options in force.
    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    /// Fetches `url` as a browser on `referer` would load it as a script.
    ///
    /// Any status is a [`Fetched`]; redirects are followed (at most
    /// [`FetchOptions::max_redirects`]), every hop checked.
    pub async fn fetch(&self, url: &str, referer: Option<&str>) -> Result<Fetched, FetchError> {
        let budget = self.options.timeout;
        match tokio::time::timeout(budget, self.follow(url, referer)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout { after: budget }),
        }
    }

    async fn follow(&self, url: &str, referer: Option<&str>) -> Result<Fetched, FetchError> {
        let mut current = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
            url: url.chars().take(200).collect(),
            reason: e.to_string(),
        })?;
        let mut redirects = Vec::new();
        loop {
            let (address, io) = self.connect(&current).await?;
            let response = self.exchange(io, &current, referer).await?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                if let Some(location) = response.headers().get(header::LOCATION) {
                    if redirects.len() >= self.options.max_redirects {
                        return Err(FetchError::TooManyRedirects {
                            max: self.options.max_redirects,
                        });
                    }
                    let location = location.to_str().map_err(|_| FetchError::BadRedirect {
                        reason: "Location is not text".into(),
                    })?;
                    let next = current
                        .join(location)
                        .map_err(|e| FetchError::BadRedirect {
                            reason: format!("{e}"),
                        })?;
                    redirects.push(next.to_string());
                    current = next;
                    continue;
                }
            }
            let headers = KeptHeaders::of(response.headers());
            let limit = self.options.max_body_bytes;
            let declared = response
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > limit as u64) {
                return Err(FetchError::TooLarge { limit });
            }
            let body = match Limited::new(response.into_body(), limit).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    if e.is::<http_body_util::LengthLimitError>() {
                        return Err(FetchError::TooLarge { limit });
                    }
                    return Err(FetchError::Http { source: e });
                }
            };
            return Ok(Fetched {
                url: url.to_owned(),
                final_url: current.to_string(),
                redirects,
                address,
                status,
                headers,
                body,
            });
        }
    }

    /// Checks `url`, resolves its host, and connects to the first permitted address that
    /// answers (with TLS for `https`).
    async fn connect(&self, url: &Url) -> Result<(SocketAddr, Box<dyn Io>), FetchError> {
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(FetchError::Scheme {
                    scheme: other.chars().take(32).collect(),
                })
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Credentials);
        }
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        let (name, addrs) = match url.host() {
            Some(Host::Ipv4(a)) => (a.to_string(), vec![IpAddr::V4(a)]),
            Some(Host::Ipv6(a)) => (a.to_string(), vec![IpAddr::V6(a)]),
            Some(Host::Domain(d)) if special_use_name(d) => {
                return Err(FetchError::ForbiddenName { host: d.to_owned() })
            }
            Some(Host::Domain(d)) => {
                let addrs = self.options.resolver.resolve(d).await.map_err(|source| {
                    FetchError::Resolve {
                        host: d.to_owned(),
                        source,
                    }
                })?;
                (d.to_owned(), addrs)
            }
            None => {
                return Err(FetchError::InvalidUrl {
                    url: url.as_str().chars().take(200).collect(),
                    reason: "no host".into(),
                })
            }
        };
        if addrs.is_empty() {
            return Err(FetchError::NoAddress { host: name });
        }
        // Only the addresses that pass are candidates; the connection goes to one of them,
        // so the check and the connect see the same address.
        let mut refused = None;
        let mut permitted = Vec::new();
        for ip in addrs {
            match check_address(ip, &self.options.allow) {
                Ok(()) => permitted.push(ip),
                Err(why) => {
                    refused.get_or_insert((ip, why));
                }
            }
        }
        if permitted.is_empty() {
            let (addr, why) =
                refused.unwrap_or((IpAddr::V4(Ipv4Addr::UNSPECIFIED), Forbidden::Unspecified));
            return Err(FetchError::Forbidden {
                host: name,
                addr,
                why,
            });
        }
        let mut last_error = None;
        for ip in permitted.into_iter().take(MAX_ADDRESSES_TRIED) {
            let addr = SocketAddr::new(ip, port);
            match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
                Ok(Ok(tcp)) => {
                    let _ = tcp.set_nodelay(true);
                    if !https {
                        return Ok((addr, Box::new(tcp)));
                    }
                    let server_name = match url.host() {
                        Some(Host::Domain(d)) => ServerName::try_from(d.to_owned()),
                        _ => Ok(ServerName::IpAddress(ip.into())),
                    }
                    .map_err(|e| FetchError::Tls {
                        host: name.clone(),
                        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e),
                    })?;
                    let tls = self.tls.connect(server_name, tcp).await.map_err(|source| {
                        FetchError::Tls {
                            host: name.clone(),
                            source,
                        }
                    })?;
                    return Ok((addr, Box::new(tls)));
                }
                Ok(Err(e)) => last_error = Some((addr, e)),
                Err(_) => {
                    last_error = Some((
                        addr,
                        std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"),
                    ))
                }
            }
        }
        let (addr, source) = last_error.unwrap_or_else(|| {
            (
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
                std::io::Error::other("no address tried"),
            )
        });
        Err(FetchError::Connect { addr, source })
    }

    /// One GET on a fresh connection.
    async fn exchange(
        &self,
        io: Box<dyn Io>,
        url: &Url,
        referer: Option<&str>,
    ) -> Result<http::Response<hyper::body::Incoming>, FetchError> {
        let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
            .max_buf_size(MAX_HEAD_BYTES)
            .handshake::<_, Empty<Bytes>>(TokioIo::new(io))
            .await
            .map_err(http_error)?;
        // Ends when the response body is read or dropped (one request per connection).
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => String::new(),
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let same_origin = referer
            .and_then(|r| Url::parse(r).ok())
            .is_some_and(|r| r.origin() == url.origin());
        let mut req = Request::get(path)
            .header(header::HOST, host)
            .header(header::USER_AGENT, self.options.user_agent.as_str())
            .header(header::ACCEPT, "*/*")
            .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            // The body must hash as browsers hash it: no content coding to undo.
            .header(header::ACCEPT_ENCODING, "identity")
            .header("sec-fetch-dest", "script")
            .header("sec-fetch-mode", "no-cors")
            .header(
                "sec-fetch-site",
                if same_origin {
                    "same-origin"
                } else {
                    "cross-site"
                },
            )
            .header(header::CONNECTION, "close")
            .body(Empty::new())
            .map_err(|e| FetchError::InvalidUrl {
                url: url.as_str().chars().take(200).collect(),
                reason: e.to_string(),
            })?;
        if let Some(r) = referer.and_then(|r| HeaderValue::from_str(r).ok()) {
            req.headers_mut().insert(header::REFERER, r);
        }
        sender.send_request(req).await.map_err(http_error)
    }
}

fn http_error(e: hyper::Error) -> FetchError {
    FetchError::Http {
        source: Box::new(e),
    }
}

#[cfg(test)]
mod tests;
