#!/usr/bin/env bash
# Instructions per byte of JavaScript: Parapet's fingerprint plus classify beside oxc's raw
# parse, on the npm corpus of bench/classifier.sh, each run once under valgrind's cachegrind
# (with its branch simulation). An instruction count does not depend on what else the
# machine is doing, so it tells "the analysis does less work" apart from the swings of
# bench/classifier.sh's MB/s on a shared machine. It says nothing about cache misses or
# stalls, and valgrind runs sha256 in software (it does not emulate the SHA extensions the
# sha2 crate uses natively), so sha256's share is listed on its own: read it beside
# classifier.sh's throughput, not instead of it.
#
#   bench/script-instructions.sh                        # writes bench/results/script-instructions.md
#   BIN_DIR=target/release/examples bench/script-instructions.sh   # a prebuilt `throughput`
#   NOTE="..." bench/script-instructions.sh             # a line about the run, in the result
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
OUT="${OUT:-bench/results/script-instructions.md}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parapet-target}"
cache="${PARAPET_CORPUS:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parapet-corpus}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

log() { printf '[script-instructions.sh] %s\n' "$*" >&2; }

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
install_missing "valgrind valgrind"
bench/corpus.sh
if [ -n "${BIN_DIR:-}" ]; then
    bin="$BIN_DIR"
else
    cargo build --release -p parapet-scripts --example throughput
    bin="$CARGO_TARGET_DIR/release/examples"
fi
mapfile -t files < <(find "$cache/npm" -type f -name '*.js' | sort)
bytes=$(cat "${files[@]}" | wc -c)

# One run of `throughput` under cachegrind; prints its totals: instructions, conditional
# branches, their mispredictions, indirect branches, their mispredictions.
count() {
    local name="$1"
    shift
    valgrind --tool=cachegrind --cache-sim=no --branch-sim=yes \
        --cachegrind-out-file="$tmp/$name.out" \
        "$bin/throughput" "${files[@]}" "$@" >/dev/null 2>"$tmp/$name.log"
    cg_annotate --auto=no "$tmp/$name.out" | awk '/PROGRAM TOTALS/ {
        for (i = 1; i <= NF; i++) if ($i ~ /^[0-9,]+$/) { gsub(",", "", $i); printf "%s ", $i }
        print ""; exit }'
}

log "reading the files only (the baseline both runs subtract)"
read -r base_ir base_bc base_bcm base_bi base_bim < <(count base --rounds 0 --only-parse)
log "oxc's raw parse, one round"
read -r parse_ir parse_bc parse_bcm parse_bi parse_bim < <(count parse --rounds 1 --only-parse)
log "fingerprint + classify, one round"
read -r ana_ir ana_bc ana_bcm ana_bi ana_bim < <(count analysis --rounds 1 --only-analysis)

# Instructions in sha256's compression function (software under valgrind).
sha_ir=$(cg_annotate --auto=no "$tmp/analysis.out" | awk '/sha2::sha256::/ {
    n = $1; gsub(",", "", n); s += n } END { printf "%.0f\n", s }')
rev="$(git describe --always --dirty 2>/dev/null || echo unknown)"

per_byte() { awk -v a="$1" -v b="$2" -v n="$bytes" 'BEGIN { printf "%.1f", (a - b) / n }'; }
per_kb() { awk -v a="$1" -v b="$2" -v n="$bytes" 'BEGIN { printf "%.2f", (a - b) / n * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.2f", (a - c) / (b - c) }'; }

{
    echo "# Script analysis: instructions per byte"
    echo
    echo "Written by \`bench/script-instructions.sh\` on $(date -u +%Y-%m-%d), commit $rev."
    echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); valgrind $(valgrind --version | sed 's/valgrind-//')."
    if [ -n "${NOTE:-}" ]; then
        echo
        echo "$NOTE"
    fi
    echo
    echo "The ${#files[@]} files of the npm corpus ($bytes bytes), one round each, under"
    echo "\`valgrind --tool=cachegrind --cache-sim=no --branch-sim=yes\`; a run that only reads the"
    echo "files is subtracted from both. Mispredictions are cachegrind's simulation (a simple"
    echo "predictor, harsher than a real CPU's), useful for before-and-after, not as a rate."
    echo
    echo "| run | instructions per byte | mispredicted branches per kB (conditional + indirect) |"
    echo "|---|---|---|"
    echo "| oxc raw parse | $(per_byte "$parse_ir" "$base_ir") | $(per_kb "$((parse_bcm + parse_bim))" "$((base_bcm + base_bim))") |"
    echo "| fingerprint + classify | $(per_byte "$ana_ir" "$base_ir") | $(per_kb "$((ana_bcm + ana_bim))" "$((base_bcm + base_bim))") |"
    echo "| of which sha256 (software here) | $(per_byte "$sha_ir" 0) | |"
    echo "| fingerprint + classify without sha256 | $(per_byte "$((ana_ir - sha_ir))" "$base_ir") | |"
    echo
    echo "Fingerprint plus classify does $(ratio "$ana_ir" "$parse_ir" "$base_ir") times the instructions of oxc's raw parse;"
    echo "without sha256, $(ratio "$((ana_ir - sha_ir))" "$parse_ir" "$base_ir") times."
    echo
    echo "Functions with the most instructions in fingerprint + classify (inlined code counts"
    echo "for the function it was inlined into):"
    echo
    echo '```text'
    cg_annotate --auto=no "$tmp/analysis.out" | awk '/file:function/ { on = 1; next }
        on && /\(/ { n = $1; gsub(",", "", n); f = $0; sub(/ \[[^]]*\]$/, "", f)
            sub(/^.*  [^ ]*\.(rs|S|c|h):/, "", f); sub(/^.*  \?\?\?:/, "", f); s[f] += n }
        END { for (f in s) printf "%14.0f  %s\n", s[f], f }' | sort -rn | head -15
    echo '```'
} >"$OUT"
cat "$OUT"
