#!/usr/bin/env bash
# The classifier on the full npm corpus: grouped cross-validation (whole libraries and whole
# families held out), a check that the shipped model is exactly what the trainer rebuilds,
# and fingerprint+classify throughput beside oxc's raw parse on the same files. Writes
# bench/results/classifier.md.
#
#   bench/classifier.sh                 # fetch (first run), evaluate, rebuild check, throughput
#   FOLDS=5 ROUNDS=5 bench/classifier.sh
#   BIN_DIR=target/release/examples bench/classifier.sh   # prebuilt classifier and throughput
#   NOTE="..." bench/classifier.sh                           # a line about the run, in the result
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
FOLDS="${FOLDS:-4}"
ROUNDS="${ROUNDS:-3}"
OUT="${OUT:-bench/results/classifier.md}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parapet-target}"
cache="${PARAPET_CORPUS:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parapet-corpus}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

bench/corpus.sh
if [ -n "${BIN_DIR:-}" ]; then
    bin="$BIN_DIR"
else
    cargo build --release -p parapet-scripts --example classifier --example throughput
    bin="$CARGO_TARGET_DIR/release/examples"
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
"$bin/classifier" eval --folds "$FOLDS" >"$tmp/eval.md"
"$bin/classifier" train >"$tmp/model.rs"
if cmp -s "$tmp/model.rs" crates/scripts/src/analysis/learned_model.rs; then
    rebuilt="yes: the trainer's output is byte for byte crates/scripts/src/analysis/learned_model.rs"
else
    rebuilt="NO: the shipped learned_model.rs differs from the rebuild (diff below)"
fi
mapfile -t files < <(find "$cache/npm" -type f -name '*.js' | sort)
"$bin/throughput" "${files[@]}" --rounds "$ROUNDS" >"$tmp/throughput.txt"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

{
    echo "# Skimmer classifier on the npm corpus"
    echo
    echo "Written by \`bench/classifier.sh\` (FOLDS=$FOLDS ROUNDS=$ROUNDS) on $(date -u +%Y-%m-%d)."
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $load_before before, $load_after after."
    if [ -n "${NOTE:-}" ]; then
        echo
        echo "$NOTE"
    fi
    echo
    echo "## Held-out evaluation"
    echo
    cat "$tmp/eval.md"
    echo
    echo "## Shipped model"
    echo
    echo "Rebuilt from the corpus: $rebuilt."
    if [[ "$rebuilt" == NO* ]]; then
        echo
        echo '```diff'
        diff crates/scripts/src/analysis/learned_model.rs "$tmp/model.rs" | head -40 || true
        echo '```'
    fi
    echo
    echo "## Throughput (${#files[@]} npm files, release build)"
    echo
    echo '```text'
    cat "$tmp/throughput.txt"
    echo '```'
} >"$OUT"
cat "$OUT"
