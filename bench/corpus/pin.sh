#!/usr/bin/env bash
# Writes the pinned npm manifest (bench/corpus/npm.tsv) from the registry: for each library
# below, the newest patch release of its most recent minor lines (up to MAX_VERSIONS), the
# first browser build file found in the tarball, and the tarball's integrity as the
# registry publishes it. Run it only to change the corpus; bench/corpus.sh reads the
# manifest it writes and never chooses versions itself.
#
#   bench/corpus/pin.sh > bench/corpus/npm.tsv
set -euo pipefail

MAX_VERSIONS="${MAX_VERSIONS:-8}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# package  min-version  candidate paths inside the tarball (first match wins)
libraries=(
    "jquery 1.11.0 dist/jquery.min.js"
    "lodash 4.0.0 lodash.min.js dist/lodash.min.js"
    "underscore 1.8.0 underscore-min.js"
    "moment 2.10.0 min/moment.min.js"
    "bootstrap 3.3.0 dist/js/bootstrap.min.js"
    "@popperjs/core 2.0.0 dist/umd/popper.min.js"
    "vue 2.5.0 dist/vue.min.js dist/vue.global.prod.js"
    "react 16.0.0 umd/react.production.min.js"
    "react-dom 16.0.0 umd/react-dom.production.min.js"
    "d3 4.0.0 dist/d3.min.js build/d3.min.js"
    "chart.js 2.7.0 dist/chart.umd.js dist/chart.min.js dist/Chart.min.js"
    "axios 0.18.0 dist/axios.min.js"
    "alpinejs 3.0.0 dist/cdn.min.js"
    "swiper 5.0.0 swiper-bundle.min.js js/swiper.min.js"
    "js-cookie 2.0.0 dist/js.cookie.min.js src/js.cookie.js"
    "dompurify 2.0.0 dist/purify.min.js"
    "handlebars 4.0.0 dist/handlebars.min.js"
    "zepto 1.1.0 dist/zepto.min.js"
    "knockout 3.3.0 build/output/knockout-latest.js"
    "backbone 1.2.0 backbone-min.js"
    "mustache 2.0.0 mustache.min.js"
    "clipboard 1.5.0 dist/clipboard.min.js"
    "lazysizes 4.0.0 lazysizes.min.js"
    "sortablejs 1.6.0 Sortable.min.js"
    "cleave.js 1.0.0 dist/cleave.min.js"
    "jquery-validation 1.14.0 dist/jquery.validate.min.js"
    "flatpickr 4.0.0 dist/flatpickr.min.js"
    "hammerjs 2.0.4 hammer.min.js"
    # Dapp libraries: benign code that speaks to browser wallets (accounts, transactions,
    # signatures), the other side of the wallet drainers and clippers among the families.
    "ethers 6.15.0 dist/ethers.umd.min.js"
    "web3 4.14.0 dist/web3.min.js"
    "@metamask/detect-provider 2.0.0 dist/detect-provider.min.js"
    "web3modal 1.9.10 dist/index.js"
    "@ledgerhq/connect-kit 1.1.0 dist/umd/index.js"
)

printf '# package\tversion\tfile in the tarball\ttarball integrity (npm dist.integrity)\n'
for entry in "${libraries[@]}"; do
    read -r pkg min paths <<<"$entry"
    # Newest patch of every minor line at or above min, newest MAX_VERSIONS lines.
    versions="$(npm view "$pkg" versions --json | node -e '
        const [min, max] = process.argv.slice(1);
        const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const key = s => s.split(".").map(Number);
        const cmp = (a, b) => { const x = key(a), y = key(b);
            for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i]; return 0; };
        const lines = new Map();
        for (const s of v.filter(s => /^\d+\.\d+\.\d+$/.test(s) && cmp(s, min) >= 0)) {
            const m = s.split(".").slice(0, 2).join(".");
            if (!lines.has(m) || cmp(s, lines.get(m)) > 0) lines.set(m, s);
        }
        console.log([...lines.values()].sort(cmp).slice(-Number(max)).join(" "));
    ' "$min" "$MAX_VERSIONS")"
    for ver in $versions; do
        rm -f "$work"/*
        (cd "$work" && npm pack "$pkg@$ver" --json --silent >pack.json 2>/dev/null) || continue
        read -r name integrity < <(node -e '
            const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0];
            console.log(p.filename, p.integrity);' "$work/pack.json")
        tgz="$work/$name"
        listing="$(tar -tzf "$tgz")"
        found=""
        for p in $paths; do
            if grep -qx "package/$p" <<<"$listing"; then found="$p"; break; fi
        done
        if [ -n "$found" ]; then
            printf '%s\t%s\t%s\t%s\n' "$pkg" "$ver" "$found" "$integrity"
        else
            echo "pin.sh: $pkg@$ver has none of: $paths" >&2
        fi
    done
done
