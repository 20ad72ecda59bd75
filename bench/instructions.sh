#!/usr/bin/env bash
# User-space instructions per proxied request: Parapet, nginx and haproxy, each run under
# valgrind's callgrind in turn, in front of the same nginx upstream, plain HTTP/1.1
# keep-alive; and Parapet again with gateway.sh's access policy and a signed-in session
# (`parapet-access`), whose difference to plain Parapet is the policy check's cost per
# request. An instruction count does not depend on what else the machine is doing, so it
# separates "our code does more work" from noise in bench/gateway.sh's CPU-second figures.
# It leaves out the kernel (the loopback TCP work every proxy pays alike) and says nothing
# about cache misses or stalls: read it beside gateway.sh, not instead of it.
#
#   bench/instructions.sh                 # writes bench/results/instructions.md
#   DURATION=10 bench/instructions.sh     # longer measured window (default 6 s)
#   PARAPET_BIN=... BENCH_BIN=...         # prebuilt binaries
#
# Everything listens on 127.0.0.1 only; every process started here is stopped at exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-16}
PORT_BASE=${PORT_BASE:-27850}
OUT=${OUT:-$ROOT/bench/results/instructions.md}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

log() { printf '[instructions.sh] %s\n' "$*" >&2; }

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
install_missing "nginx nginx-light" "haproxy haproxy" "valgrind valgrind" "curl curl"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
release_binaries
# PARAPET_REV names a prebuilt PARAPET_BIN's commit when the tree has moved on since.
REV=${PARAPET_REV:-$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)}

start_tmp parapet-instr

UP=$PORT_BASE PROXY=$((PORT_BASE + 1)) ADMIN=$((PORT_BASE + 2))
BODY='parapet bench upstream: a small fixed response of about one hundred bytes, keep-alive on. 0123456'

nginx_conf() { # dir, server block: callgrind follows one process, so no master
    mkdir -p "$1"
    { nginx_head "$1" "master_process off;" && printf '%s\n}\n' "$2"; } >"$1/nginx.conf"
}

nginx_conf "$TMP/upstream" "    server { listen 127.0.0.1:$UP; location / { default_type text/plain; return 200 \"$BODY\n\"; } }"
"$NGINX" -p "$TMP/upstream" -c "$TMP/upstream/nginx.conf" -e "$TMP/upstream/error.log" &
PIDS+=("$!")

nginx_conf "$TMP/nginx" "    upstream origin { server 127.0.0.1:$UP; keepalive 128; keepalive_requests 1000000; }
    server { listen 127.0.0.1:$PROXY;
        location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"

cat >"$TMP/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    http-reuse always
frontend fe
    bind 127.0.0.1:$PROXY
    default_backend be
backend be
    server origin 127.0.0.1:$UP
EOF

mkdir -p "$TMP/parapet/state"
cat >"$TMP/parapet/parapet.toml" <<EOF
[server]
state_dir = "$TMP/parapet/state"
worker_threads = 1

[log]
level = "warn"
access_log = false

[admin]
listen = "127.0.0.1:$ADMIN"

[[listeners]]
name = "plain"
listen = "127.0.0.1:$PROXY"

[[sites]]
name = "bench"
hosts = ["*"]
  [[sites.routes]]
  path = "/"
  upstream = "origin"

[[upstreams]]
name = "origin"
servers = ["127.0.0.1:$UP"]
EOF

# parapet-access: the same Parapet with the access policy of gateway.sh's `parapet-access`
# (lib.sh), every request carrying a signed-in session: the difference to `parapet` is the
# policy check's cost, counted rather than timed.
mkdir -p "$TMP/parapet-access/state"
sed "s#$TMP/parapet/state#$TMP/parapet-access/state#" "$TMP/parapet/parapet.toml" >"$TMP/parapet-access/parapet.toml"
access_policy >>"$TMP/parapet-access/parapet.toml"
ACCESS_COOKIE=$(access_cookie "$BENCH" "$TMP/parapet-access/state")

wait_serving() { # what [curl header arguments]
    local i
    for i in $(seq 1 300); do
        if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${@:2}" "http://127.0.0.1:$PROXY/" || true) == 200 ]]; then
            return 0
        fi
        sleep 0.2
    done
    log "$1 did not serve on port $PROXY"
    return 1
}

RESULTS=$TMP/results.tsv
: >"$RESULTS"
for t in parapet parapet-access nginx haproxy; do
    HEADERS=()
    case $t in
    parapet) cmd=("$PARAPET" serve --config "$TMP/parapet/parapet.toml") ;;
    parapet-access)
        cmd=("$PARAPET" serve --config "$TMP/parapet-access/parapet.toml")
        HEADERS=(-H "Cookie: $ACCESS_COOKIE")
        ;;
    nginx) cmd=("$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log") ;;
    haproxy) cmd=("$HAPROXY" -db -f "$TMP/haproxy.cfg") ;;
    esac
    out=$TMP/$t.callgrind
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "${cmd[@]}" 2>"$TMP/$t.valgrind.log" &
    pid=$!
    PIDS+=("$pid")
    wait_serving "$t" "${HEADERS[@]}"
    "$BENCH" wrk -- -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "${HEADERS[@]}" "http://127.0.0.1:$PROXY/" >/dev/null
    callgrind_control -i on "$pid" >/dev/null
    line=$("$BENCH" wrk -- -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${HEADERS[@]}" "http://127.0.0.1:$PROXY/")
    callgrind_control -i off "$pid" >/dev/null
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    requests=$(grep -o '"requests":[0-9]*' <<<"$line" | cut -d: -f2)
    errors=$(grep -o '"non_2xx_3xx":[0-9]*' <<<"$line" | cut -d: -f2)
    total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }')
    log "$t: $total instructions for $requests requests ($errors not 2xx/3xx)"
    printf '%s\t%s\t%s\t%s\n' "$t" "$total" "$requests" "$errors" >>"$RESULTS"
    {
        echo "### $t"
        echo
        echo '```text'
        # The whole listing is read (no early exit), so that pipefail sees no SIGPIPE.
        callgrind_annotate "$out" 2>/dev/null |
            awk '/^Ir  *file:function/ { on = 1; n = 0; next } on && NF && n < 16 { if (n++) print }' |
            sed -E 's#/root/\.cargo/registry/src/[^/]+/##; s#/rustc/[0-9a-f]+/##; s#'"$ROOT"'/##' |
            # Where the binary or its sources were built is no part of the result: object
            # files by name, sources from their crate folder.
            sed -E 's#\[/[^]]*/([^]/]+)\]#[\1]#g; s#(^|[ (])/[^ :]*/(crates/)#\1\2#' | cut -c1-150
        echo '```'
        echo
    } >>"$TMP/top.md"
done

{
    echo "# User-space instructions per proxied request"
    echo
    echo "Written by \`bench/instructions.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): Parapet $REV (release build), $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $("$HAPROXY" -v 2>&1 | head -n1 | sed 's/ - https.*//'); $(valgrind --version)."
    echo
    echo "Each proxy in turn runs under callgrind, one worker/thread, in front of the same nginx upstream (a ~100-byte response), with $CONNECTIONS keep-alive connections of plain HTTP/1.1 from \`parapet-bench wrk\`; instructions are counted over ${DURATION} s after ${WARMUP} s of warm-up. The count covers the proxy's own code and its libraries, not the kernel. Lower is better."
    echo
    echo "| target | instructions | requests | instructions per request | vs nginx | vs haproxy | not 2xx/3xx |"
    echo "|---|--:|--:|--:|--:|--:|--:|"
    awk -F'\t' '
        { t[NR] = $1; per[$1] = $2 / $3; n[$1] = $3; ins[$1] = $2; err[$1] = $4 }
        END {
            for (i = 1; i <= NR; i++) {
                x = t[i]
                printf "| %s | %d | %d | %.0f | %.2fx | %.2fx | %d |\n", x, ins[x], n[x], per[x], per[x] / per["nginx"], per[x] / per["haproxy"], err[x]
            }
        }' "$RESULTS"
    echo
    awk -F'\t' '{ per[$1] = $2 / $3 } END { if (("parapet" in per) && ("parapet-access" in per)) printf "Access check (a policy of several rules, a signed-in session, a signed identity header to the upstream): %.0f instructions per request over plain Parapet (%.2fx).\n", per["parapet-access"] - per["parapet"], per["parapet-access"] / per["parapet"] }' "$RESULTS"
    echo
    echo "## Where the instructions go (exclusive, top 15 per target)"
    echo
    cat "$TMP/top.md"
} >"$TMP/instructions.md"
mkdir -p "$(dirname "$OUT")"
cp "$TMP/instructions.md" "$OUT"
log "wrote $OUT"
