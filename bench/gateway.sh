#!/usr/bin/env bash
# Gateway benchmark: Parapet against Debian's nginx and haproxy, same machine, same run,
# same upstream. See bench/README.md for what is measured and how to read the ratios.
#
#   bench/gateway.sh                      # everything, ~4-5 minutes after the build
#   DURATION=5 bench/gateway.sh           # shorter runs
#   TARGETS="nginx haproxy" bench/gateway.sh   # without Parapet
#
# Every server listens on 127.0.0.1 only; configs, pids and logs live in a temp dir that is
# removed at exit, and every process started here is killed at exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}        # seconds per measurement
ROUNDS=${ROUNDS:-1}             # every measurement this many times; the report takes the median
LAT_ROUNDS=${LAT_ROUNDS:-$((ROUNDS + 2))}  # fixed-rate latency rounds: a tail is noisier than a mean
WARMUP=${WARMUP:-2}             # seconds of warm-up before each target's first run
CONNECTIONS=${CONNECTIONS:-64}  # wrk keep-alive connections (closed loop)
LAT_CONNECTIONS=${LAT_CONNECTIONS:-32}  # open-loop pool
LAT_SLICE=${LAT_SLICE:-1ms}  # the latency servers take turns this long (DURATION a multiple)
HS_CONCURRENCY=${HS_CONCURRENCY:-16}    # handshakes in flight
RATE=${RATE:-auto}              # open-loop req/s; auto = 25% of the slowest proxy's wrk rate
PROXY_CPU=${PROXY_CPU:-0}       # the proxy under test
LOAD_CPU=${LOAD_CPU:-1}         # load generator and upstream
PORT_BASE=${PORT_BASE:-27800}
# Everything this script runs gets the same high CPU priority (root only), so that other work
# on the machine disturbs the targets less; it is the same for every target.
if ((EUID == 0)); then NICE=${NICE:--19}; else NICE=${NICE:-0}; fi
# parapet-access: Parapet with an access policy of several rules and a signed-in session.
# nginx and haproxy do Parapet's per-request work (forwarding headers, a request id both ways);
# nginx-bare and haproxy-bare are the same processes proxying with nothing added (throughput
# only; they need their base target).
TARGETS=${TARGETS:-"nginx haproxy nginx-bare haproxy-bare parapet parapet-access"}
OUT=${OUT:-$ROOT/bench/results/gateway.md}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

log() { printf '[gateway.sh] %s\n' "$*" >&2; }
wants_parapet() { [[ " $TARGETS " == *" parapet "* || " $TARGETS " == *" parapet-access "* ]]; }
drop_parapet() { TARGETS=$(tr ' ' '\n' <<<"$TARGETS" | grep -v '^parapet' | tr '\n' ' ' || true); }

# --- tools ---------------------------------------------------------------------------
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
install_missing "nginx nginx-light" "haproxy haproxy" "wrk wrk" "openssl openssl" "taskset util-linux" "curl curl"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)

# BENCH_BIN / PARAPET_BIN: prebuilt binaries instead of building them here.
BENCH=${BENCH_BIN:-$TARGET_DIR/release/parapet-bench}
PARAPET=${PARAPET_BIN:-$TARGET_DIR/release/parapet}
if [[ -z ${BENCH_BIN:-} ]]; then
    log "building parapet-bench (release)"
    (cd "$ROOT" && cargo build --release -q -p parapet-bench)
fi
if wants_parapet && [[ -z ${PARAPET_BIN:-} ]]; then
    log "building parapet (release)"
    if ! (cd "$ROOT" && cargo build --release -q -p parapet); then
        log "parapet does not build: measuring nginx and haproxy only"
        drop_parapet
    fi
fi
# The revision the binaries were built from, now, not when the report is written.
# PARAPET_REV names a prebuilt PARAPET_BIN's commit when the tree has moved on since.
PARAPET_REV=${PARAPET_REV:-$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)}

# --- temp dir, processes, cleanup ----------------------------------------------------
start_tmp parapet-bench
# Private copies, so that a rebuild in the same target dir during the run changes nothing.
mkdir -p "$TMP/bin"
cp "$BENCH" "$TMP/bin/parapet-bench"
BENCH=$TMP/bin/parapet-bench
if wants_parapet; then
    if cp "$PARAPET" "$TMP/bin/parapet"; then
        PARAPET=$TMP/bin/parapet
    else
        log "no parapet binary at $PARAPET: measuring without it"
        drop_parapet
    fi
fi

UP=$((PORT_BASE))
NGINX_PLAIN=$((PORT_BASE + 1)) NGINX_TLS=$((PORT_BASE + 2))
HAPROXY_PLAIN=$((PORT_BASE + 3)) HAPROXY_TLS=$((PORT_BASE + 4))
PARAPET_PLAIN=$((PORT_BASE + 5)) PARAPET_TLS=$((PORT_BASE + 6)) PARAPET_ADMIN=$((PORT_BASE + 7))
ACCESS_PLAIN=$((PORT_BASE + 8)) ACCESS_TLS=$((PORT_BASE + 9)) ACCESS_ADMIN=$((PORT_BASE + 10))
NGINX_BARE_PLAIN=$((PORT_BASE + 11)) NGINX_BARE_TLS=$((PORT_BASE + 12))
HAPROXY_BARE_PLAIN=$((PORT_BASE + 13)) HAPROXY_BARE_TLS=$((PORT_BASE + 14))
TWIN_PLAIN=$((PORT_BASE + 15)) TWIN_TLS=$((PORT_BASE + 16))
TWIN_BARE_PLAIN=$((PORT_BASE + 17)) TWIN_BARE_TLS=$((PORT_BASE + 18))
for p in $(seq "$PORT_BASE" $((PORT_BASE + 18))); do
    if ss -Hltn "sport = :$p" | grep -q .; then
        log "port $p is in use; set PORT_BASE"
        exit 1
    fi
done

wait_port() { # port, what
    local i
    for i in $(seq 1 100); do
        if ss -Hltn "sport = :$1" | grep -q .; then return 0; fi
        sleep 0.1
    done
    log "$2 did not listen on port $1"
    return 1
}

# One certificate for all three: ECDSA P-256 for localhost, issued by a throwaway CA (a
# self-signed CA certificate cannot be a server certificate for webpki).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=parapet bench CA" -keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$TMP/key.pem" -out "$TMP/leaf.csr" 2>/dev/null
printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >"$TMP/leaf.ext"
openssl x509 -req -in "$TMP/leaf.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial \
    -days 2 -extfile "$TMP/leaf.ext" -out "$TMP/cert.pem" 2>/dev/null
cat "$TMP/cert.pem" "$TMP/key.pem" >"$TMP/combined.pem"

# --- upstream: nginx, a fixed ~100-byte response -------------------------------------
BODY='parapet bench upstream: a small fixed response of about one hundred bytes, keep-alive on. 0123456'
start_nginx() { # dir -> PID in $STARTED
    nice -n "$NICE" taskset -c "$2" "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/error.log" &
    STARTED=$!
    PIDS+=("$STARTED")
}

mkdir -p "$TMP/upstream"
{
    nginx_head "$TMP/upstream"
    cat <<EOF
    server {
        listen 127.0.0.1:$UP backlog=4096;
        location / { default_type text/plain; return 200 "$BODY\n"; }
    }
}
EOF
} >"$TMP/upstream/nginx.conf"
start_nginx "$TMP/upstream" "$LOAD_CPU"
UP_PID=$STARTED
wait_port "$UP" upstream

# --- proxies -----------------------------------------------------------------------------
declare -A PID PLAIN TLSPORT MLKEM ADMIN
ACCESS_COOKIE=
for t in $TARGETS; do
    case $t in
    nginx)
        d=$TMP/nginx
        mkdir -p "$d"
        {
            nginx_head "$d"
            cat <<EOF
    upstream origin {
        server 127.0.0.1:$UP;
        keepalive 128;
        keepalive_requests 1000000;
    }
    ssl_protocols TLSv1.3;
    ssl_ecdh_curve X25519:prime256v1;
    server {
        listen 127.0.0.1:$NGINX_PLAIN backlog=4096;
        listen 127.0.0.1:$NGINX_TLS ssl backlog=4096;
        ssl_certificate $TMP/cert.pem;
        ssl_certificate_key $TMP/key.pem;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$http_host;
            proxy_set_header Forwarded "for=\$remote_addr;proto=\$scheme;host=\\"\$http_host\\"";
            proxy_set_header X-Request-Id \$request_id;
            add_header X-Request-Id \$request_id always;
        }
    }
    server {
        listen 127.0.0.1:$NGINX_BARE_PLAIN backlog=4096;
        listen 127.0.0.1:$NGINX_BARE_TLS ssl backlog=4096;
        ssl_certificate $TMP/cert.pem;
        ssl_certificate_key $TMP/key.pem;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
        } >"$d/nginx.conf"
        start_nginx "$d" "$PROXY_CPU"
        PID[nginx]=$STARTED PLAIN[nginx]=$NGINX_PLAIN TLSPORT[nginx]=$NGINX_TLS
        PID[nginx-bare]=$STARTED PLAIN[nginx-bare]=$NGINX_BARE_PLAIN TLSPORT[nginx-bare]=$NGINX_BARE_TLS
        # The latency phase's control: a second nginx process, configured the same. What
        # separates it from the first is the measure's own noise (bench/README.md).
        mkdir -p "$TMP/nginx-twin/tmp"
        sed -e "s#$d/#$TMP/nginx-twin/#g" -e "s#127.0.0.1:$NGINX_PLAIN #127.0.0.1:$TWIN_PLAIN #" \
            -e "s#127.0.0.1:$NGINX_TLS #127.0.0.1:$TWIN_TLS #" \
            -e "s#127.0.0.1:$NGINX_BARE_PLAIN #127.0.0.1:$TWIN_BARE_PLAIN #" \
            -e "s#127.0.0.1:$NGINX_BARE_TLS #127.0.0.1:$TWIN_BARE_TLS #" \
            "$d/nginx.conf" >"$TMP/nginx-twin/nginx.conf"
        start_nginx "$TMP/nginx-twin" "$PROXY_CPU"
        PID[nginx-twin]=$STARTED PLAIN[nginx-twin]=$TWIN_PLAIN TLSPORT[nginx-twin]=$TWIN_TLS
        ;;
    haproxy)
        d=$TMP/haproxy
        mkdir -p "$d"
        cat >"$d/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096
    pidfile $d/haproxy.pid
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    http-reuse always
frontend fe
    bind 127.0.0.1:$HAPROXY_PLAIN
    bind 127.0.0.1:$HAPROXY_TLS ssl crt $TMP/combined.pem ssl-min-ver TLSv1.3 curves X25519:P-256
    unique-id-format %{+X}o\\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
    unique-id-header X-Request-Id
    http-request set-header X-Forwarded-For %[src]
    http-request set-header X-Real-IP %[src]
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-Forwarded-Proto http unless { ssl_fc }
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-request set-header Forwarded "for=%[src];proto=https;host=\\"%[req.hdr(host)]\\"" if { ssl_fc }
    http-request set-header Forwarded "for=%[src];proto=http;host=\\"%[req.hdr(host)]\\"" unless { ssl_fc }
    http-after-response set-header X-Request-Id %[unique-id]
    default_backend be
frontend bare
    bind 127.0.0.1:$HAPROXY_BARE_PLAIN
    bind 127.0.0.1:$HAPROXY_BARE_TLS ssl crt $TMP/combined.pem ssl-min-ver TLSv1.3 curves X25519:P-256
    default_backend be
backend be
    server origin 127.0.0.1:$UP
EOF
        nice -n "$NICE" taskset -c "$PROXY_CPU" "$HAPROXY" -db -f "$d/haproxy.cfg" &
        PID[haproxy]=$! PLAIN[haproxy]=$HAPROXY_PLAIN TLSPORT[haproxy]=$HAPROXY_TLS
        PID[haproxy-bare]=$! PLAIN[haproxy-bare]=$HAPROXY_BARE_PLAIN TLSPORT[haproxy-bare]=$HAPROXY_BARE_TLS
        PIDS+=("$!")
        ;;
    parapet | parapet-access)
        d=$TMP/$t
        mkdir -p "$d/state"
        if [[ $t == parapet ]]; then
            plain=$PARAPET_PLAIN tls=$PARAPET_TLS admin=$PARAPET_ADMIN
        else
            plain=$ACCESS_PLAIN tls=$ACCESS_TLS admin=$ACCESS_ADMIN
        fi
        cat >"$d/parapet.toml" <<EOF
[server]
state_dir = "$d/state"
worker_threads = 1

[log]
level = "warn"
access_log = false

[admin]
listen = "127.0.0.1:$admin"

[[listeners]]
name = "plain"
listen = "127.0.0.1:$plain"

[[listeners]]
name = "tls"
listen = "127.0.0.1:$tls"
tls = true

[tls]
min_version = "1.3"
[[tls.certificates]]
cert = "$TMP/cert.pem"
key = "$TMP/key.pem"

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
        if [[ $t == parapet-access ]]; then
            # Every request is covered and goes through all four kinds of policy (lib.sh).
            access_policy >>"$d/parapet.toml"
            ACCESS_COOKIE=$(access_cookie "$BENCH" "$d/state")
        fi
        nice -n "$NICE" taskset -c "$PROXY_CPU" "$PARAPET" serve --config "$d/parapet.toml" 2>"$d/stderr.log" &
        PID[$t]=$! PLAIN[$t]=$plain TLSPORT[$t]=$tls ADMIN[$t]=$admin
        PIDS+=("$!")
        ;;
    nginx-bare | haproxy-bare)
        # Served by the base target's process (its second server or frontend).
        if [[ " $TARGETS " != *" ${t%-bare} "* ]]; then
            log "$t needs ${t%-bare} in TARGETS"
            exit 1
        fi
        ;;
    *)
        log "unknown target $t"
        exit 1
        ;;
    esac
done

ready=()
for t in $TARGETS; do
    ok=1
    cookie=()
    if [[ $t == parapet* ]]; then
        ok=0
        for _ in $(seq 1 100); do
            if curl -fsS -o /dev/null "http://127.0.0.1:${ADMIN[$t]}/healthz" 2>/dev/null; then
                ok=1
                break
            fi
            kill -0 "${PID[$t]}" 2>/dev/null || break
            sleep 0.1
        done
    fi
    if [[ $t == parapet-access ]] && ((ok)); then
        cookie=(-H "Cookie: $ACCESS_COOKIE")
        # The policy is on: without the session the same request is refused.
        code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:${PLAIN[$t]}/" || true)
        if [[ $code != 401 ]]; then
            log "parapet-access answered $code without a session (expected 401)"
            ok=0
        fi
    fi
    # Over TLS the host is 127.0.0.1 (the session's host), which the certificate names too.
    if ((ok)) && wait_port "${PLAIN[$t]}" "$t" && wait_port "${TLSPORT[$t]}" "$t" &&
        body=$(curl -fsS --max-time 5 "${cookie[@]}" "http://127.0.0.1:${PLAIN[$t]}/") && [[ $body == "$BODY" ]] &&
        curl -fsS --max-time 5 -o /dev/null --cacert "$TMP/ca.pem" "${cookie[@]}" \
            "https://127.0.0.1:${TLSPORT[$t]}/"; then
        ready+=("$t")
    else
        log "$t is not serving; it is left out of this run"
        if [[ $t == parapet* ]]; then
            tail -n 20 "$TMP/$t/stderr.log" >&2 || true
        fi
        kill "${PID[$t]}" 2>/dev/null || true
    fi
done
if ((${#ready[@]} == 0)); then
    log "no proxy is serving"
    exit 1
fi
log "proxies: ${ready[*]}; proxy on CPU $PROXY_CPU, load and upstream on CPU $LOAD_CPU"

# --- measurements --------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }'; then
    log "load average $LOAD_BEFORE: other work on this machine will show up as latency"
fi
RESULTS=$TMP/results.jsonl
: >"$RESULTS"
load() { nice -n "$NICE" taskset -c "$LOAD_CPU" "$@"; }
record() { # the JSON line on stdin, echoed to stderr for progress
    tee -a "$RESULTS" >&2
}
headers_of() { # target -> wrk arguments in HEADERS
    HEADERS=()
    if [[ $1 == parapet-access ]]; then HEADERS=(-H "Cookie: $ACCESS_COOKIE"); fi
}
wrk_run() { # target pid url proto
    headers_of "$1"
    load "$BENCH" wrk --pid "$2" --tag "target=$1" --tag "proto=$4" --tag "round=$ROUND" -- \
        -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${HEADERS[@]}" "$3" | record
}

# Each round measures every target once, in turn, so that drift in the machine's load
# touches all of them alike; the report takes the median round of each measurement.
lat_run() { # proto --target NAME,URL,PID ...: the servers in turn, LAT_SLICE at a time
    load "$BENCH" latency "${@:2}" --slice "$LAT_SLICE" --rate "$RATE" --duration "${DURATION}s" \
        --warmup 1s --connections "$LAT_CONNECTIONS" --ca "$TMP/ca.pem" --server-name localhost \
        --tag "proto=$1" --tag "round=$ROUND" | record
}
hs_run() { # target pid port group duration
    load "$BENCH" handshake --addr "127.0.0.1:$3" --server-name localhost --group "$4" \
        --ca "$TMP/ca.pem" --duration "$5" --warmup 1s --concurrency "$HS_CONCURRENCY" \
        --pid "$2" --tag "target=$1" --tag "round=$ROUND"
}
RATE_HOW=$RATE
for round in $(seq 1 "$ROUNDS"); do
    ROUND=$round
    # 1. Closed loop, maximum throughput (wrk), plain and TLS keep-alive; the upstream direct.
    log "round $round/$ROUNDS: throughput (wrk, ${DURATION}s each)"
    if ((round == 1)); then
        load wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$UP/" >/dev/null
    fi
    wrk_run direct "$UP_PID" "http://127.0.0.1:$UP/" plain
    n=${#ready[@]}
    for i in $(seq 0 $((n - 1))); do
        t=${ready[$(((i + round) % n))]}
        if ((round == 1)); then
            headers_of "$t"
            load wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "${HEADERS[@]}" "http://127.0.0.1:${PLAIN[$t]}/" >/dev/null
            load wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "${HEADERS[@]}" "https://127.0.0.1:${TLSPORT[$t]}/" >/dev/null
        fi
        wrk_run "$t" "${PID[$t]}" "http://127.0.0.1:${PLAIN[$t]}/" plain
        wrk_run "$t" "${PID[$t]}" "https://127.0.0.1:${TLSPORT[$t]}/" tls
    done

    # 2. Full TLS 1.3 handshakes. X25519 for everyone; X25519MLKEM768 for Parapet, and for
    #    nginx/haproxy only if their OpenSSL offers it (a 1-second probe in round 1 says).
    log "round $round/$ROUNDS: TLS handshakes (${DURATION}s each)"
    for t in "${ready[@]}"; do
        # Access changes nothing in the handshake: the same TLS stack as plain Parapet; nor
        # do headers for the bare peers.
        [[ $t == parapet-access || $t == *-bare ]] && continue
        hs_run "$t" "${PID[$t]}" "${TLSPORT[$t]}" x25519 "${DURATION}s" | record
        if [[ $t != parapet && round -eq 1 ]]; then
            probe=$(hs_run "$t" "${PID[$t]}" "${TLSPORT[$t]}" x25519mlkem768 1s)
            if grep -q '"handshakes":0,' <<<"$probe"; then
                log "$t: no X25519MLKEM768 (its OpenSSL does not offer it)"
                printf '%s\n' "$probe" | sed 's/"mode":"handshake"/"mode":"handshake-unsupported"/' | record
                MLKEM[$t]=0
            else
                MLKEM[$t]=1
            fi
        fi
        if [[ $t == parapet || ${MLKEM[$t]:-0} == 1 ]]; then
            hs_run "$t" "${PID[$t]}" "${TLSPORT[$t]}" x25519mlkem768 "${DURATION}s" | record
        fi
    done
done

# 3. Open loop at one fixed rate for everyone: 25% of the slowest proxy's throughput. A p99
#    is set by the worst 1% of a run, so a single stall of the host decides it; more rounds,
#    each starting with another target, keep one unlucky run from deciding the comparison.
if [[ $RATE == auto ]]; then
    slowest=$(grep -v '"target":"direct"' "$RESULTS" | grep -o '"requests_per_s":[0-9.]*' |
        cut -d: -f2 | sort -g | head -n1)
    RATE=$(awk -v r="${slowest:-2000}" 'BEGIN { x = int(r / 4 / 500) * 500; if (x < 500) x = 500; print x }')
fi
# The servers of the latency phase: access and the bare peers would repeat their base target;
# the nginx twin is the control.
latency_targets=()
for t in "${ready[@]}"; do
    [[ $t == parapet-access || $t == *-bare ]] && continue
    latency_targets+=("$t")
    if [[ $t == nginx ]] && curl -fsS --max-time 5 -o /dev/null "http://127.0.0.1:$TWIN_PLAIN/" &&
        curl -fsS --max-time 5 -o /dev/null --cacert "$TMP/ca.pem" "https://127.0.0.1:$TWIN_TLS/"; then
        latency_targets+=(nginx-twin)
    fi
done
for round in $(seq 1 "$LAT_ROUNDS"); do
    ROUND=$round
    log "latency round $round/$LAT_ROUNDS: fixed rate $RATE req/s (${DURATION}s each, in ${LAT_SLICE} slices)"
    n=${#latency_targets[@]}
    for proto in plain tls; do
        servers=()
        if [[ $proto == plain ]]; then servers+=(--target "direct,http://127.0.0.1:$UP/,$UP_PID"); fi
        for i in $(seq 0 $((n - 1))); do
            t=${latency_targets[$(((i + round) % n))]}
            if [[ $proto == plain ]]; then
                servers+=(--target "$t,http://127.0.0.1:${PLAIN[$t]}/,${PID[$t]}")
            else
                servers+=(--target "$t,https://127.0.0.1:${TLSPORT[$t]}/,${PID[$t]}")
            fi
        done
        lat_run "$proto" "${servers[@]}"
    done
done

# 4. Peak memory after all of the above.
load "$BENCH" proc --pid "$UP_PID" --tag target=direct | record
for t in "${ready[@]}"; do
    [[ $t == *-bare ]] && continue # the base target's process
    load "$BENCH" proc --pid "${PID[$t]}" --tag "target=$t" | record
done

# 5. Access: every measured request must have been granted with a signed identity (the
#    allow counter counts grants; the warm-up's are in it too), or the figures are not
#    what they claim.
ACCESS_CHECK=
if [[ " ${ready[*]} " == *" parapet-access "* ]]; then
    granted=$(curl -fsS --max-time 5 "http://127.0.0.1:${ADMIN[parapet-access]}/metrics" |
        awk '/^parapet_access_decisions_total\{/ && /decision="allow"/ { s += $NF } END { printf "%d", s }')
    measured=$(grep '"mode":"wrk"' "$RESULTS" | grep '"target":"parapet-access"' |
        grep -o '"requests":[0-9]*' | cut -d: -f2 | awk '{ s += $1 } END { printf "%d", s }')
    ACCESS_CHECK="access: $granted requests granted with a signed identity header (admin /metrics, warm-up included) for $measured measured"
    if ((granted < measured)); then
        ACCESS_CHECK="$ACCESS_CHECK; **fewer grants than requests: the access rows are not valid**"
    fi
    log "$ACCESS_CHECK"
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------------------
version() { "$@" 2>&1 | head -n1; }
{
    echo "# Gateway benchmark: Parapet, nginx, haproxy"
    echo
    echo "Written by \`bench/gateway.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). See \`bench/README.md\` for the method."
    echo
    echo "## Machine"
    echo
    echo "- CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "- kernel: $(uname -sr)"
    echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- nginx: $(version "$NGINX" -v | sed 's/^nginx version: //'), $("$NGINX" -V 2>&1 | grep -m1 'built with' || true)"
    echo "- haproxy: $(version "$HAPROXY" -v | sed 's/ - https.*//'), $("$HAPROXY" -vv 2>/dev/null | grep -m1 'Running on OpenSSL' | sed 's/^ *//')"
    echo "- wrk: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2); OpenSSL $(openssl version | cut -d' ' -f2)"
    if [[ " ${ready[*]} " == *" parapet "* ]]; then
        echo "- parapet: $PARAPET_REV (release build), rustls + aws-lc-rs"
    else
        echo "- parapet: not measured in this run (it did not build or did not serve)"
    fi
    echo "- load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER (this script loads at most 2 CPUs; more than that is other work, which shows up as latency)"
    if [[ -n $ACCESS_CHECK ]]; then echo "- $ACCESS_CHECK"; fi
    echo "- placement: each proxy pinned to CPU $PROXY_CPU (taskset), one worker/thread each; wrk, parapet-bench and the upstream nginx on CPU $LOAD_CPU; all at nice $NICE. Only one target is loaded at a time; the others sit idle."
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "bench/gateway.sh   # ROUNDS=$ROUNDS LAT_ROUNDS=$LAT_ROUNDS DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS LAT_CONNECTIONS=$LAT_CONNECTIONS HS_CONCURRENCY=$HS_CONCURRENCY RATE=$RATE_HOW ($RATE req/s)"
    echo "taskset -c $LOAD_CPU parapet-bench wrk --pid PROXY_PID -- -t1 -c$CONNECTIONS -d${DURATION}s http://127.0.0.1:PORT/   # and https://"
    echo "taskset -c $LOAD_CPU parapet-bench latency --target direct,http://127.0.0.1:PORT/,PID --target nginx,http://127.0.0.1:PORT/,PID ... --slice $LAT_SLICE --rate $RATE --duration ${DURATION}s --warmup 1s --connections $LAT_CONNECTIONS --ca ca.pem   # and the https:// servers"
    echo "taskset -c $LOAD_CPU parapet-bench handshake --addr 127.0.0.1:PORT --server-name localhost --group x25519|x25519mlkem768 --ca ca.pem --duration ${DURATION}s --concurrency $HS_CONCURRENCY --pid PROXY_PID"
    echo '```'
    echo
    "$BENCH" report "$RESULTS"
    echo
    echo "<details><summary>Raw measurements (JSON lines)</summary>"
    echo
    echo '```json'
    cat "$RESULTS"
    echo '```'
    echo
    echo "</details>"
} >"$TMP/gateway.md"
mkdir -p "$(dirname "$OUT")"
cp "$TMP/gateway.md" "$OUT"
"$BENCH" report "$RESULTS"
log "wrote $OUT"
