//! `parapet-bench access-cookie`: the session cookie a signed-in browser would carry, for
//! the access phase of `bench/gateway.sh`.
//!
//! It is sealed with the cookie key in Parapet's state directory by the access crate's own
//! code (made there first if Parapet has not started yet), so Parapet opens it, checks it
//! and evaluates the policies on every request exactly as for a browser that signed in
//! through an identity provider; only the sign-in itself is skipped.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use parapet_access::keys::cookie_key;
use parapet_access::policy::{Methods, User};
use parapet_access::session::{CookieKey, Session, SESSION_COOKIE};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Parapet's `server.state_dir`.
    #[arg(long)]
    state_dir: PathBuf,
    /// The host the cookie is for (as Parapet normalises it: lower-case, no port).
    #[arg(long)]
    host: String,
    #[arg(long, default_value = "bench-user")]
    sub: String,
    #[arg(long)]
    email: String,
    /// Comma-separated.
    #[arg(long, default_value = "")]
    groups: String,
    /// The identity provider's name in the config.
    #[arg(long)]
    idp: String,
    /// Seconds the cookie is valid (keep it within the config's `cookie_lifetime`).
    #[arg(long, default_value_t = 3600)]
    lifetime: u64,
}

/// Prints `parapet_access=VALUE`, ready for a `Cookie` header.
pub fn run(a: Args) -> Result<()> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the clock is before 1970")?
        .as_secs();
    let key = CookieKey::new(cookie_key(&a.state_dir).context("the access cookie key")?);
    let session = Session {
        sid: format!("{:032x}", now),
        user: User {
            sub: a.sub,
            email: a.email.to_ascii_lowercase(),
            groups: a
                .groups
                .split(',')
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect(),
            idp: a.idp,
            // As after an OpenID Connect sign-in.
            methods: Methods::oidc(),
        },
        host: a.host,
        auth: now,
        iat: now,
        exp: now + a.lifetime,
        end: now + a.lifetime.max(86_400),
    };
    let value = key
        .seal_session(&session)
        .context("the session does not fit in a cookie")?;
    println!("{SESSION_COOKIE}={value}");
    Ok(())
}
