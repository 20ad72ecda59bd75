//! OpenID Connect sign-in: discovery, the authorization request (code flow with PKCE,
//! state and nonce), the code exchange and ID token verification against the provider's
//! JWKS, and the userinfo call for claims the ID token leaves out.
//!
//! Built on hyper and jsonwebtoken (aws-lc-rs): the gateway already has both, and the
//! provider is only ever called here, from the callback.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use parapet_config::IdentityProvider;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::AccessError;
use crate::policy::User;

/// Most bytes read from any answer of a provider.
pub const MAX_PROVIDER_RESPONSE_BYTES: usize = 256 * 1024;
/// Time allowed for one call to a provider.
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// Discovery documents and key sets are fetched again after this long.
pub const PROVIDER_CACHE: Duration = Duration::from_secs(3600);
/// A key set is fetched again for an unknown key id at most this often.
const JWKS_REFETCH_MIN: Duration = Duration::from_secs(10);
/// Clock skew allowed between Parapet and the provider.
const LEEWAY_SECS: u64 = 60;
/// Most groups kept from a provider's claim.
pub const MAX_GROUPS: usize = 200;

/// The signature algorithms an ID token may use: asymmetric only. `none` and the HMAC
/// family are never accepted (an HS256 token "signed" with the provider's public key is
/// the classic confusion attack).
const ALLOWED_ALGS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

const PARAPET_USER_AGENT: &str = concat!("parapet/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// One configured provider with its cached discovery and keys.
pub struct Provider {
    pub config: IdentityProvider,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    discovery: Mutex<Option<(Arc<Discovery>, Instant)>>,
    jwks: Mutex<Option<(Arc<JwkSet>, Instant)>>,
}

/// PKCE (RFC 7636): a random verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = B64.encode(rand::random::<[u8; 32]>());
    let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// A random value for `state` or `nonce`.
pub fn random_token() -> String {
    B64.encode(rand::random::<[u8; 24]>())
}

fn tls() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

impl Provider {
    pub fn new(config: IdentityProvider) -> Self {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls())
            .https_or_http()
            .enable_http1()
            .build();
        Provider {
            config,
            client: Client::builder(TokioExecutor::new()).build(connector),
            discovery: Mutex::new(None),
            jwks: Mutex::new(None),
        }
    }

    async fn call(
        &self,
        req: Request<Full<Bytes>>,
    ) -> Result<(http::StatusCode, Bytes), AccessError> {
        let what = req.uri().to_string();
        let exchange = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| AccessError::Provider(format!("{what}: {e}")))?;
            let status = resp.status();
            let body = Limited::new(resp.into_body(), MAX_PROVIDER_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| AccessError::Provider(format!("{what}: body: {e}")))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(PROVIDER_TIMEOUT, exchange)
            .await
            .map_err(|_| {
                AccessError::Provider(format!("{what}: no answer within {PROVIDER_TIMEOUT:?}"))
            })?
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<T, AccessError> {
        let uri: Uri = url
            .parse()
            .map_err(|_| AccessError::Provider(format!("`{url}` is not a URL")))?;
        let mut req = Request::builder()
            .method(Method::GET)
            .uri(uri)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, PARAPET_USER_AGENT);
        if let Some(t) = bearer {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = req
            .body(Full::new(Bytes::new()))
            .map_err(|e| AccessError::Provider(e.to_string()))?;
        let (status, body) = self.call(req).await?;
        if !status.is_success() {
            return Err(AccessError::Provider(format!("{url}: status {status}")));
        }
        serde_json::from_slice(&body).map_err(|e| AccessError::Provider(format!("{url}: {e}")))
    }

    /// The provider's discovery document (cached).
    pub async fn discovery(&self) -> Result<Arc<Discovery>, AccessError> {
        if let Ok(d) = self.discovery.lock() {
            if let Some((d, at)) = d.as_ref() {
                if at.elapsed() < PROVIDER_CACHE {
                    return Ok(d.clone());
                }
            }
        }
        let url = format!("{}/.well-known/openid-configuration", self.config.issuer);
        let d: Discovery = self.get_json(&url, None).await?;
        // OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for.
        if d.issuer.trim_end_matches('/') != self.config.issuer {
            return Err(AccessError::Provider(format!(
                "discovery names issuer `{}`, not `{}`",
                d.issuer, self.config.issuer
            )));
        }
        let d = Arc::new(d);
        if let Ok(mut slot) = self.discovery.lock() {
            *slot = Some((d.clone(), Instant::now()));
        }
        Ok(d)
    }

    /// The authorization request URL.
    pub fn authorize_url(
        &self,
        d: &Discovery,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        challenge: &str,
    ) -> Result<String, AccessError> {
        let mut url = url::Url::parse(&d.authorization_endpoint)
            .map_err(|e| AccessError::Provider(format!("authorization_endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &self.config.scopes.join(" "))
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Exchanges `code` for tokens, verifies the ID token and returns the person.
    pub async fn finish(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
        nonce: &str,
    ) -> Result<User, AccessError> {
        let d = self.discovery().await?;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("code_verifier", verifier)
            .finish();
        // client_secret_basic (RFC 6749 2.3.1): both parts form-encoded first.
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc(&self.config.client_id),
            enc(self.config.client_secret.expose())
        ));
        let uri: Uri = d
            .token_endpoint
            .parse()
            .map_err(|_| AccessError::Provider("token_endpoint is not a URL".into()))?;
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, PARAPET_USER_AGENT)
            .header(AUTHORIZATION, format!("Basic {basic}"))
            .body(Full::new(Bytes::from(form)))
            .map_err(|e| AccessError::Provider(e.to_string()))?;
        let (status, body) = self.call(req).await?;
        let tokens: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| AccessError::Provider(format!("token endpoint ({status}): {e}")))?;
        if !status.is_success() || tokens.error.is_some() {
            return Err(AccessError::Provider(format!(
                "token endpoint refused the code ({status}, {})",
                tokens.error.as_deref().unwrap_or("-")
            )));
        }
        let id_token = tokens
            .id_token
            .ok_or_else(|| AccessError::Provider("token response has no id_token".into()))?;
        let mut claims = self.verify_id_token(&id_token, nonce).await?;
        // Providers often keep email and groups for the userinfo endpoint.
        let wants_more =
            !claims.contains_key("email") || !claims.contains_key(&self.config.groups_claim);
        if let (true, Some(ui), Some(at)) = (
            wants_more,
            d.userinfo_endpoint.as_deref(),
            tokens.access_token.as_deref(),
        ) {
            let info: Map<String, Value> = self.get_json(ui, Some(at)).await?;
            // OpenID Connect Core 5.3.2: userinfo must be about the same subject.
            if info.get("sub") != claims.get("sub") {
                return Err(AccessError::Provider(
                    "userinfo is about another subject".into(),
                ));
            }
            for (k, v) in info {
                claims.entry(k).or_insert(v);
            }
        }
        user_from_claims(&claims, &self.config)
    }

    async fn keys(&self, refresh: bool) -> Result<Arc<JwkSet>, AccessError> {
        if let Ok(k) = self.jwks.lock() {
            if let Some((set, at)) = k.as_ref() {
                let fresh = at.elapsed() < PROVIDER_CACHE;
                if fresh && (!refresh || at.elapsed() < JWKS_REFETCH_MIN) {
                    return Ok(set.clone());
                }
            }
        }
        let d = self.discovery().await?;
        let set: JwkSet = self.get_json(&d.jwks_uri, None).await?;
        let set = Arc::new(set);
        if let Ok(mut slot) = self.jwks.lock() {
            *slot = Some((set.clone(), Instant::now()));
        }
        Ok(set)
    }

    /// Verifies an ID token: an allowed asymmetric algorithm, a key from the provider's
    /// JWKS, issuer, audience (and `azp` when there are several), expiry and nonce.
    pub async fn verify_id_token(
        &self,
        token: &str,
        nonce: &str,
    ) -> Result<Map<String, Value>, AccessError> {
        let bad = |m: String| AccessError::IdToken(m);
        let header = jsonwebtoken::decode_header(token).map_err(|e| bad(format!("header: {e}")))?;
        if !ALLOWED_ALGS.contains(&header.alg) {
            return Err(bad(format!("algorithm {:?} is not allowed", header.alg)));
        }
        let mut set = self.keys(false).await?;
        let mut jwk = find_key(&set, header.kid.as_deref());
        if jwk.is_none() {
            // A key the cached set does not know: the provider may have rotated.
            set = self.keys(true).await?;
            jwk = find_key(&set, header.kid.as_deref());
        }
        let jwk =
            jwk.ok_or_else(|| bad("no key in the provider's JWKS matches the token".into()))?;
        verify_with_jwk(token, &jwk, header.alg, &self.config, nonce)
    }
}

fn find_key(set: &JwkSet, kid: Option<&str>) -> Option<jsonwebtoken::jwk::Jwk> {
    match kid {
        Some(kid) => set.find(kid).cloned(),
        // No key id: only unambiguous with a single signing key.
        None => (set.keys.len() == 1).then(|| set.keys[0].clone()),
    }
}

/// The verification proper, apart from fetching keys (unit-tested with forged tokens).
pub fn verify_with_jwk(
    token: &str,
    jwk: &jsonwebtoken::jwk::Jwk,
    alg: Algorithm,
    config: &IdentityProvider,
    nonce: &str,
) -> Result<Map<String, Value>, AccessError> {
    let bad = |m: String| AccessError::IdToken(m);
    if !ALLOWED_ALGS.contains(&alg) {
        return Err(bad(format!("algorithm {alg:?} is not allowed")));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| bad(format!("key: {e}")))?;
    // The key's own family must be the token's: an RSA key never verifies an EC token.
    if key.family() != alg.family() {
        return Err(bad(format!("algorithm {alg:?} does not fit the key")));
    }
    let mut v = Validation::new(alg);
    v.set_issuer(&[config.issuer.as_str(), &format!("{}/", config.issuer)]);
    v.set_audience(&[config.client_id.as_str()]);
    v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    v.leeway = LEEWAY_SECS;
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &v)
        .map_err(|e| bad(e.to_string()))?;
    let claims = data.claims;
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err(bad("nonce does not match this sign-in".into()));
    }
    if let Some(Value::Array(auds)) = claims.get("aud") {
        if auds.len() > 1
            && claims.get("azp").and_then(Value::as_str) != Some(config.client_id.as_str())
        {
            return Err(bad("several audiences and azp is not this client".into()));
        }
    }
    Ok(claims)
}

/// The person in a provider's claims: `sub`, `email` (only when not marked unverified),
/// groups from the configured claim (a list of strings, or one string).
pub fn user_from_claims(
    claims: &Map<String, Value>,
    config: &IdentityProvider,
) -> Result<User, AccessError> {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or_else(|| AccessError::IdToken("no usable sub".into()))?;
    let verified = claims.get("email_verified").and_then(Value::as_bool) != Some(false);
    let email = claims
        .get("email")
        .and_then(Value::as_str)
        .filter(|e| verified && e.len() <= 320 && e.contains('@'))
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let groups = match claims.get(&config.groups_claim) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|g| !g.is_empty() && g.len() <= 256)
            .take(MAX_GROUPS)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(g)) if !g.is_empty() && g.len() <= 256 => vec![g.clone()],
        _ => Vec::new(),
    };
    Ok(User {
        sub: sub.to_owned(),
        email,
        groups,
        idp: config.name.clone(),
        methods: crate::policy::Methods::oidc(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{EncodingKey, Header};

    fn config() -> IdentityProvider {
        let text = r#"
[[access.idps]]
name = "corp"
issuer = "https://idp.example"
client_id = "parapet"
client_secret = "x"
"#;
        let c = parapet_config::Config::from_str(text, std::path::Path::new("/t.toml")).unwrap();
        c.access.unwrap().idps.remove(0)
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    struct Idp {
        key: EncodingKey,
        jwk: Jwk,
        /// The public key as an RSA-less attacker sees it: bytes anyone can fetch.
        public_bytes: Vec<u8>,
    }

    fn idp() -> Idp {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let key = EncodingKey::from_ec_der(&pair.serialize_der());
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).unwrap();
        jwk.common.key_id = Some("k1".into());
        Idp {
            key,
            jwk,
            public_bytes: pair.public_key_raw().to_vec(),
        }
    }

    fn claims(nonce: &str) -> serde_json::Value {
        serde_json::json!({
            "iss": "https://idp.example",
            "aud": "parapet",
            "sub": "u1",
            "email": "Ana@Example.com",
            "groups": ["eng", "ops"],
            "nonce": nonce,
            "iat": now(),
            "exp": now() + 300,
        })
    }

    fn sign(i: &Idp, c: &serde_json::Value) -> String {
        let mut h = Header::new(Algorithm::ES256);
        h.kid = Some("k1".into());
        jsonwebtoken::encode(&h, c, &i.key).unwrap()
    }

    #[test]
    fn a_genuine_token_verifies_and_maps_to_a_user() {
        let i = idp();
        let t = sign(&i, &claims("n1"));
        let c = verify_with_jwk(&t, &i.jwk, Algorithm::ES256, &config(), "n1").unwrap();
        let u = user_from_claims(&c, &config()).unwrap();
        assert_eq!(u.email, "ana@example.com");
        assert_eq!(u.groups, vec!["eng", "ops"]);
        assert_eq!(u.idp, "corp");
    }

    #[test]
    fn forged_and_wrong_tokens_are_refused() {
        let i = idp();
        let cfg = config();
        let refuse = |t: &str, alg: Algorithm, why: &str| {
            assert!(
                verify_with_jwk(t, &i.jwk, alg, &cfg, "n1").is_err(),
                "{why}"
            );
        };
        // alg: none, unsigned.
        let b64 = |v: &serde_json::Value| B64.encode(serde_json::to_vec(v).unwrap());
        let none = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg": "none", "kid": "k1"})),
            b64(&claims("n1"))
        );
        assert!(jsonwebtoken::decode_header(&none).is_err() || refuse_header(&none));
        refuse(&none, Algorithm::ES256, "alg none presented as ES256");
        // HS256 "signed" with the provider's public key.
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims("n1"),
            &EncodingKey::from_secret(&i.public_bytes),
        )
        .unwrap();
        refuse(&hs, Algorithm::HS256, "HS256 with the public key");
        refuse(&hs, Algorithm::ES256, "HS256 token checked as ES256");
        // Another signer.
        let other = idp();
        refuse(
            &sign(&other, &claims("n1")),
            Algorithm::ES256,
            "another key",
        );
        // Wrong nonce, issuer, audience; expired.
        refuse(&sign(&i, &claims("n2")), Algorithm::ES256, "nonce");
        let mut c = claims("n1");
        c["iss"] = "https://evil.example".into();
        refuse(&sign(&i, &c), Algorithm::ES256, "issuer");
        let mut c = claims("n1");
        c["aud"] = "someone-else".into();
        refuse(&sign(&i, &c), Algorithm::ES256, "audience");
        let mut c = claims("n1");
        c["aud"] = serde_json::json!(["parapet", "other"]);
        refuse(&sign(&i, &c), Algorithm::ES256, "several audiences, no azp");
        let mut c = claims("n1");
        c["exp"] = (now() - 600).into();
        refuse(&sign(&i, &c), Algorithm::ES256, "expired");
        // A tampered payload.
        let t = sign(&i, &claims("n1"));
        let parts: Vec<&str> = t.split('.').collect();
        let mut evil = claims("n1");
        evil["groups"] = serde_json::json!(["admin"]);
        let tampered = format!("{}.{}.{}", parts[0], b64(&evil), parts[2]);
        refuse(&tampered, Algorithm::ES256, "tampered payload");
    }

    /// `alg: none` never reaches a key: the header parser or the allow-list stops it.
    fn refuse_header(t: &str) -> bool {
        match jsonwebtoken::decode_header(t) {
            Ok(h) => !ALLOWED_ALGS.contains(&h.alg),
            Err(_) => true,
        }
    }

    #[test]
    fn unverified_email_and_odd_groups_are_dropped() {
        let cfg = config();
        let mut c: Map<String, Value> = serde_json::from_value(claims("n")).unwrap();
        c.insert("email_verified".into(), false.into());
        c.insert("groups".into(), serde_json::json!("solo"));
        let u = user_from_claims(&c, &cfg).unwrap();
        assert_eq!(u.email, "");
        assert_eq!(u.groups, vec!["solo"]);
        c.insert("groups".into(), serde_json::json!([1, "", "ok", {"x": 1}]));
        assert_eq!(user_from_claims(&c, &cfg).unwrap().groups, vec!["ok"]);
        c.remove("sub");
        assert!(user_from_claims(&c, &cfg).is_err());
    }

    #[test]
    fn pkce_challenge_is_s256_of_the_verifier() {
        let (v, c) = pkce();
        assert!(v.len() >= 43);
        assert_eq!(c, B64.encode(Sha256::digest(v.as_bytes())));
        assert_ne!(random_token(), random_token());
    }
}
