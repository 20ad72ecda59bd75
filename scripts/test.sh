#!/usr/bin/env bash
# Parapet's one test command: what CI runs (.ci/run) and what a developer runs.
#
#   ./scripts/test.sh
#
# On a fresh Debian 12 machine with the Rust toolchain, node/npm and python, it
# installs what the tests need (nginx, Chromium, bgpdump, FRR, GoBGP, ExaBGP and BIRD from Debian, the browser
# script's node modules, aiosmtpd from PyPI, four pinned npm libraries for the classifier's
# corpus slice), then runs, in order:
#   cargo fmt --all -- --check
#   cargo clippy --workspace --all-targets -- -D warnings
#   cargo test --workspace --no-fail-fast   (every test binary runs, all summaries print)
# Installs are skipped when already there, so a second run goes straight to cargo.
# Builds go to CARGO_TARGET_DIR, by default a cache outside the clone, so that
# repeated runs (and CI runs on the same machine) are warm.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

started=$SECONDS
section() {
    printf '\n==== %s  [%ds]\n' "$*" "$((SECONDS - started))"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "test.sh: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

# ---------------------------------------------------------------- system packages
section "System packages (nginx, Chromium, C toolchain, bgpdump, FRR, GoBGP, ExaBGP, BIRD)"
missing=()
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    missing+=(nginx-light)
fi
if [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
fi
if ! command -v cc >/dev/null 2>&1; then
    missing+=(gcc libc6-dev)
fi
# webauthn-rs (access: passkeys and security keys) verifies signatures with OpenSSL:
# openssl-sys links the system library, found through pkg-config.
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists openssl 2>/dev/null; then
    missing+=(pkg-config libssl-dev)
fi
if ! command -v bgpdump >/dev/null 2>&1 && [ ! -x /usr/bin/bgpdump ]; then
    missing+=(bgpdump)
fi
# The route monitor's live tests: FRR's bgpd and GoBGP's gobgpd stream BMP (FRR's bmp
# module ships in the frr package), ExaBGP announces the routes. The tests start both directly; their services are
# never started (policy-rc.d below).
if [ ! -x /usr/lib/frr/bgpd ]; then
    missing+=(frr)
fi
if ! command -v exabgp >/dev/null 2>&1 && [ ! -x /usr/sbin/exabgp ]; then
    missing+=(exabgp)
fi
if [ ! -x /usr/bin/gobgpd ]; then
    missing+=(gobgpd)
fi
# BIRD 2 with RFC 9234 roles sets Only-To-Customer in the route-leak test; the test starts
# `bird -f` with its own config and control socket (birdc, in the same package, reads it).
if [ ! -x /usr/sbin/bird ] || ! command -v birdc >/dev/null 2>&1; then
    missing+=(bird2)
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    # Installing nginx must not start the system's nginx (port 80 may be taken):
    # a temporary policy-rc.d forbids service starts during the install.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
        trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "all present"
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
"$nginx_bin" -v 2>&1
/usr/bin/chromium --version 2>/dev/null || echo "chromium: version unknown"
echo "node $(node --version), npm $(npm --version 2>/dev/null)"

# ---------------------------------------------------------------- node modules
section "Browser test modules (npm ci in tests/browser: playwright-core, oidc-provider, jose)"
# playwright-core drives Debian's Chromium; it never downloads a browser. oidc-provider is
# the real OpenID Provider of the access tests, jose the JWT library of their application.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
browser_dir="$repo/tests/browser"
stamp="$browser_dir/node_modules/.parapet-installed"
want="$(sha256sum "$browser_dir/package-lock.json" | cut -d' ' -f1) node-$(node --version)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "up to date"
else
    (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
fi

# ---------------------------------------------------------------- python modules
section "Python test modules (aiosmtpd: the SMTP server of the email alert tests)"
if python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    echo "present"
else
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'aiosmtpd==1.4.6'
fi

# ---------------------------------------------------------------- classifier corpus slice
section "Classifier corpus slice (npm pack of four pinned libraries, checked against their integrity)"
# tests/classifier_pipeline.rs trains and evaluates on these; bench/corpus.sh keeps them in
# ${PARAPET_CORPUS:-~/.cache/parapet-corpus} and fetches nothing when they are there.
bash "$repo/bench/corpus.sh" js-cookie mustache underscore backbone

# ---------------------------------------------------------------- cargo
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parapet-target}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
echo
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
cargo --version
for component in fmt clippy; do
    if ! cargo "$component" --version >/dev/null 2>&1; then
        echo "test.sh: 'cargo $component' is missing: install it with 'rustup component add ${component/fmt/rustfmt}'" >&2
        exit 1
    fi
done

section "cargo fmt --all -- --check"
cargo fmt --all -- --check

section "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

section "cargo test --workspace --no-fail-fast"
cargo test --workspace --no-fail-fast

section "All checks passed"
