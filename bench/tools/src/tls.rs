//! rustls client configurations for the load tools (aws-lc-rs, as Parapet uses).

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use rustls::client::Resumption;
use rustls::crypto::{aws_lc_rs, CryptoProvider, SupportedKxGroup};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// A key-exchange group the handshake tool can restrict itself to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Group {
    /// Hybrid post-quantum: X25519 + ML-KEM-768.
    X25519mlkem768,
    X25519,
    Secp256r1,
}

impl Group {
    pub fn kx(self) -> &'static dyn SupportedKxGroup {
        match self {
            Group::X25519mlkem768 => aws_lc_rs::kx_group::X25519MLKEM768,
            Group::X25519 => aws_lc_rs::kx_group::X25519,
            Group::Secp256r1 => aws_lc_rs::kx_group::SECP256R1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Group::X25519mlkem768 => "X25519MLKEM768",
            Group::X25519 => "X25519",
            Group::Secp256r1 => "secp256r1",
        }
    }
}

/// Trust exactly the certificates in `ca` (the bench's self-signed certificate).
pub fn roots(ca: &Path) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in
        CertificateDer::pem_file_iter(ca).with_context(|| format!("reading {}", ca.display()))?
    {
        let cert = cert.with_context(|| format!("parsing {}", ca.display()))?;
        roots.add(cert).context("adding CA certificate")?;
    }
    if roots.is_empty() {
        bail!("no certificate in {}", ca.display());
    }
    Ok(roots)
}

/// TLS 1.3 only; `group` restricts key exchange to one group (else rustls' default
/// order, X25519MLKEM768 first); session resumption off so every connection pays a full
/// handshake.
pub fn client_config(
    ca: &Path,
    group: Option<Group>,
    alpn_http1: bool,
) -> Result<Arc<ClientConfig>> {
    let mut provider = aws_lc_rs::default_provider();
    if let Some(g) = group {
        provider.kx_groups = vec![g.kx()];
    }
    let provider: Arc<CryptoProvider> = Arc::new(provider);
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .context("TLS 1.3 with aws-lc-rs")?
        .with_root_certificates(roots(ca)?)
        .with_no_client_auth();
    config.resumption = Resumption::disabled();
    if alpn_http1 {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    Ok(Arc::new(config))
}
