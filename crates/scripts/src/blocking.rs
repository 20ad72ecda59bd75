//! Blocking, the negative security model: which scripts a site refuses, the streaming HTML
//! rewriter that neutralises their `<script>` tags as a page passes through the gateway,
//! and the enforced `script-src` policy generated from the scripts an operator approved.
//!
//! A block entry is a script URL, normalised the way the inventory normalises URLs
//! ([`report::normalise`]), or the sha256 of an inline script as CSP spells it
//! (`sha256-BASE64`). The rewriter ([`Rewriter`]) is built on Cloudflare's `lol_html`: it
//! never buffers a page, keeps the page's structure (a blocked tag stays, with
//! `type="parapet/blocked"` and no `src`, so the browser neither fetches nor runs it), and
//! when it cannot go on (its memory bound) it passes the rest of the page through unchanged.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use lol_html::html_content::{ContentType, TextChunk};
use lol_html::send::{Element, HtmlRewriter, Settings};
use lol_html::{element, text, AsciiCompatibleEncoding, MemorySettings};
use sha2::{Digest as _, Sha256};
use url::Url;

use crate::report::{self, UrlPolicy};

/// The `type` a blocked `<script>` gets: not a script type, so browsers skip the element.
pub const BLOCKED_TYPE: &str = "parapet/blocked";
/// The attribute that names what was blocked, for people reading the page's source.
pub const BLOCKED_ATTR: &str = "data-parapet-blocked";
/// The most inline script text held back to hash it; longer scripts pass unhashed (and
/// unblocked), counted as [`Stats::inline_too_long`].
pub const MAX_INLINE_BYTES: usize = 512 * 1024;
/// The most memory `lol_html` may use for one page's pending tokens (a huge unclosed tag or
/// attribute); beyond it the rest of the page passes through unchanged.
pub const MAX_REWRITER_MEMORY: usize = 2 * 1024 * 1024;

/// A site's blocked scripts: URLs and inline hashes.
///
/// A URL entry blocks the script at its host and path whatever the scheme, port and query
/// (`/js/x.js?v=2` is the same script as `/js/x.js`; a blocklist an attacker can step
/// around by adding a query would block nothing). Paths are compared percent-decoded with
/// repeated slashes collapsed, as the servers behind the gateway read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockList {
    /// (host, path) of every URL entry.
    keys: HashSet<(String, String)>,
    hashes: HashSet<String>,
    policy: UrlPolicy,
}

/// What a URL entry matches: its lower-case host and its path, percent-decoded, with
/// repeated slashes collapsed.
fn url_key(url: &Url) -> Option<(String, String)> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some((host, path_key(url.path())))
}

/// A request path as it is compared with blocked paths.
pub fn path_key(path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut out = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    out
}

impl BlockList {
    /// An empty list whose URLs are normalised with `policy` (the site's inventory's).
    pub fn new(policy: UrlPolicy) -> Self {
        BlockList {
            policy,
            ..Default::default()
        }
    }

    /// Adds an entry: `sha256-...` is an inline hash, anything else an absolute
    /// `http(s)` URL. `None` when it is neither.
    pub fn add(&mut self, entry: &str) -> Option<BlockEntry> {
        let e = BlockEntry::parse(entry, self.policy)?;
        match &e {
            BlockEntry::Url(u) => {
                let key = Url::parse(u).ok().as_ref().and_then(url_key)?;
                self.keys.insert(key);
            }
            BlockEntry::Hash(h) => {
                self.hashes.insert(h.clone());
            }
        }
        Some(e)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.hashes.is_empty()
    }

    /// Whether the script at `url` is blocked.
    pub fn blocks_url(&self, url: &Url) -> bool {
        !self.keys.is_empty() && url_key(url).is_some_and(|k| self.keys.contains(&k))
    }

    /// Whether a request for `path` on `host` (lower-case, no port) asks for a blocked
    /// script.
    pub fn blocks_path(&self, host: &str, path: &str) -> bool {
        !self.keys.is_empty() && self.keys.contains(&(host.to_owned(), path_key(path)))
    }

    /// Whether an inline script whose text hashes to `hash` (canonical `sha256-`) is blocked.
    pub fn blocks_hash(&self, hash: &str) -> bool {
        self.hashes.contains(hash)
    }
}

/// One block (or approval) entry, canonical.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockEntry {
    /// A normalised script URL.
    Url(String),
    /// `sha256-` and standard base64 with padding.
    Hash(String),
}

impl BlockEntry {
    /// `sha256-...` (any spelling browsers report) or an absolute `http(s)` URL, normalised
    /// with `policy`; `None` when it is neither.
    pub fn parse(entry: &str, policy: UrlPolicy) -> Option<Self> {
        let entry = entry.trim();
        if entry.starts_with("sha256-") {
            return crate::fetch::canonical_hash(entry).map(BlockEntry::Hash);
        }
        if entry.len() > 4096 {
            return None;
        }
        let url = Url::parse(entry).ok()?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return None;
        }
        report::normalise(url, policy).ok().map(BlockEntry::Url)
    }

    /// The entry as stored and shown.
    pub fn as_str(&self) -> &str {
        match self {
            BlockEntry::Url(s) | BlockEntry::Hash(s) => s,
        }
    }
}

/// The CSP hash of an inline script's text: `sha256-` and base64 of its UTF-8 bytes.
pub fn inline_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// What the rewriter did to one page.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// `<script src>` elements neutralised.
    pub blocked_src: u32,
    /// Inline scripts emptied.
    pub blocked_inline: u32,
    /// Inline scripts too long to hash ([`MAX_INLINE_BYTES`]), passed unchecked.
    pub inline_too_long: u32,
    /// The rewriter gave up (its memory bound); the rest of the page passed unchanged.
    pub failed: bool,
}

/// State the handlers share: the base URL (`<base href>` may change it), the inline text
/// held back, and the counts.
struct Shared {
    base: Url,
    base_set: bool,
    inline: String,
    inline_overflow: bool,
    stats: Stats,
}

type Sink = Box<dyn FnMut(&[u8]) + Send>;

/// Rewrites one HTML page as it streams: feed it chunks with [`Rewriter::chunk`], finish
/// with [`Rewriter::end`]; each returns the bytes ready to send.
pub struct Rewriter {
    html: Option<HtmlRewriter<'static, Sink>>,
    out: Arc<Mutex<Vec<u8>>>,
    shared: Arc<Mutex<Shared>>,
    failed: bool,
}

impl Rewriter {
    /// A rewriter for the page at `page` (its URL resolves relative `src`) in `charset`
    /// (the `Content-Type`'s; UTF-8 when absent). `None` when the charset is not one `lol_html`
    /// can rewrite (not ASCII-compatible, such as UTF-16) or unknown: such pages pass
    /// unchanged.
    pub fn new(list: Arc<BlockList>, page: Url, charset: Option<&str>) -> Option<Self> {
        let encoding = match charset {
            None => encoding_rs::UTF_8,
            Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())?,
        };
        let encoding = AsciiCompatibleEncoding::new(encoding)?;
        let out = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Mutex::new(Shared {
            base: page,
            base_set: false,
            inline: String::new(),
            inline_overflow: false,
            stats: Stats::default(),
        }));
        let mut settings = Settings::new_send()
            .with_encoding(encoding)
            .with_adjust_charset_on_meta_tag(true)
            .with_memory_settings(
                MemorySettings::new()
                    .with_max_allowed_memory_usage(MAX_REWRITER_MEMORY)
                    .with_graceful_bail_out_on_memory_limit_exceeded(true),
            );
        let s = Arc::clone(&shared);
        settings = settings.append_element_content_handler(element!(
            "base[href]",
            move |el: &mut Element<'_, '_>| {
                if let Ok(mut s) = s.lock() {
                    if !s.base_set {
                        s.base_set = true;
                        if let Some(href) = attribute(el, "href") {
                            if let Ok(u) = s.base.join(&href) {
                                s.base = u;
                            }
                        }
                    }
                }
                Ok(())
            }
        ));
        let (s, l) = (Arc::clone(&shared), Arc::clone(&list));
        settings =
            settings.append_element_content_handler(element!("script", move |el: &mut Element<
                '_,
                '_,
            >| {
                let Some(src) = attribute(el, "src")
                    .or_else(|| attribute(el, "href"))
                    .or_else(|| attribute(el, "xlink:href"))
                else {
                    return Ok(());
                };
                let Ok(mut s) = s.lock() else {
                    return Ok(());
                };
                let Ok(url) = s.base.join(&src) else {
                    return Ok(());
                };
                if l.blocks_url(&url) {
                    neutralise(el, url.as_str());
                    s.stats.blocked_src += 1;
                }
                Ok(())
            }));
        if !list.hashes.is_empty() {
            let (s, l) = (Arc::clone(&shared), Arc::clone(&list));
            settings = settings.append_element_content_handler(text!(
                "script",
                move |t: &mut TextChunk<'_>| {
                    if let Ok(mut s) = s.lock() {
                        inline_text(&mut s, &l, t);
                    }
                    Ok(())
                }
            ));
        }
        let o = Arc::clone(&out);
        let sink: Sink = Box::new(move |c: &[u8]| {
            if let Ok(mut o) = o.lock() {
                o.extend_from_slice(c);
            }
        });
        Some(Rewriter {
            html: Some(HtmlRewriter::new(settings, sink)),
            out,
            shared,
            failed: false,
        })
    }

    /// The next chunk of the page; returns the rewritten bytes ready so far.
    pub fn chunk(&mut self, data: &[u8]) -> Vec<u8> {
        let Some(html) = self.html.as_mut() else {
            return data.to_vec();
        };
        if html.write(data).is_err() {
            // The rewriter flushed what it held unchanged (graceful bail-out); the rest of
            // the page passes through as it is.
            self.give_up();
        }
        self.take()
    }

    /// The page has ended; returns the last bytes.
    pub fn end(&mut self) -> Vec<u8> {
        if let Some(html) = self.html.take() {
            if html.end().is_err() {
                self.give_up();
            }
        }
        self.take()
    }

    /// What was done so far.
    pub fn stats(&self) -> Stats {
        let mut st = self.shared.lock().map(|s| s.stats).unwrap_or_default();
        st.failed |= self.failed;
        st
    }

    fn give_up(&mut self) {
        self.html = None;
        self.failed = true;
    }

    fn take(&mut self) -> Vec<u8> {
        self.out
            .lock()
            .map(|mut o| std::mem::take(&mut *o))
            .unwrap_or_default()
    }
}

/// An attribute's value with its character references decoded and surrounding ASCII
/// whitespace removed (what a browser does before resolving a URL); `None` when absent or
/// empty.
fn attribute(el: &Element<'_, '_>, name: &str) -> Option<String> {
    let raw = el.get_attribute(name)?;
    let decoded = html_escape::decode_html_entities(&raw);
    let v = decoded.trim_matches(|c: char| c.is_ascii_whitespace());
    (!v.is_empty()).then(|| v.to_owned())
}

/// Keeps the element (the page's structure) but makes it inert: no source, a type that is
/// not a script's, and what was blocked.
fn neutralise(el: &mut Element<'_, '_>, what: &str) {
    for name in ["src", "href", "xlink:href", "integrity"] {
        el.remove_attribute(name);
    }
    // Names are fixed and valid: these cannot fail.
    let _ = el.set_attribute("type", BLOCKED_TYPE);
    let _ = el.set_attribute(BLOCKED_ATTR, what);
}

/// An inline script's text arrives in chunks: each is held back (removed from the output)
/// until the last, then the whole text is hashed and sent on unchanged, or replaced by a
/// comment when its hash is blocked. Text beyond [`MAX_INLINE_BYTES`] is sent on as it comes.
fn inline_text(s: &mut Shared, list: &BlockList, t: &mut TextChunk<'_>) {
    let last = t.last_in_text_node();
    if s.inline_overflow {
        if last {
            s.inline_overflow = false;
        }
        return;
    }
    s.inline.push_str(t.as_str());
    if s.inline.len() > MAX_INLINE_BYTES {
        t.replace(&s.inline, ContentType::Html);
        s.inline.clear();
        s.stats.inline_too_long += 1;
        s.inline_overflow = !last;
        return;
    }
    if !last {
        t.remove();
        return;
    }
    let text = std::mem::take(&mut s.inline);
    if text.is_empty() {
        return;
    }
    let hash = inline_hash(&text);
    if list.blocks_hash(&hash) {
        s.stats.blocked_inline += 1;
        t.replace(
            &format!("/* blocked by Parapet: {hash} */"),
            ContentType::Html,
        );
    } else {
        t.replace(&text, ContentType::Html);
    }
}

/// How an enforced policy is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CspMode {
    Off,
    ReportOnly,
    Enforce,
}

/// The `script-src` policy allowing exactly the approved scripts: each URL as a source
/// expression (scheme, host, port and path; a query cannot be expressed and is dropped), each
/// hash quoted, and `report-uri` to the site's report endpoint. An empty approval list
/// gives `script-src 'none'`.
pub fn script_src_policy(approved: &[BlockEntry], endpoint: &str) -> String {
    let mut sources: Vec<String> = approved
        .iter()
        .filter_map(|e| match e {
            BlockEntry::Hash(h) => Some(format!("'{h}'")),
            BlockEntry::Url(u) => source_expression(u),
        })
        .collect();
    sources.sort();
    sources.dedup();
    let list = if sources.is_empty() {
        "'none'".to_owned()
    } else {
        sources.join(" ")
    };
    format!("script-src {list}; report-uri {endpoint}")
}

/// A URL as a CSP source expression: characters a policy reserves (`;`, `,`, spaces) are
/// percent-encoded, the query and fragment dropped (CSP matches paths only).
fn source_expression(url: &str) -> Option<String> {
    let mut u = Url::parse(url).ok()?;
    u.set_query(None);
    u.set_fragment(None);
    let s = String::from(u);
    Some(s.replace(';', "%3B").replace(',', "%2C"))
}

#[cfg(test)]
mod tests;
