//! TLS for both sides of the proxy, with hybrid post-quantum key agreement.
//!
//! Both the server (downstream) and client (upstream) configurations use the
//! aws-lc-rs provider with X25519MLKEM768 first in the key-exchange preference,
//! then the classical groups for clients that do not know it. With
//! `require_post_quantum`, the classical groups are removed altogether: a client
//! that cannot do X25519MLKEM768 fails the handshake instead of silently falling
//! back to a key exchange a future quantum computer could break.
//!
//! Client certificates (mTLS): when access applications name a `client_ca`, the server
//! reads each ClientHello first ([`TlsServer::accept`]) and asks for a certificate only on
//! connections whose SNI is a host of such an application, verifying it against those
//! applications' CAs. The certificate is optional in the handshake (the policy decides, so
//! a visitor without one gets the denial page, not a TLS alert); a certificate that does not
//! verify fails the handshake. Other hosts keep the plain configuration and are never asked.
//! After the handshake the chain is checked against each application's CAs alone, once per
//! connection ([`ClientCert::verified_for`]), because one connection may carry requests for
//! several host names (HTTP/2 coalescing, a Host header that differs from the SNI).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use parapet_config::{CertificateFiles, HostPattern, TlsVersion};
use parapet_core::client_cert::{ClientCert, MAX_CERT_NAMES, MAX_CERT_NAME_LEN};
use rustls::crypto::aws_lc_rs::{self as provider, kx_group};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::ClientCertVerifier;
use rustls::server::{ClientHello, ResolvesServerCert, ServerConnection, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;

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
/// SNI, ALPN h2 then http/1.1, no client certificates.
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
    build_server_config(tls, Arc::new(resolver), None)
}

fn build_server_config(
    tls: &parapet_config::Tls,
    resolver: Arc<SniResolver>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
) -> Result<Arc<ServerConfig>, GatewayError> {
    let builder = ServerConfig::builder_with_provider(crypto_provider(tls.require_post_quantum))
        .with_protocol_versions(versions(tls.min_version))
        .map_err(|e| GatewayError::Tls(format!("protocol versions: {e}")))?;
    let builder = match client_verifier {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    // Resumption by stateless tickets (keys rotate; nothing stored per client),
    // and a small cache for TLS 1.2 session ids.
    config.ticketer = provider::Ticketer::new()
        .map_err(|e| GatewayError::Tls(format!("session tickets: {e}")))?;
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(4096);
    Ok(Arc::new(config))
}

/// The CAs of one access application with a `client_ca`, and the hosts it covers.
#[derive(Debug, Clone)]
pub struct ClientCaEntry {
    /// The application's name: what [`ClientCert::verified_for`] lists.
    pub name: Arc<str>,
    pub hosts: Vec<HostPattern>,
    pub certs: Vec<CertificateDer<'static>>,
    /// The PEM file, for errors.
    pub path: PathBuf,
}

impl ClientCaEntry {
    /// One entry per access application that names a `client_ca`.
    pub fn from_config(config: &parapet_config::Config) -> Vec<ClientCaEntry> {
        config
            .access
            .iter()
            .flat_map(|a| &a.apps)
            .filter_map(|app| {
                let ca = app.client_ca.as_ref()?;
                Some(ClientCaEntry {
                    name: Arc::from(app.name.as_str()),
                    hosts: app.hosts.clone(),
                    certs: ca
                        .certs
                        .iter()
                        .map(|c| CertificateDer::from(c.clone()))
                        .collect(),
                    path: ca.path.clone(),
                })
            })
            .collect()
    }
}

/// Server configurations built per set of client-CA groups are cached up to this many; the
/// sets come from the config's host patterns, so only a config with very many overlapping
/// wildcard applications gets near it, and beyond it configurations are built per handshake.
const MAX_CLIENT_AUTH_CONFIGS: usize = 256;

/// Applications that trust the same CAs, verified together.
struct CaGroup {
    names: Vec<Arc<str>>,
    hosts: Vec<HostPattern>,
    certs: Vec<CertificateDer<'static>>,
    /// This group's CAs alone.
    verifier: Arc<dyn ClientCertVerifier>,
}

/// What asking for client certificates needs.
struct ClientAuth {
    tls: parapet_config::Tls,
    resolver: Arc<SniResolver>,
    groups: Vec<CaGroup>,
    /// Server configurations by the groups whose hosts match the SNI.
    configs: Mutex<HashMap<Vec<u16>, Arc<ServerConfig>>>,
}

fn client_verifier(
    certs: &[CertificateDer<'static>],
    tls: &parapet_config::Tls,
    path: &Path,
) -> Result<Arc<dyn ClientCertVerifier>, GatewayError> {
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots.add(cert.clone()).map_err(|e| {
            GatewayError::Tls(format!("{}: bad CA certificate: {e}", path.display()))
        })?;
    }
    WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        crypto_provider(tls.require_post_quantum),
    )
    // The policy decides what a missing certificate means (a sign-in page, a 401), not
    // the handshake.
    .allow_unauthenticated()
    .build()
    .map_err(|e| GatewayError::Tls(format!("{}: client CA: {e}", path.display())))
}

impl ClientAuth {
    /// The configuration for a ClientHello naming `sni`; `None` when no application with
    /// a client CA covers it.
    fn config_for(&self, sni: Option<&str>) -> Option<Arc<ServerConfig>> {
        let sni = sni?;
        let lower;
        let sni = if sni.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = sni.to_ascii_lowercase();
            lower.as_str()
        } else {
            sni
        };
        let key: Vec<u16> = self
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.hosts.iter().any(|h| h.matches(sni)))
            .filter_map(|(i, _)| u16::try_from(i).ok())
            .collect();
        if key.is_empty() {
            return None;
        }
        if let Some(c) = self.configs.lock().ok()?.get(&key) {
            return Some(c.clone());
        }
        let verifier = if let [one] = key[..] {
            self.groups[usize::from(one)].verifier.clone()
        } else {
            let certs: Vec<CertificateDer<'static>> = key
                .iter()
                .flat_map(|&i| self.groups[usize::from(i)].certs.iter().cloned())
                .collect();
            match client_verifier(&certs, &self.tls, Path::new("client_ca")) {
                Ok(v) => v,
                Err(e) => {
                    tracing::error!(error = %e, "cannot build the client certificate verifier");
                    return None;
                }
            }
        };
        let config = match build_server_config(&self.tls, self.resolver.clone(), Some(verifier)) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the TLS configuration with client certificates");
                return None;
            }
        };
        if let Ok(mut m) = self.configs.lock() {
            if m.len() < MAX_CLIENT_AUTH_CONFIGS {
                m.insert(key, config.clone());
            }
        }
        Some(config)
    }

    /// The facts of the peer's certificate, if it sent one.
    fn client_cert(&self, conn: &ServerConnection) -> Option<Arc<ClientCert>> {
        let (end_entity, intermediates) = conn.peer_certificates()?.split_first()?;
        let now = UnixTime::now();
        let verified_for = self
            .groups
            .iter()
            .filter(|g| {
                g.verifier
                    .verify_client_cert(end_entity, intermediates, now)
                    .is_ok()
            })
            .flat_map(|g| g.names.iter().cloned())
            .collect();
        let (common_name, sans) = describe(end_entity);
        let sha256 = {
            use sha2::Digest as _;
            sha2::Sha256::digest(end_entity.as_ref()).into()
        };
        Some(Arc::new(ClientCert::new(
            verified_for,
            common_name,
            sans,
            sha256,
        )))
    }
}

/// The subject's common name and the subject alternative names of a certificate, bounded.
fn describe(cert: &CertificateDer<'_>) -> (Option<String>, Vec<String>) {
    use x509_parser::extensions::GeneralName;
    let Ok((_, parsed)) = x509_parser::parse_x509_certificate(cert.as_ref()) else {
        return (None, Vec::new());
    };
    let keep = |s: &str| (!s.is_empty() && s.len() <= MAX_CERT_NAME_LEN).then(|| s.to_owned());
    let common_name = parsed
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .and_then(keep);
    let mut sans = Vec::new();
    if let Ok(Some(san)) = parsed.subject_alternative_name() {
        for n in san.value.general_names.iter() {
            if sans.len() >= MAX_CERT_NAMES {
                break;
            }
            let name = match n {
                GeneralName::DNSName(d) => keep(d),
                GeneralName::RFC822Name(e) => keep(e),
                GeneralName::URI(u) => keep(u),
                GeneralName::IPAddress(ip) => match ip.len() {
                    4 => <[u8; 4]>::try_from(*ip)
                        .ok()
                        .map(|b| std::net::Ipv4Addr::from(b).to_string()),
                    16 => <[u8; 16]>::try_from(*ip)
                        .ok()
                        .map(|b| std::net::Ipv6Addr::from(b).to_string()),
                    _ => None,
                },
                _ => None,
            };
            sans.extend(name);
        }
    }
    (common_name, sans)
}

/// The server side of TLS for one configuration generation: the plain configuration, and
/// when access applications name client CAs, what asking for client certificates needs.
pub struct TlsServer {
    plain: Arc<ServerConfig>,
    acceptor: tokio_rustls::TlsAcceptor,
    client_auth: Option<ClientAuth>,
}

impl TlsServer {
    /// The server side for `tls`; `client_cas` from [`ClientCaEntry::from_config`].
    pub fn new(
        tls: &parapet_config::Tls,
        state_dir: &Path,
        client_cas: &[ClientCaEntry],
    ) -> Result<Self, GatewayError> {
        let resolver = Arc::new(if tls.certificates.is_empty() {
            SniResolver::load(&[self_signed(state_dir)?])?
        } else {
            SniResolver::load(&tls.certificates)?
        });
        let plain = build_server_config(tls, resolver.clone(), None)?;
        let client_auth = if client_cas.is_empty() {
            None
        } else {
            let mut groups: Vec<CaGroup> = Vec::new();
            for e in client_cas {
                if let Some(g) = groups.iter_mut().find(|g| g.certs == e.certs) {
                    g.names.push(e.name.clone());
                    g.hosts.extend(e.hosts.iter().cloned());
                    continue;
                }
                groups.push(CaGroup {
                    names: vec![e.name.clone()],
                    hosts: e.hosts.clone(),
                    verifier: client_verifier(&e.certs, tls, &e.path)?,
                    certs: e.certs.clone(),
                });
            }
            if groups.len() > usize::from(u16::MAX) {
                return Err(GatewayError::Tls("too many client CAs".into()));
            }
            Some(ClientAuth {
                tls: tls.clone(),
                resolver,
                groups,
                configs: Mutex::new(HashMap::new()),
            })
        };
        Ok(TlsServer {
            acceptor: tokio_rustls::TlsAcceptor::from(plain.clone()),
            plain,
            client_auth,
        })
    }

    /// The TLS handshake on an accepted connection, and the client certificate it carried.
    ///
    /// Without client CAs this is the plain acceptor. With them, the ClientHello is read
    /// first and its SNI chooses the configuration: hosts of applications with a client CA
    /// get one that asks for a certificate, every other host the plain one.
    pub async fn accept<IO>(&self, io: IO) -> io::Result<(TlsStream<IO>, Option<Arc<ClientCert>>)>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let Some(auth) = &self.client_auth else {
            return Ok((self.acceptor.accept(io).await?, None));
        };
        let start =
            tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), io).await?;
        let config = auth.config_for(start.client_hello().server_name());
        let asked = config.is_some();
        let stream = start
            .into_stream(config.unwrap_or_else(|| self.plain.clone()))
            .await?;
        let cert = if asked {
            auth.client_cert(stream.get_ref().1)
        } else {
            None
        };
        Ok((stream, cert))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DnType, KeyPair, SanType};

    fn cert(cn: &str, sans: Vec<SanType>) -> CertificateDer<'static> {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.subject_alt_names = sans;
        p.self_signed(&KeyPair::generate().unwrap())
            .unwrap()
            .der()
            .clone()
    }

    #[test]
    fn certificate_facts_are_read_and_bounded() {
        let c = cert(
            "svc-a",
            vec![
                SanType::DnsName("svc-a.example.net".try_into().unwrap()),
                SanType::Rfc822Name("ops@example.net".try_into().unwrap()),
                SanType::IpAddress("192.0.2.7".parse().unwrap()),
                SanType::URI("spiffe://example.net/svc-a".try_into().unwrap()),
            ],
        );
        let (cn, sans) = describe(&c);
        assert_eq!(cn.as_deref(), Some("svc-a"));
        assert_eq!(
            sans,
            vec![
                "svc-a.example.net",
                "ops@example.net",
                "192.0.2.7",
                "spiffe://example.net/svc-a"
            ]
        );
        // Too long a common name is not kept; too many names are cut at the bound.
        let many = (0..MAX_CERT_NAMES + 5)
            .map(|i| SanType::DnsName(format!("n{i}.example.net").try_into().unwrap()))
            .collect();
        let (cn, sans) = describe(&cert(&"x".repeat(MAX_CERT_NAME_LEN + 1), many));
        assert_eq!(cn, None);
        assert_eq!(sans.len(), MAX_CERT_NAMES);
        // Bytes that are no certificate give no facts, and no panic.
        assert_eq!(
            describe(&CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01])),
            (None, vec![])
        );
    }
}
