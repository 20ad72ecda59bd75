//! The learned part of the classifier: an L2-regularised logistic regression over the
//! semantic features of the scored code (from [`signals`](super::signals)) and its
//! node-type 3-grams hashed into [`NGRAM_BUCKETS`] buckets (the syntactic features of JaSt
//! and JStap).
//!
//! Its parameters ship in `learned_model.rs`, written by [`render`] from [`train`]. The
//! trainer is deterministic (full-batch gradient descent from zero, a fixed number of steps,
//! samples in the order given, parameters rounded as printed), so the same corpus always
//! gives the same file: `cargo run --release -p parapet-scripts --example classifier --
//! train` rebuilds it from the npm corpus (`bench/corpus.sh`) and the injected families
//! (`testdata/families`), and `bench/classifier.sh` checks that the shipped file is that
//! rebuild.

use super::classify::{shared_features, Features, N_SHARED};
use super::signals::*;

/// Buckets the node-type 3-grams are hashed into.
pub const NGRAM_BUCKETS: usize = 128;

/// Semantic features, in [`SEMANTIC_NAMES`] order.
pub const N_SEMANTIC: usize = 52;

/// Length of the feature vector: semantic features, then n-gram buckets.
pub const DIM: usize = N_SEMANTIC + NGRAM_BUCKETS;

/// Names of the semantic features (documented in docs/scripts-analysis.md).
pub const SEMANTIC_NAMES: [&str; N_SEMANTIC] = [
    "flow",
    "card_fields",
    "key_or_submit",
    "encode",
    "new_host",
    "lookalike",
    "checkout",
    "eval_decoded",
    "obfuscated",
    "miner",
    "worker_ws",
    "redirect",
    "popup",
    "visitor_check",
    "sink",
    "targeting",
    "harvest",
    "hidden_flow",
    "storage_send",
    "inject",
    "src_attr",
    "decode",
    "dyn_eval",
    "high_entropy",
    "hex_names",
    "timer",
    "listener",
    "location",
    "value_read",
    "websocket",
    "image",
    "beacon",
    "xhr_fetch",
    "wasm_worker",
    "unparsed",
    "size",
    "image_exfil",
    "fake_form",
    "popunder",
    "staging",
    "decoded_loader",
    "hidden_name",
    "hidden_text",
    "built_url",
    "remote_code",
    "gated_loader",
    "clipboard_command",
    "markup_code",
    "covert_channel",
    "hooks_network",
    "wallet_drain",
    "wallet_hook",
];

/// The model's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Intercept.
    pub bias: f64,
    /// One weight per feature, in feature-vector order.
    pub weights: [f64; DIM],
}

/// How the trainer runs: fixed, so that training is reproducible.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// Gradient steps.
    pub steps: usize,
    /// Step size.
    pub rate: f64,
    /// L2 penalty on the weights (not the bias).
    pub l2: f64,
}

/// One training example.
#[derive(Debug, Clone)]
pub struct Example {
    /// Its feature vector.
    pub x: [f64; DIM],
    /// Its label.
    pub malicious: bool,
    /// Its share of the loss (the caller balances classes and scopes with it).
    pub weight: f64,
}

/// The trainer's settings for the shipped model.
pub const TRAIN: TrainOptions = TrainOptions {
    steps: 3000,
    rate: 4.0,
    l2: 1e-3,
};

/// The feature vector of scored code.
pub fn vector(f: &Features) -> [f64; DIM] {
    let s = f.signals;
    let has = |bits: Signals| if s & bits != 0 { 1.0 } else { 0.0 };
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    // The hand model's skimmer semantics first, then signals only this model weighs.
    let own: [f64; N_SEMANTIC - N_SHARED] = [
        has(SRC_STORAGE) * has(SINKS),
        has(SINK_INJECT),
        has(SINK_SRC_ATTR),
        has(DECODE),
        has(DYN_EVAL),
        has(HIGH_ENTROPY),
        has(HEX_NAMES),
        has(TIMER),
        has(LISTENER),
        has(LOCATION),
        has(SRC_VALUE),
        has(SINK_WEBSOCKET),
        has(SINK_IMAGE),
        has(SINK_BEACON),
        has(SINK_XHR | SINK_FETCH),
        has(WASM | WORKER),
        b(f.unparsed),
        // Orders of magnitude of the scored code: 0 for nothing, 1 near a million tokens.
        ((f.tokens as f64).ln_1p() / 14.0).min(1.0),
        // Form data encoded into an image request's URL (Trustwave and Sucuri on image
        // beacon skimmers): pixels of analytics send events, not what users type.
        has(SINK_IMAGE) * has(ENCODE) * has(SRC_FORM | SRC_VALUE),
        // A counterfeit card form drawn by the script, with somewhere to send or listen.
        has(FAKE_FORM) * has(SINKS | LISTENER),
        // `window.open` with the new window hidden behind the page, or the page itself sent
        // away at the same time (pop-unders and tab-unders).
        has(POPUP) * has(FOCUS_SHIFT | REDIRECT),
        // Field values written to web storage in code that also sends (staged skimmers).
        has(STORAGE_WRITE) * has(SRC_VALUE) * has(SINKS),
        // A script or frame injected with a hidden source: decoded (loader stubs hide the
        // URL, and sometimes the `createElement` they call), or read from a CSS custom
        // property the site's stylesheet was given (Sansec on skimmers hiding in CSS).
        has(SINK_INJECT | DECODED_NAME) * has(SINK_SRC_ATTR) * has(DECODE | STYLE_TEXT),
        // A method or property reached by a decoded name.
        has(DECODED_NAME),
        // Base64 literals that hide a URL or code words.
        has(HIDDEN_TEXT),
        // A destination host built at run time, with somewhere to send.
        has(BUILT_URL) * has(SINKS),
        // Generated code run beside a channel that can deliver it (a socket, a request, a
        // data channel): loaders that fetch their code and run it.
        has(DYN_EVAL) * has(SINK_XHR | SINK_FETCH | SINK_WEBSOCKET | SINK_RTC),
        // A script from a host that is not the site's, injected only for visitors who pass
        // user-agent or referrer checks (SocGholish-style loader stubs; injected lures).
        has(SINK_INJECT) * has(SINK_SRC_ATTR) * has(VISITOR_CHECK) * b(!f.new_hosts.is_empty()),
        // A command line put on the clipboard (ClickFix fake CAPTCHAs).
        has(CLIPBOARD) * has(SHELL_COMMAND),
        // Markup written with script inside it (`<svg onload=...>`, a `<script>` body).
        has(MARKUP_CODE),
        // Channels a Content Security Policy's `connect-src` does not govern: WebRTC data
        // channels and resource hints.
        has(SINK_RTC | SINK_HINT),
        // A network API replaced by the script's own function.
        has(HOOK),
        // A browser wallet asked to send or sign, with token call data the script wrote
        // itself (an unlimited approval, a transfer, a permit): what drainers ask for.
        has(WALLET_SPEND) * has(TOKEN_CALL),
        // A network API or a provider's `request` replaced in code that handles wallet
        // spends, token calls or wallet addresses: clippers that rewrite where funds go.
        has(HOOK | REQUEST_HOOK) * has(WALLET_SPEND | TOKEN_CALL | WALLET_ADDRESS),
    ];
    let mut x = [0.0; DIM];
    x[..N_SHARED].copy_from_slice(&shared_features(f));
    x[N_SHARED..N_SEMANTIC].copy_from_slice(&own);
    for (slot, v) in x[N_SEMANTIC..].iter_mut().zip(&f.ngrams) {
        *slot = *v;
    }
    x
}

/// Risk given to code that matches one of [`SIGNATURES`], whatever the model says.
pub const SIGNATURE_RISK: f64 = 0.9;

/// Combinations that public descriptions of skimmers and malvertising name as the attack
/// itself, each with the semantic features (by name) that must all be fully present. The
/// learned model cannot weigh a feature that only one family shows when that family is
/// held out (or is new); these say what such code is without being learned.
pub const SIGNATURES: &[(&str, &[&str])] = &[
    // Trustwave and Sucuri on image-beacon skimmers: form data encoded into the query
    // string of an image request.
    (
        "an image request carrying encoded form data (image-beacon skimmer)",
        &["image_exfil", "harvest"],
    ),
    // Malwarebytes and Sucuri on fake payment forms: a counterfeit card form or frame
    // drawn over checkout, its data sent elsewhere.
    (
        "a counterfeit card form whose data is sent (fake payment form)",
        &["fake_form", "sink"],
    ),
    // Pop-under ad injection: a window opened from a click listener and sent to the back,
    // or the page itself sent away at the same time.
    (
        "a window opened from a listener and hidden behind the page, or the page sent away (pop-under)",
        &["popunder", "popup"],
    ),
    // Sucuri on loader stubs: a checkout-gated script tag whose URL is decoded.
    (
        "a script injected from a decoded URL on checkout pages (loader stub)",
        &["decoded_loader", "checkout"],
    ),
    // Sansec and Jscrambler on staged skimmers: field values kept in web storage, read back
    // and sent to a host that is not the site's.
    (
        "field values staged in web storage and sent to a new host (staged skimmer)",
        &["staging", "storage_send", "new_host"],
    ),
    // Sansec on the WebRTC skimmer, RiskIQ on Grelos: code delivered over a socket or data
    // channel and run, on checkout pages, as the loader stub above runs a script tag.
    (
        "code received over a network channel and run on checkout pages (loader)",
        &["remote_code", "checkout"],
    ),
    // RiskIQ on British Airways and Newegg, Sansec on the skimmers kept in Magento's
    // configuration: on checkout pages only, the card fields' values sent to a host that is
    // not the site's.
    (
        "card field values sent to a new host, on checkout pages only (checkout skimmer)",
        &["flow", "card_fields", "value_read", "new_host", "checkout"],
    ),
    // Check Point, Sophos and Scott Helme on Coinhive in Browsealoud and in compromised
    // site plugins: a hosted miner's script tag put into the page from a host that is not
    // the site's.
    (
        "a cryptominer's script loaded from a new host (cryptojacking)",
        &["miner", "inject", "new_host"],
    ),
    // Proofpoint and Sucuri on ClickFix: a fake check that copies a command line to the
    // clipboard and tells the visitor to paste it into the Run dialog. Nothing benign
    // writes a command that downloads and runs code to a visitor's clipboard.
    (
        "a command line put on the clipboard (fake CAPTCHA, ClickFix)",
        &["clipboard_command"],
    ),
    // Ledger's report and Blockaid's analysis of the Connect Kit compromise (2023), and the
    // reports on Angel and Inferno Drainer: the visitor's wallet asked for token approvals,
    // transfers or permits written into the script, the results reported to the drainer's
    // own server.
    (
        "token approvals or transfers asked of the visitor's wallet and reported to a new host (wallet drainer)",
        &["wallet_drain", "new_host"],
    ),
    // Aikido Security on the September 2025 npm compromise: fetch, XMLHttpRequest or the
    // wallet provider's request wrapped to rewrite wallet addresses and transactions.
    (
        "requests or the wallet provider wrapped where wallet addresses or transactions pass (clipper)",
        &["wallet_hook"],
    ),
];

/// The first signature the features match.
pub fn signature(x: &[f64; DIM]) -> Option<&'static str> {
    let value = |name: &str| {
        SEMANTIC_NAMES
            .iter()
            .position(|n| *n == name)
            .map_or(0.0, |i| x[i])
    };
    SIGNATURES
        .iter()
        .find(|(_, needs)| needs.iter().all(|n| value(n) >= 1.0))
        .map(|(what, _)| *what)
}

impl Model {
    /// The model's probability that the code is malicious.
    pub fn score(&self, x: &[f64; DIM]) -> f64 {
        sigmoid(self.bias + dot(&self.weights, x))
    }

    /// The risk of the code: the model's probability, or [`SIGNATURE_RISK`] when the code
    /// matches a [`SIGNATURES`] entry and the model says less.
    pub fn risk(&self, x: &[f64; DIM]) -> f64 {
        let p = self.score(x);
        if signature(x).is_some() {
            p.max(SIGNATURE_RISK)
        } else {
            p
        }
    }

    /// The semantic features that pushed the score up most, strongest first (at most `n`).
    pub fn strongest(&self, x: &[f64; DIM], n: usize) -> Vec<&'static str> {
        let mut c: Vec<(f64, &'static str)> = SEMANTIC_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| (self.weights[i] * x[i], *name))
            .filter(|(v, _)| *v > 0.0)
            .collect();
        c.sort_by(|a, b| b.0.total_cmp(&a.0));
        c.into_iter().take(n).map(|(_, name)| name).collect()
    }
}

fn dot(w: &[f64; DIM], x: &[f64; DIM]) -> f64 {
    w.iter().zip(x).map(|(w, x)| w * x).sum()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Trains a model on weighted examples. Deterministic: the same examples in the same order
/// give the same parameters, rounded to six decimals as [`render`] prints them.
pub fn train(examples: &[Example], opt: TrainOptions) -> Model {
    let mut m = Model {
        bias: 0.0,
        weights: [0.0; DIM],
    };
    let mut grad = [0.0; DIM];
    for _ in 0..opt.steps {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut grad_bias = 0.0;
        for e in examples {
            let err = (m.score(&e.x) - f64::from(u8::from(e.malicious))) * e.weight;
            grad_bias += err;
            for (g, xi) in grad.iter_mut().zip(&e.x) {
                *g += err * xi;
            }
        }
        m.bias -= opt.rate * grad_bias;
        for (w, g) in m.weights.iter_mut().zip(&grad) {
            *w -= opt.rate * (g + opt.l2 * *w);
        }
    }
    let round = |v: f64| (v * 1e6).round() / 1e6;
    m.bias = round(m.bias);
    m.weights.iter_mut().for_each(|w| *w = round(*w));
    m
}

/// The Rust source of `learned_model.rs` for a model; `about` says what it was trained on.
pub fn render(m: &Model, about: &str) -> String {
    let mut out = String::new();
    out.push_str(
        "//! The shipped classifier model: generated by `cargo run --release -p parapet-scripts \
         --example\n//! classifier -- train`. Do not edit; rebuild (docs/scripts-analysis.md).\n",
    );
    for line in about.lines() {
        out.push_str("//! ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("\nuse super::learned::Model;\n\n");
    out.push_str("/// Logistic regression over the semantic features and node-type 3-grams.\n");
    // Rounded weights can land on a well-known constant (0.392690 is pi/8 to six places).
    out.push_str(
        "#[rustfmt::skip]\n#[allow(clippy::approx_constant)]\npub(crate) const MODEL: Model = Model {\n",
    );
    out.push_str(&format!("    bias: {:.6},\n    weights: [\n", m.bias));
    for (i, name) in SEMANTIC_NAMES.iter().enumerate() {
        out.push_str(&format!("        {:.6}, // {name}\n", m.weights[i]));
    }
    for chunk in m.weights[N_SEMANTIC..].chunks(8) {
        let row: Vec<String> = chunk.iter().map(|w| format!("{w:.6}")).collect();
        out.push_str(&format!("        {},\n", row.join(", ")));
    }
    out.push_str("    ],\n};\n");
    out
}

/// The shipped model.
pub fn shipped() -> &'static Model {
    &super::learned_model::MODEL
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two clusters a line can separate: the trainer finds it, deterministically.
    #[test]
    fn training_separates_and_is_deterministic() {
        let mut samples = Vec::new();
        for i in 0..40 {
            let mut x = [0.0; DIM];
            let malicious = i % 2 == 0;
            x[0] = if malicious { 1.0 } else { 0.0 };
            x[N_SEMANTIC + (i % 7)] = 0.5;
            samples.push(Example {
                x,
                malicious,
                weight: 1.0 / 40.0,
            });
        }
        let opt = TrainOptions {
            steps: 500,
            ..TRAIN
        };
        let a = train(&samples, opt);
        let b = train(&samples, opt);
        assert_eq!(a, b);
        for e in &samples {
            assert_eq!(a.score(&e.x) >= 0.5, e.malicious, "{}", a.score(&e.x));
        }
        assert!(a.weights[0] > 1.0, "{}", a.weights[0]);
        let text = render(&a, "test");
        assert!(text.contains("// flow"));
    }
}
