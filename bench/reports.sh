#!/usr/bin/env bash
# CSP report ingestion benchmark: how many browser reports per second Parapet's report
# endpoint takes (parsed, normalised, queued, written to the store in batches), in both
# formats browsers send, with latency, peak memory and the store's write rate. Beside it, in
# the same run, nginx answering 204 to the very same POSTs without looking at them: the
# cost of the HTTP exchange alone, the floor no ingester can beat.
# See bench/README.md for the method.
#
#   bench/reports.sh                  # ~2 minutes after the build
#   DURATION=5 ROUNDS=1 bench/reports.sh
#
# Everything listens on 127.0.0.1; configs, pids, the store and logs live in a temp dir that
# is removed at exit, and every process started here is killed at exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}        # seconds per measurement
ROUNDS=${ROUNDS:-3}             # every measurement this many times; the report takes the median
CONNECTIONS=${CONNECTIONS:-32}  # wrk keep-alive connections
BATCH=${BATCH:-10}              # reports per application/reports+json body
WORKERS=${WORKERS:-2}           # Parapet's worker threads
SERVER_CPUS=${SERVER_CPUS:-0,1} # where Parapet (and the nginx floor) run
LOAD_CPU=${LOAD_CPU:-1}         # where wrk runs
PORT_BASE=${PORT_BASE:-27900}
if ((EUID == 0)); then NICE=${NICE:--19}; else NICE=${NICE:-0}; fi
OUT=${OUT:-$ROOT/bench/results/reports.md}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

log() { printf '[reports.sh] %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------------------
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
install_missing "nginx nginx-light" "wrk wrk" "curl curl" "jq jq" "taskset util-linux"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

release_binaries
PARAPET_REV=$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)

start_tmp parapet-reports
mkdir -p "$TMP/bin"
cp "$BENCH" "$TMP/bin/parapet-bench"
cp "$PARAPET" "$TMP/bin/parapet"
BENCH=$TMP/bin/parapet-bench
PARAPET=$TMP/bin/parapet

P_HTTP=$PORT_BASE P_ADMIN=$((PORT_BASE + 1)) N_HTTP=$((PORT_BASE + 2))
for p in $P_HTTP $P_ADMIN $N_HTTP; do
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

# --- Parapet: one monitored site, its page served by the static upstream -----------------
mkdir -p "$TMP/www" "$TMP/parapet/state"
printf '<!doctype html><title>shop</title><p>checkout</p>\n' >"$TMP/www/index.html"
cat >"$TMP/parapet/parapet.toml" <<EOF
[server]
state_dir = "$TMP/parapet/state"
worker_threads = $WORKERS

[log]
level = "warn"
access_log = false

[admin]
listen = "127.0.0.1:$P_ADMIN"

[[listeners]]
name = "http"
listen = "127.0.0.1:$P_HTTP"

[[sites]]
name = "bench"
hosts = ["127.0.0.1"]
  [[sites.routes]]
  path = "/"
  upstream = "page"
  # The limits are policy, not capacity: lifted so that one load generator on one address
  # can measure what the endpoint takes.
  [sites.script_monitor]
  sample_rate = 1.0
  client_rate = 100000000
  client_burst = 100000000
  site_rate = 100000000
  site_burst = 100000000

[[upstreams]]
name = "page"
static_dir = "$TMP/www"
EOF
nice -n "$NICE" taskset -c "$SERVER_CPUS" "$PARAPET" serve --config "$TMP/parapet/parapet.toml" 2>"$TMP/parapet/stderr.log" &
PARAPET_PID=$!
PIDS+=("$PARAPET_PID")
wait_port "$P_HTTP" parapet

# --- nginx: 204 to every POST, the body read and discarded -------------------------------
mkdir -p "$TMP/nginx/tmp"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes $WORKERS;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    client_body_buffer_size 64k;
    server {
        listen 127.0.0.1:$N_HTTP backlog=4096;
        location / { return 204; }
    }
}
EOF
nice -n "$NICE" taskset -c "$SERVER_CPUS" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_port "$N_HTTP" nginx

# The endpoint with a valid token, as a page view hands it to the browser.
ENDPOINT=$(curl -fsS -D - -o /dev/null "http://127.0.0.1:$P_HTTP/index.html" | tr -d '\r' |
    sed -n 's/^[Cc]ontent-[Ss]ecurity-[Pp]olicy-[Rr]eport-[Oo]nly:.*report-uri \([^;]*\).*/\1/p')
if [[ -z $ENDPOINT ]]; then
    log "no report endpoint in the page's policy"
    tail -n 20 "$TMP/parapet/stderr.log" >&2
    exit 1
fi

# --- the load: wrk scripts that vary what is reported ------------------------------------
# 1,000 script URLs on 50 hosts, 20 pages with a session id in the query (normalised away),
# as a shop's pages would report them; the Reporting API batch mixes violations (scripts,
# connections) and csp-hash reports.
cat >"$TMP/legacy.lua" <<EOF
local path = "$ENDPOINT"
local n = 0
local headers = { ["Content-Type"] = "application/csp-report" }
request = function()
  n = n + 1
  local i = n % 1000
  local body = '{"csp-report":{"document-uri":"http://127.0.0.1/p/' .. (n % 20) .. '?session=' .. n ..
    '","referrer":"","violated-directive":"script-src-elem","effective-directive":"script-src-elem",' ..
    '"original-policy":"script-src \\'none\\' \\'report-sample\\'; report-uri ' .. path ..
    '","disposition":"report","blocked-uri":"https://cdn' .. (i % 50) .. '.example/lib/' .. i ..
    '.js?v=' .. (n % 7) .. '","status-code":200,"script-sample":""}}'
  return wrk.format("POST", path, headers, body)
end
EOF
cat >"$TMP/batch.lua" <<EOF
local path = "$ENDPOINT"
local batch = $BATCH
local n = 0
local headers = { ["Content-Type"] = "application/reports+json" }
request = function()
  local parts = {}
  for k = 1, batch do
    n = n + 1
    local i = n % 1000
    local page = 'http://127.0.0.1/p/' .. (n % 20) .. '?session=' .. n
    local r
    if k % 5 == 0 then
      r = '{"type":"csp-hash","age":10,"url":"' .. page .. '","user_agent":"Mozilla/5.0","body":{"documentURL":"' .. page ..
        '","subresourceURL":"https://cdn' .. (i % 50) .. '.example/lib/' .. i ..
        '.js","hash":"sha256-1XF/E08XndkoxwN6eIa5J89hYn3OVZ/UyB8BrU5jgzk=","type":"subresource","destination":"script"}}'
    elseif k % 5 == 1 then
      r = '{"type":"csp-violation","age":10,"url":"' .. page .. '","user_agent":"Mozilla/5.0","body":{"documentURL":"' .. page ..
        '","blockedURL":"https://api' .. (i % 30) .. '.example/collect?id=' .. n ..
        '","effectiveDirective":"connect-src","disposition":"report","statusCode":200}}'
    else
      r = '{"type":"csp-violation","age":10,"url":"' .. page .. '","user_agent":"Mozilla/5.0","body":{"documentURL":"' .. page ..
        '","blockedURL":"https://cdn' .. (i % 50) .. '.example/lib/' .. i ..
        '.js?v=' .. (n % 7) .. '","effectiveDirective":"script-src-elem","disposition":"report","statusCode":200,"sample":""}}'
    end
    parts[k] = r
  end
  return wrk.format("POST", path, headers, '[' .. table.concat(parts, ',') .. ']')
end
EOF

metric() { # name -> value (sum over labels)
    curl -fsS "http://127.0.0.1:$P_ADMIN/metrics" |
        awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2 } END { printf "%.0f\n", s }'
}

RESULTS=$TMP/results.jsonl
: >"$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# Warm-up: the store's first pages, the inventory's first rows.
taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d2s -s "$TMP/legacy.lua" "http://127.0.0.1:$P_HTTP" >/dev/null

for round in $(seq 1 "$ROUNDS"); do
    for format in legacy batch; do
        per=1
        [[ $format == batch ]] && per=$BATCH
        for target in parapet nginx; do
            if [[ $target == parapet ]]; then
                pid=$PARAPET_PID port=$P_HTTP
                written0=$(metric parapet_script_sightings_written_total)
                commits0=$(metric parapet_script_store_commits_total)
            else
                pid=$NGINX_PID port=$N_HTTP
            fi
            line=$(taskset -c "$LOAD_CPU" "$BENCH" wrk --pid "$pid" \
                --tag "target=$target" --tag "format=$format" --tag "round=$round" \
                -- -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$TMP/$format.lua" "http://127.0.0.1:$port")
            # Only answered 2xx requests count: a 503 (the writer's queue full) took nothing.
            line=$(jq -c --argjson per "$per" '((.requests - .non_2xx_3xx) / .requests) as $ok
                | . + {reports_per_request: $per,
                reports_per_s: (.requests_per_s * $ok * $per),
                reports_per_cpu_s: ((.requests_per_cpu_s // 0) * $ok * $per)}' <<<"$line")
            if [[ $target == parapet ]]; then
                written1=$(metric parapet_script_sightings_written_total)
                commits1=$(metric parapet_script_store_commits_total)
                line=$(jq -c --argjson w "$((written1 - written0))" --argjson c "$((commits1 - commits0))" \
                    '. + {sightings_written_per_s: ($w / .seconds), commits_per_s: ($c / .seconds)}' <<<"$line")
            fi
            echo "$line" >>"$RESULTS"
            log "$(jq -r '"\(.target) \(.format): \(.reports_per_s | floor) reports/s, \(.reports_per_cpu_s | floor) per CPU-s, p99 \(.p99_ms) ms, non-2xx \(.non_2xx_3xx)"' <<<"$line")"
        done
    done
done

# Everything taken is written once the queue drains.
sleep 1
TAKEN=$(metric parapet_csp_reports_total)
WRITTEN=$(metric parapet_script_sightings_written_total)
DROPPED=$(metric parapet_csp_reports_dropped_total)
REFUSED=$(metric parapet_csp_report_requests_refused_total)
HWM_KB=$(awk '/VmHWM/ { print $2 }' "/proc/$PARAPET_PID/status")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------------------
median() { # target format field
    jq -s --arg t "$1" --arg f "$2" --arg k "$3" \
        '[.[] | select(.target == $t and .format == $f) | .[$k] // empty] | sort |
         if length == 0 then null else .[(length - 1) / 2 | floor] end' "$RESULTS"
}
fmt() { # number -> rounded with thousands separators
    LC_ALL=C printf "%'.0f" "$1" 2>/dev/null || echo "$1"
}
{
    echo "# CSP report ingestion"
    echo
    echo "Written by \`bench/reports.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). See \`bench/README.md\` for the method."
    echo
    echo "## Machine"
    echo
    echo "- CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "- kernel: $(uname -sr); OS: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- parapet: $PARAPET_REV (release build), $WORKERS worker threads, CPUs $SERVER_CPUS; store: SQLite (WAL) in a temp dir"
    echo "- nginx: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $WORKERS workers, CPUs $SERVER_CPUS"
    echo "- wrk: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), one thread on CPU $LOAD_CPU (it shares that CPU with the server: on two cores there is nowhere else)"
    echo "- load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "bench/reports.sh   # ROUNDS=$ROUNDS DURATION=$DURATION CONNECTIONS=$CONNECTIONS BATCH=$BATCH WORKERS=$WORKERS"
    echo "taskset -c $LOAD_CPU parapet-bench wrk --pid SERVER_PID -- -t1 -c$CONNECTIONS -d${DURATION}s --latency -s legacy.lua|batch.lua http://127.0.0.1:PORT"
    echo '```'
    echo
    echo "## Results (median of $ROUNDS rounds)"
    echo
    echo "Reports count only when their request was answered 2xx: at saturation the writer's queue fills and the endpoint answers 503 (backpressure; nothing is acknowledged that is not written)."
    echo
    echo "| format | target | reports/s | reports per server CPU-s | requests/s | p50 ms | p99 ms | store: sightings written/s | transactions/s |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    for format in legacy batch; do
        label="application/csp-report (1 per request)"
        [[ $format == batch ]] && label="application/reports+json ($BATCH per request)"
        for target in parapet nginx; do
            what=$target
            [[ $target == nginx ]] && what="nginx 204 (floor: HTTP only)"
            w=$(median "$target" "$format" sightings_written_per_s)
            c=$(median "$target" "$format" commits_per_s)
            echo "| $label | $what | $(fmt "$(median "$target" "$format" reports_per_s)") | $(fmt "$(median "$target" "$format" reports_per_cpu_s)") | $(fmt "$(median "$target" "$format" requests_per_s)") | $(median "$target" "$format" p50_ms) | $(median "$target" "$format" p99_ms) | $([[ $w == null ]] && echo — || fmt "$w") | $([[ $c == null ]] && echo — || printf '%.1f' "$c") |"
        done
    done
    echo
    for format in legacy batch; do
        p=$(median parapet "$format" reports_per_s) n=$(median nginx "$format" reports_per_s)
        echo "- $format: Parapet ingests at $(jq -n "$p / $n * 100 | floor")% of the rate at which nginx merely answers the same requests; target 50,000 reports/s on two cores: $(jq -rn "if $p >= 50000 then \"met\" else \"not met\" end") ($(fmt "$p"))."
    done
    echo "- Parapet's peak memory (VmHWM) over the whole run: $((HWM_KB / 1024)) MiB."
    echo "- Reports taken: $(fmt "$TAKEN"); sightings written: $(fmt "$WRITTEN") (all written: $([[ $TAKEN == "$WRITTEN" ]] && echo yes || echo no)); reports dropped: $DROPPED; requests refused: $REFUSED; non-2xx answers seen by wrk: $(jq -s 'map(.non_2xx_3xx) | add' "$RESULTS")."
    echo
    echo "<details><summary>Raw measurements (JSON lines)</summary>"
    echo
    echo '```json'
    cat "$RESULTS"
    echo '```'
    echo
    echo "</details>"
} >"$TMP/reports.md"
mkdir -p "$(dirname "$OUT")"
cp "$TMP/reports.md" "$OUT"
cat "$OUT" | sed -n '/## Results/,/<details>/p'
log "wrote $OUT"
