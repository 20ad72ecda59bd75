#!/usr/bin/env bash
# Cosmetic variants made by minifiers other than oxc: every npm corpus library is minified by
# terser (compress + mangle) and by esbuild (--minify), and the classifier example's
# `cosmetic` mode reports how many of each the diff judges unchanged, by the normalised hashes
# alone and with its verdict (the name count, then both versions compressed by oxc: cosmetic
# or restructured; docs/scripts-analysis.md, "The diff's verdict"). The oxc variants
# (reprinted; compressed and mangled) are in the same table. oxc's own variants converge
# partly because oxc's compressor is idempotent on its own output; these do not have that
# help, so they are the fair measure.
#
#   bench/cosmetic.sh                   # install the minifiers (first run), minify, report
#   LISTED=3 bench/cosmetic.sh          # and list the differing units of what stays changed
#   BIN_DIR=target/release/examples bench/cosmetic.sh   # a prebuilt classifier example
#   OUT=/tmp/cosmetic.md NOTE="..." bench/cosmetic.sh   # elsewhere, with a line about the run
#
# The minifiers are pinned and installed with npm under CACHE/minifiers; their output goes to
# CACHE/variants/{terser,esbuild}/LIBRARY/VERSION.js (CACHE as in bench/corpus.sh). Writes
# markdown to OUT (bench/results/cosmetic.md) and prints it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
TERSER_VERSION=5.51.2
ESBUILD_VERSION=0.28.2
# Measured only after the normaliser's rules were written: the held-out check. uglify-js was
# held out until 49166a3, whose rule came from its one miss (its first measure, 170 of 179, is
# in docs/scripts-analysis.md); swc was held out until ff0b32a, whose rule came from its
# misses (its first measure, 147 of 179, likewise).
UGLIFY_VERSION=3.19.3
SWC_VERSION=1.16.22
LISTED="${LISTED:-0}"
out="${OUT:-bench/results/cosmetic.md}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parapet-target}"
cache="${PARAPET_CORPUS:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parapet-corpus}"
tools="$cache/minifiers"

bench/corpus.sh >&2
pinned="terser@$TERSER_VERSION esbuild@$ESBUILD_VERSION uglify-js@$UGLIFY_VERSION @swc/core@$SWC_VERSION"
if [ "$(cat "$tools/pinned" 2>/dev/null)" != "$pinned" ]; then
    mkdir -p "$tools"
    # shellcheck disable=SC2086
    npm install --prefix "$tools" --no-audit --no-fund --silent $pinned >&2
    echo "$pinned" >"$tools/pinned"
fi
terser="$tools/node_modules/.bin/terser"
esbuild="$tools/node_modules/.bin/esbuild"
uglify="$tools/node_modules/.bin/uglifyjs"
# swc has no minifying command line of its own: its library's minifySync.
swc_minify='const fs = require("fs");
const out = require(process.argv[1]).minifySync(fs.readFileSync(process.argv[2], "utf8"),
    { compress: true, mangle: true });
fs.writeFileSync(process.argv[3], out.code);'

failed=0
while IFS= read -r f; do
    rel="${f#"$cache/npm/"}"
    for tool in terser esbuild uglify swc; do
        dest="$cache/variants/$tool/$rel"
        [ -s "$dest" ] && continue
        mkdir -p "$(dirname "$dest")"
        case "$tool" in
            terser) cmd=("$terser" "$f" --compress --mangle --output "$dest") ;;
            esbuild) cmd=("$esbuild" "$f" --minify --log-level=error "--outfile=$dest") ;;
            uglify) cmd=("$uglify" "$f" --compress --mangle --output "$dest") ;;
            swc) cmd=(node -e "$swc_minify" "$tools/node_modules/@swc/core" "$f" "$dest") ;;
        esac
        if ! "${cmd[@]}" 2>"$dest.err"; then
            echo "cosmetic.sh: $tool failed on $rel: $(head -c 300 "$dest.err")" >&2
            rm -f "$dest"
            failed=$((failed + 1))
        fi
        rm -f "$dest.err"
    done
done < <(find "$cache/npm" -type f -name '*.js' | sort)

if [ -n "${BIN_DIR:-}" ]; then
    bin="$BIN_DIR"
else
    cargo build --release -p parapet-scripts --example classifier >&2
    bin="$CARGO_TARGET_DIR/release/examples"
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
report="$("$bin/classifier" cosmetic --listed "$LISTED" \
    --variants "terser $TERSER_VERSION (compress, mangle)=$cache/variants/terser" \
    --variants "esbuild $ESBUILD_VERSION (--minify)=$cache/variants/esbuild" \
    --variants "uglify-js $UGLIFY_VERSION (compress, mangle; held out until 49166a3)=$cache/variants/uglify" \
    --variants "swc $SWC_VERSION (minify; held out until ff0b32a)=$cache/variants/swc")"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

{
    echo "# Cosmetic variants judged unchanged by the diff"
    echo
    echo "Written by \`bench/cosmetic.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown). Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $load_before before, $load_after after. Minifier failures: $failed.${NOTE:+ $NOTE}"
    echo
    echo "$report"
} >"$out"
cat "$out"
