#!/usr/bin/env bash
# Assembles the npm part of the classifier's corpus: for every line of the pinned manifest
# (bench/corpus/npm.tsv: package, version, browser file, tarball integrity), fetches the
# tarball with `npm pack`, checks it against the pinned integrity, and keeps only the
# browser file, as CACHE/npm/PACKAGE/VERSION.js (a scope's "/" becomes "+").
#
#   bench/corpus.sh                    # every library of the manifest (about 25 MB kept)
#   bench/corpus.sh js-cookie mustache # only these libraries
#
# CACHE is $PARAPET_CORPUS, by default ${XDG_CACHE_HOME:-~/.cache}/parapet-corpus. Files
# already there are kept (they were checked when written), so a second run fetches nothing.
# A tarball whose integrity differs from the pin is an error: nothing of it is kept.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$repo/bench/corpus/npm.tsv"
cache="${PARAPET_CORPUS:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/parapet-corpus}"
mkdir -p "$cache/npm"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

want=" $* "
fetched=0 kept=0 failed=0
while IFS=$'\t' read -r pkg ver file integrity; do
    case "$pkg" in '#'* | '') continue ;; esac
    if [ "$#" -gt 0 ] && [[ "$want" != *" $pkg "* ]]; then
        continue
    fi
    dest="$cache/npm/${pkg//\//+}/$ver.js"
    if [ -s "$dest" ]; then
        kept=$((kept + 1))
        continue
    fi
    rm -f "$work"/*
    if ! (cd "$work" && npm pack "$pkg@$ver" --json --silent >pack.json 2>pack.err); then
        echo "corpus.sh: npm pack $pkg@$ver failed: $(head -c 300 "$work/pack.err")" >&2
        failed=$((failed + 1))
        continue
    fi
    # The tarball's digest, in the registry's "ALG-BASE64" form, against the pin.
    got="$(node -e '
        const fs = require("fs"), crypto = require("crypto");
        const [dir, pinned] = process.argv.slice(1);
        const name = JSON.parse(fs.readFileSync(dir + "/pack.json", "utf8"))[0].filename;
        const alg = pinned.split("-")[0];
        const digest = crypto.createHash(alg).update(fs.readFileSync(dir + "/" + name)).digest("base64");
        console.log(name + "\t" + alg + "-" + digest);' "$work" "$integrity")"
    tgz="$work/${got%%$'\t'*}"
    if [ "${got#*$'\t'}" != "$integrity" ]; then
        echo "corpus.sh: $pkg@$ver: tarball integrity ${got#*$'\t'} is not the pinned $integrity" >&2
        failed=$((failed + 1))
        continue
    fi
    mkdir -p "$(dirname "$dest")"
    tar -xzf "$tgz" -O --warning=no-unknown-keyword "package/$file" >"$dest.tmp"
    mv "$dest.tmp" "$dest"
    fetched=$((fetched + 1))
done <"$manifest"
echo "corpus.sh: $fetched fetched, $kept already in $cache/npm, $failed failed"
[ "$failed" -eq 0 ]
