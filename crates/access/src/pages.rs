//! The pages a visitor sees: sign-in (the application's providers), denied (with the
//! request id; the reason goes to the audit log only) and signed out. Everything that comes
//! from the request or the config is HTML-escaped.

use std::fmt::Write as _;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The pages' one style sheet; the pages' CSP allows it by its hash.
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}\
main{max-width:26rem;margin:12vh auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px #0002}\
h1{font-size:1.3rem;margin-top:0}a.idp,button.idp{display:block;box-sizing:border-box;width:100%;text-align:left;\
font:inherit;background:none;cursor:pointer;padding:.8rem 1rem;margin:.6rem 0;border:1px solid #c9ced8;\
border-radius:8px;text-decoration:none;color:inherit}a.idp:hover,button.idp:hover{background:#eef1f6}\
table{width:100%;border-collapse:collapse;font-size:.9rem}td,th{text-align:left;padding:.3rem .2rem;border-bottom:1px solid #e3e6ec}\
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}#webauthn-status{min-height:1.2rem}\
.rid{color:#677;font-size:.85rem}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><title>{t}</title>\
<style>{STYLE}</style></head>\
<body><main>{body}<p class=\"rid\">Protected by Parapet</p></main></body></html>\n",
        t = escape(title)
    )
}

/// The WebAuthn script, with the page's CSP nonce, and the element it works on.
fn webauthn_block(mode: &str, rd: &str, nonce: &str, button: &str) -> String {
    format!(
        "<div id=\"webauthn\" data-mode=\"{mode}\" data-rd=\"{rd}\">\
<button class=\"idp\" id=\"webauthn-go\" type=\"button\">{button}</button>\
<p id=\"webauthn-status\" role=\"status\"></p></div>\
<script src=\"{src}\" nonce=\"{nonce}\" defer></script>",
        mode = escape(mode),
        rd = escape(rd),
        button = escape(button),
        src = crate::webauthn::SCRIPT_PATH,
        nonce = escape(nonce),
    )
}

/// The sign-in page: one link per provider (`(name, display name)`), each starting the
/// sign-in with `start` (a path with the return URL already encoded), and the passkey
/// button when `passkey` gives the return URL and the script nonce.
pub fn sign_in(
    app: &str,
    providers: &[(&str, &str)],
    passkey: Option<(&str, &str)>,
    start: impl Fn(&str) -> String,
) -> String {
    let mut body = format!("<h1>Sign in to {}</h1>", escape(app));
    if let Some((rd, nonce)) = passkey {
        body.push_str(&webauthn_block(
            "sign-in",
            rd,
            nonce,
            "Sign in with a passkey",
        ));
    }
    if providers.is_empty() && passkey.is_none() {
        body.push_str("<p>No sign-in method is offered for this application.</p>");
    }
    for (name, display) in providers {
        let _ = write!(
            body,
            "<a class=\"idp\" id=\"idp-{n}\" href=\"{href}\">Continue with {d}</a>",
            n = escape(name),
            href = escape(&start(name)),
            d = escape(display)
        );
    }
    page(&format!("Sign in to {app}"), &body)
}

/// A signed-in person's keys (`(label, created, last used)`) and the registration form when
/// `can_register`; `rd` is where the person came from.
pub fn keys(
    who: &str,
    rows: &[(String, String, String)],
    can_register: bool,
    rd: &str,
    nonce: &str,
) -> String {
    let mut body = format!(
        "<h1>Security keys</h1><p>Passkeys and security keys of <b id=\"who\">{}</b>.</p>",
        escape(who)
    );
    if rows.is_empty() {
        body.push_str("<p id=\"no-keys\">None registered yet.</p>");
    } else {
        body.push_str(
            "<table id=\"keys\"><tr><th>Name</th><th>Registered</th><th>Last used</th></tr>",
        );
        for (label, created, used) in rows {
            let _ = write!(
                body,
                "<tr><td class=\"label\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(label),
                escape(created),
                escape(used)
            );
        }
        body.push_str("</table>");
    }
    if can_register {
        body.push_str(
            "<p><label for=\"webauthn-label\">Name of the new key</label>\
<input id=\"webauthn-label\" maxlength=\"64\" value=\"Security key\"></p>",
        );
        body.push_str(&webauthn_block(
            "register",
            rd,
            nonce,
            "Register a security key",
        ));
    } else if rows.is_empty() {
        let _ = write!(
            body,
            "<p id=\"sign-in-again\">Sign in again to register a key: \
<a href=\"{}\">sign out</a> and back in.</p>",
            crate::LOGOUT_PATH
        );
    } else {
        let _ = write!(
            body,
            "<p id=\"step-up-first\">To register another key, <a href=\"{}?rd={}\">use one of \
these</a> first.</p>",
            crate::webauthn::STEP_UP_PATH,
            escape(&crate::encode(&format!(
                "{}?rd={}",
                crate::webauthn::KEYS_PATH,
                crate::encode(rd)
            )))
        );
    }
    let _ = write!(
        body,
        "<p><a href=\"{}\">Back</a></p>",
        escape(crate::session::safe_return(rd))
    );
    page("Security keys", &body)
}

/// The step-up page: this application requires a security key.
pub fn step_up(rd: &str, keys: &str, nonce: &str) -> String {
    let mut body = String::from(
        "<h1>Security key required</h1><p>This application requires a passkey or security key.</p>",
    );
    body.push_str(&webauthn_block("step-up", rd, nonce, "Use my security key"));
    let _ = write!(
        body,
        "<p><a id=\"register-link\" href=\"{}\">Register a key</a></p>",
        escape(keys)
    );
    page("Security key required", &body)
}

/// The denial page: no reason, only the request id to quote to the administrator.
pub fn denied(request_id: &str) -> String {
    page(
        "Access denied",
        &format!(
            "<h1>Access denied</h1><p>You are signed in, but this application does not admit you.</p>\
<p class=\"rid\">Request id: <code id=\"request-id\">{}</code></p>",
            escape(request_id)
        ),
    )
}

/// A sign-in that could not be completed (provider error, state mismatch, expired flow).
pub fn sign_in_failed(request_id: &str, retry: &str) -> String {
    page(
        "Sign-in failed",
        &format!(
            "<h1>Sign-in failed</h1><p>The sign-in could not be completed. <a href=\"{}\">Try again</a>.</p>\
<p class=\"rid\">Request id: <code id=\"request-id\">{}</code></p>",
            escape(retry),
            escape(request_id)
        ),
    )
}

pub fn signed_out() -> String {
    page(
        "Signed out",
        "<h1>Signed out</h1><p>Your session has ended.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_from_outside_is_escaped() {
        let p = sign_in(
            "<app>",
            &[("x\"y", "<b>Corp</b>")],
            Some(("/\"><x", "n")),
            |n| format!("/s?idp={n}&rd=\"/\""),
        );
        assert!(!p.contains("<b>Corp"), "{p}");
        assert!(p.contains("&lt;b&gt;Corp"));
        assert!(p.contains("&amp;rd=&quot;/&quot;"));
        assert!(p.contains("data-rd=\"/&quot;&gt;&lt;x\""), "{p}");
        let k = keys(
            "<ana>",
            &[("<key>".into(), "t".into(), "never".into())],
            true,
            "/",
            "n",
        );
        assert!(!k.contains("<key>") && k.contains("&lt;key&gt;"), "{k}");
        assert!(!k.contains("<ana>"));
        // No inline handlers, no inline script: only the nonce'd script element.
        for page in [&p, &k, &step_up("/", "/k", "n")] {
            assert!(
                !page.contains("onclick") && !page.contains("<script>"),
                "{page}"
            );
        }
        let d = denied("<script>");
        assert!(!d.contains("<script>"));
        assert!(d.contains("&lt;script&gt;"));
    }
}
