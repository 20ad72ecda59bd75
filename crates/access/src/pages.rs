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

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><title>{t}</title>\
<style>body{{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}}\
main{{max-width:26rem;margin:12vh auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px #0002}}\
h1{{font-size:1.3rem;margin-top:0}}a.idp{{display:block;padding:.8rem 1rem;margin:.6rem 0;border:1px solid #c9ced8;\
border-radius:8px;text-decoration:none;color:inherit}}a.idp:hover{{background:#eef1f6}}\
.rid{{color:#677;font-size:.85rem}}</style></head>\
<body><main>{body}<p class=\"rid\">Protected by Parapet</p></main></body></html>\n",
        t = escape(title)
    )
}

/// The sign-in page: one link per provider (`(name, display name)`), each starting the
/// sign-in with `start` (a path with the return URL already encoded).
pub fn sign_in(app: &str, providers: &[(&str, &str)], start: impl Fn(&str) -> String) -> String {
    let mut body = format!("<h1>Sign in to {}</h1>", escape(app));
    if providers.is_empty() {
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
        let p = sign_in("<app>", &[("x\"y", "<b>Corp</b>")], |n| {
            format!("/s?idp={n}&rd=\"/\"")
        });
        assert!(!p.contains("<b>Corp"), "{p}");
        assert!(p.contains("&lt;b&gt;Corp"));
        assert!(p.contains("&amp;rd=&quot;/&quot;"));
        let d = denied("<script>");
        assert!(!d.contains("<script>"));
        assert!(d.contains("&lt;script&gt;"));
    }
}
