//! TLS for both sides of the proxy, with hybrid post-quantum key agreement.
//!
//! Both the server (downstream) and client (upstream) configurations use the
//! aws-lc-rs provider with X25519MLKEM768 first in the key-exchange preference,
//! then the classical groups for clients that do not know it. With
//! `require_post_quantum`, the classical groups are removed altogether: a client
//! that cannot do X25519MLKEM768 fails the handshake instead of silently falling
//! back to a key exchange a future quantum computer could break.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parapet_config::{CertificateFiles, TlsVersion};
use rustls::crypto::aws_lc_rs::{self as provider, kx_group};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use crate::error::GatewayError;

/// Key-exchange groups in order of preference.
fn kx_groups(require_post_quantum: bool) -> Vec<&'static dyn SupportedKxGroup> {
    if require_post_quantum {
        vec![kx_group::X25519MLKEM768]
    } else {
        vec![
            kx_group::X25519MLKEM768,
            kx_group::X25519,
            kx_group::SECP256R1,
            kx_group::SECP384R1,
        ]
    }
}

fn crypto_provider(require_post_quantum: bool) -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        kx_groups: kx_groups(require_post_quantum),
        ..provider::default_provider()
    })
}

fn versions(min: TlsVersion) -> &'static [&'static rustls::SupportedProtocolVersion] {
    static TLS13_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
    match min {
        TlsVersion::V1_2 => rustls::DEFAULT_VERSIONS,
        TlsVersion::V1_3 => TLS13_ONLY,
    }
}

/// Builds the server configuration for TLS listeners: certificates chosen by
/// SNI, ALPN h2 then http/1.1.
pub fn server_config(
    tls: &parapet_config::Tls,
    state_dir: &Path,
) -> Result<Arc<ServerConfig>, GatewayError> {
    let resolver = if tls.certificates.is_empty() {
        let pair = self_signed(state_dir)?;
        SniResolver::load(&[pair])?
    } else {
        SniResolver::load(&tls.certificates)?
    };
    let mut config = ServerConfig::builder_with_provider(crypto_provider(tls.require_post_quantum))
        .with_protocol_versions(versions(tls.min_version))
        .map_err(|e| GatewayError::Tls(format!("protocol versions: {e}")))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    // Resumption by stateless tickets (keys rotate; nothing stored per client),
    // and a small cache for TLS 1.2 session ids.
    config.ticketer = provider::Ticketer::new()
        .map_err(|e| GatewayError::Tls(format!("session tickets: {e}")))?;
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(4096);
    Ok(Arc::new(config))
}

/// Builds the client configuration Parapet uses towards an upstream pool.
pub fn client_config(tls: &parapet_config::UpstreamTls) -> Result<ClientConfig, GatewayError> {
    let mut roots = RootCertStore::empty();
    match &tls.ca {
        Some(ca) => {
            for cert in read_certs(ca)? {
                roots.add(cert).map_err(|e| {
                    GatewayError::Tls(format!("{}: bad CA certificate: {e}", ca.display()))
                })?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(
        ClientConfig::builder_with_provider(crypto_provider(tls.require_post_quantum))
            .with_protocol_versions(versions(TlsVersion::V1_2))
            .map_err(|e| GatewayError::Tls(format!("protocol versions: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// The name of a negotiated key-exchange group as operators know it
/// (`X25519MLKEM768`, `X25519`, `secp256r1`).
pub fn group_name(group: Option<&'static dyn SupportedKxGroup>) -> &'static str {
    use rustls::NamedGroup as G;
    match group.map(|g| g.name()) {
        None => "none",
        Some(G::X25519MLKEM768) => "X25519MLKEM768",
        Some(G::X25519) => "X25519",
        Some(G::secp256r1) => "secp256r1",
        Some(G::secp384r1) => "secp384r1",
        Some(G::secp521r1) => "secp521r1",
        Some(_) => "other",
    }
}

pub fn version_name(v: Option<rustls::ProtocolVersion>) -> &'static str {
    match v {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
        _ => "other",
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, GatewayError> {
    let pem = fs::read(path).map_err(|e| GatewayError::io(path, e))?;
    let certs = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| GatewayError::io(path, e))?;
    if certs.is_empty() {
        return Err(GatewayError::Tls(format!(
            "{}: no PEM certificate found",
            path.display()
        )));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, GatewayError> {
    let pem = fs::read(path).map_err(|e| GatewayError::io(path, e))?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| GatewayError::io(path, e))?
        .ok_or_else(|| GatewayError::Tls(format!("{}: no PEM private key found", path.display())))
}

/// Chooses the certificate by the name the client asked for (SNI): exact names
/// first, then wildcards, then the first certificate configured.
#[derive(Debug)]
struct SniResolver {
    exact: HashMap<String, Arc<CertifiedKey>>,
    /// `.example.com` for `*.example.com`.
    wildcard: Vec<(String, Arc<CertifiedKey>)>,
    default: Arc<CertifiedKey>,
}

impl SniResolver {
    fn load(pairs: &[CertificateFiles]) -> Result<Self, GatewayError> {
        let provider = provider::default_provider();
        let mut exact = HashMap::new();
        let mut wildcard = Vec::new();
        let mut default = None;
        for pair in pairs {
            let chain = read_certs(&pair.cert)?;
            let key = read_key(&pair.key)?;
            let names = dns_names(&chain[0])
                .map_err(|e| GatewayError::Tls(format!("{}: {e}", pair.cert.display())))?;
            let certified = CertifiedKey::from_der(chain, key, &provider).map_err(|e| {
                GatewayError::Tls(format!(
                    "{} and {}: {e}",
                    pair.cert.display(),
                    pair.key.display()
                ))
            })?;
            let certified = Arc::new(certified);
            for name in names {
                match name.strip_prefix('*') {
                    Some(suffix) => wildcard.push((suffix.to_owned(), certified.clone())),
                    None => {
                        exact.entry(name).or_insert_with(|| certified.clone());
                    }
                }
            }
            default.get_or_insert(certified);
        }
        let default =
            default.ok_or_else(|| GatewayError::Tls("no certificate configured".into()))?;
        Ok(Self {
            exact,
            wildcard,
            default,
        })
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let Some(name) = hello.server_name() else {
            return Some(self.default.clone());
        };
        if let Some(c) = self.exact.get(name) {
            return Some(c.clone());
        }
        // A wildcard covers exactly one label.
        if let Some((_, rest)) = name.split_once('.') {
            let suffix = format!(".{rest}");
            if let Some((_, c)) = self.wildcard.iter().find(|(s, _)| *s == suffix) {
                return Some(c.clone());
            }
        }
        Some(self.default.clone())
    }
}

/// The DNS names (and IP literals) a certificate is valid for, lower-case.
fn dns_names(cert: &CertificateDer<'_>) -> Result<Vec<String>, String> {
    use x509_parser::extensions::GeneralName;
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|e| format!("bad certificate: {e}"))?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = parsed.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => names.push(d.to_ascii_lowercase()),
                GeneralName::IPAddress(ip) => match ip.len() {
                    4 => names.push(
                        std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                    ),
                    16 => names.push(
                        std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                    ),
                    _ => {}
                },
                _ => {}
            }
        }
    }
    if names.is_empty() {
        for cn in parsed.subject().iter_common_name() {
            if let Ok(cn) = cn.as_str() {
                names.push(cn.to_ascii_lowercase());
            }
        }
    }
    Ok(names)
}

/// The self-signed certificate for `localhost` that makes the example config
/// work with nothing else set up. Created on first start, then reused, so that a
/// browser exception the user accepted stays valid across restarts.
fn self_signed(state_dir: &Path) -> Result<CertificateFiles, GatewayError> {
    let dir = state_dir.join("tls");
    let cert: PathBuf = dir.join("self-signed.pem");
    let key: PathBuf = dir.join("self-signed.key");
    if !(cert.exists() && key.exists()) {
        fs::create_dir_all(&dir).map_err(|e| GatewayError::io(&dir, e))?;
        let names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        let generated = rcgen::generate_simple_self_signed(names).map_err(|e| {
            GatewayError::Tls(format!("cannot create a self-signed certificate: {e}"))
        })?;
        write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
        fs::write(&cert, generated.cert.pem()).map_err(|e| GatewayError::io(&cert, e))?;
        tracing::info!(cert = %cert.display(), "created a self-signed certificate for localhost");
    }
    Ok(CertificateFiles::new(cert, key))
}

fn write_private(path: &Path, data: &[u8]) -> Result<(), GatewayError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| GatewayError::io(path, e))?;
    f.write_all(data)
        .map_err(|e: io::Error| GatewayError::io(path, e))
}
