#!/usr/bin/env bash
# Route monitor benchmark: `parapet routes replay` (detection on) against Debian's
# `bgpdump -m` decoding the same MRT file, same machine, same run. See bench/README.md.
#
#   bench/routes.sh                 # 7 rounds on 1M updates, ~1-2 minutes after the build
#   ROUNDS=11 bench/routes.sh       # a noisier machine: more rounds
#   UPDATES=200000 PREFIXES=160000 MONITORED=2000 bench/routes.sh   # a quicker look
#   LIVE=0 bench/routes.sh          # without the live FRR latency phase
#
# The generated files live in a temp dir that is removed at exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-7}  # each round runs both tools, in alternating order
UPDATES=${UPDATES:-1000000}       # MRT update records
PREFIXES=${PREFIXES:-800000}      # distinct prefixes in the table
VANTAGES=${VANTAGES:-20}          # collector peers
MONITORED=${MONITORED:-10000}     # prefixes in the config
SEED=${SEED:-1}
COMPRESS=${COMPRESS:-none}        # none, gzip or bzip2: how the file is stored (archives are gzip/bzip2)
CPU=${CPU:-}                      # pin both tools to this CPU (taskset); empty: no pinning
NICE=${NICE:-0}
LIVE=${LIVE:-1}                   # 1: also measure BMP-to-alert latency with a live FRR feed
LIVE_SAMPLES=${LIVE_SAMPLES:-500} # hijacks announced through ExaBGP -> FRR -> BMP -> parapet
LIVE_GAP_MS=${LIVE_GAP_MS:-20}    # between two announcements
OUT=${OUT:-$ROOT/bench/results/routes.md}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

log() { printf '[routes.sh] %s\n' "$*" >&2; }
die() {
    log "$*"
    exit 1
}

# --- tools ---------------------------------------------------------------------------
missing=()
command -v bgpdump >/dev/null || [[ -x /usr/bin/bgpdump ]] || missing+=(bgpdump)
[[ -x /usr/bin/time ]] || missing+=(time)
if [[ -n $CPU ]]; then command -v taskset >/dev/null || missing+=(util-linux); fi
if [[ $LIVE == 1 ]]; then
    [[ -x /usr/lib/frr/bgpd ]] || missing+=(frr)
    command -v exabgp >/dev/null || [[ -x /usr/sbin/exabgp ]] || missing+=(exabgp)
fi
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    # No service may start during the install (frr, exabgp): the benchmark starts its own.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        rm -f /usr/sbin/policy-rc.d
    else
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi
BGPDUMP=$(command -v bgpdump || echo /usr/bin/bgpdump)

# BENCH_BIN / PARAPET_BIN: prebuilt binaries instead of building them here.
BENCH=${BENCH_BIN:-$TARGET_DIR/release/parapet-bench}
PARAPET=${PARAPET_BIN:-$TARGET_DIR/release/parapet}
if [[ -z ${BENCH_BIN:-} || -z ${PARAPET_BIN:-} ]]; then
    log "building parapet and parapet-bench (release)"
    (cd "$ROOT" && cargo build --release -q -p parapet -p parapet-bench)
fi
PARAPET_REV=$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)

TMP=$(mktemp -d -t parapet-routes-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
# Private copies, so that a rebuild in the same target dir during the run changes nothing.
mkdir -p "$TMP/bin"
cp "$BENCH" "$TMP/bin/parapet-bench"
cp "$PARAPET" "$TMP/bin/parapet"
BENCH=$TMP/bin/parapet-bench
PARAPET=$TMP/bin/parapet

run() { # the command, at the script's priority and placement
    if [[ -n $CPU ]]; then
        nice -n "$NICE" taskset -c "$CPU" "$@"
    else
        nice -n "$NICE" "$@"
    fi
}

# --- input ---------------------------------------------------------------------------------
DATA=$TMP/data
GEN_CMD="parapet-bench routes-gen --out DIR --updates $UPDATES --prefixes $PREFIXES --vantages $VANTAGES --monitored $MONITORED --seed $SEED"
log "generating the input: $GEN_CMD"
GEN=$("$BENCH" routes-gen --out "$DATA" --updates "$UPDATES" --prefixes "$PREFIXES" \
    --vantages "$VANTAGES" --monitored "$MONITORED" --seed "$SEED")
MRT=$DATA/updates.mrt
case $COMPRESS in
none) ;;
gzip | bzip2)
    log "compressing the file with $COMPRESS"
    "$COMPRESS" -6 "$MRT"
    MRT=$MRT.$([[ $COMPRESS == gzip ]] && echo gz || echo bz2)
    ;;
*) die "COMPRESS: none, gzip or bzip2" ;;
esac
CONFIG=$DATA/parapet.toml
jget() { grep -o "\"$1\":[0-9]*" <<<"$2" | head -n1 | cut -d: -f2; }
GEN_RECORDS=$(jget records "$GEN")
GEN_PREFIXES=$(jget prefix_events "$GEN")
MRT_BYTES=$(stat -c %s "$MRT")
"$PARAPET" config check "$CONFIG" >&2 || die "the generated config does not load"

# --- equal work: both tools read the whole file ---------------------------------------------
log "checking that both tools read the whole file"
read -r DUMP_A DUMP_W DUMP_OTHER < <(
    "$BGPDUMP" -m "$MRT" 2>/dev/null | awk -F'|' '
        $3 == "A" || $3 == "B" { a++; next }
        $3 == "W" { w++; next }
        { o++ }
        END { print a + 0, w + 0, o + 0 }'
)
DUMP_LINES=$((DUMP_A + DUMP_W))
"$PARAPET" routes replay --config "$CONFIG" "$MRT" --format json >"$TMP/alerts.jsonl" 2>"$TMP/check.err" ||
    die "parapet routes replay failed: $(tail -n 5 "$TMP/check.err")"
summary() { grep -o 'replayed [0-9]* MRT record(s), [0-9]* prefix(es); [0-9]* malformed' "$1" | tr -dc '0-9 ' | awk '{ print $1, $2, $3 }'; }
read -r P_RECORDS P_PREFIXES P_MALFORMED < <(summary "$TMP/check.err")
P_ALERTS=$(wc -l <"$TMP/alerts.jsonl")
[[ $P_RECORDS == "$GEN_RECORDS" ]] || die "parapet read $P_RECORDS records of $GEN_RECORDS"
[[ $P_PREFIXES == "$GEN_PREFIXES" ]] || die "parapet read $P_PREFIXES prefixes of $GEN_PREFIXES"
[[ $P_MALFORMED == 0 ]] || die "parapet skipped $P_MALFORMED malformed records"
[[ $DUMP_LINES == "$GEN_PREFIXES" ]] || die "bgpdump printed $DUMP_LINES prefix lines of $GEN_PREFIXES"
log "equal work: $GEN_RECORDS records, $GEN_PREFIXES prefixes (bgpdump: $DUMP_A A + $DUMP_W W lines)"

# --- rounds ----------------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$MRT" >/dev/null # into the page cache: both read it from memory
RESULTS=$TMP/rounds.tsv
: >"$RESULTS"
# Wall clock from the shell (microseconds); CPU time and peak RSS from /usr/bin/time.
measure() { # tool round -> "tool round wall user sys maxrss_kb" appended to $RESULTS
    local t=$1 r=$2 tf=$TMP/time.$1.$2 start end
    start=$EPOCHREALTIME
    case $t in
    parapet)
        run /usr/bin/time -f '%e %U %S %M' -o "$tf" \
            "$PARAPET" routes replay --config "$CONFIG" "$MRT" --format json >"$TMP/alerts.$r.jsonl" 2>"$TMP/replay.$r.err" ||
            die "round $r: parapet failed"
        end=$EPOCHREALTIME
        local got
        got=$(summary "$TMP/replay.$r.err")
        [[ $got == "$P_RECORDS $P_PREFIXES 0" ]] || die "round $r: parapet read $got"
        cmp -s "$TMP/alerts.$r.jsonl" "$TMP/alerts.jsonl" || die "round $r: different alerts"
        ;;
    bgpdump)
        run /usr/bin/time -f '%e %U %S %M' -o "$tf" "$BGPDUMP" -m "$MRT" >/dev/null 2>"$TMP/bgpdump.$r.err" ||
            die "round $r: bgpdump failed"
        ;;
    esac
    if [[ $t == bgpdump ]]; then end=$EPOCHREALTIME; fi
    local user sys rss
    read -r _ user sys rss <"$tf"
    printf '%s %s %s %s %s %s\n' "$t" "$r" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')" \
        "$user" "$sys" "$rss" | tee -a "$RESULTS" >&2
}
for r in $(seq 1 "$ROUNDS"); do
    log "round $r/$ROUNDS"
    if ((r % 2)); then
        measure bgpdump "$r"
        measure parapet "$r"
    else
        measure parapet "$r"
        measure bgpdump "$r"
    fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- live: BMP-to-alert latency with FRR ------------------------------------------------------
# ExaBGP (AS64666, 127.0.0.2) announces, one every LIVE_GAP_MS, a monitored IPv4 prefix of the
# generated config with itself as the origin; FRR (AS65000, bgpd -M bmp) streams it as BMP to
# `parapet routes watch` with the same config (min_vantages = 1: one router). The latency of a
# sample is the alert's `time` (when parapet raised it) minus the moment the announcement was
# written to ExaBGP: ExaBGP, FRR's processing and the BMP transport are inside it, so it is an
# upper bound of BMP-to-alert.
LIVE_RESULT=""
if [[ $LIVE == 1 ]]; then
    log "live: $LIVE_SAMPLES hijacks through ExaBGP -> FRR -> BMP -> parapet routes watch"
    L=$TMP/live
    mkdir -p "$L/vty"
    free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    BGP_PORT=$(free_port)
    BMP_PORT=$(free_port)
    LIVE_CONFIG=$DATA/parapet-live.toml # beside the replay's, whose data files it names
    sed 's/^min_vantages = .*/min_vantages = 1/' "$CONFIG" >"$LIVE_CONFIG"
    printf '\n[server]\nstate_dir = "%s"\n' "$L/state" >>"$LIVE_CONFIG"
    printf '\n[routes.bmp]\nlisten = "127.0.0.1:%s"\n' "$BMP_PORT" >>"$LIVE_CONFIG"
    # (awk, not head: it reads to the end, so that pipefail sees no SIGPIPE)
    grep -o 'prefix = "[0-9.]*/[0-9]*"' "$CONFIG" | cut -d'"' -f2 | awk -v n="$LIVE_SAMPLES" 'NR <= n' >"$L/prefixes"
    cat >"$L/frr.conf" <<FRR
frr defaults traditional
hostname bench
router bgp 65000
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 neighbor 127.0.0.2 remote-as 64666
 neighbor 127.0.0.2 timers connect 1
 address-family ipv4 unicast
  neighbor 127.0.0.2 activate
 exit-address-family
 bmp targets parapet
  bmp connect 127.0.0.1 port $BMP_PORT min-retry 100 max-retry 500
  bmp monitor ipv4 unicast post-policy
 exit
FRR
    cat >"$L/announce.py" <<'PY'
import sys, time
prefixes, gap, log = sys.argv[1], float(sys.argv[2]) / 1000, sys.argv[3]
# ExaBGP tells this process when the session is up.
for line in sys.stdin:
    if " up" in line:
        break
time.sleep(2)
with open(log, "w") as out:
    for p in open(prefixes).read().split():
        t = time.time()
        sys.stdout.write(f"announce route {p} next-hop 10.255.0.2 as-path [ 64666 ]\n")
        sys.stdout.flush()
        out.write(f"{p} {t:.6f}\n")
        out.flush()
        time.sleep(gap)
open(log + ".done", "w").close()
for line in sys.stdin:
    pass
PY
    cat >"$L/exabgp.conf" <<EXA
process announcer {
  run /usr/bin/python3 $L/announce.py $L/prefixes $LIVE_GAP_MS $L/sent;
  encoder text;
}
neighbor 127.0.0.1 {
  router-id 10.0.0.2;
  local-address 127.0.0.2;
  local-as 64666;
  peer-as 65000;
  api { processes [ announcer ]; neighbor-changes; }
}
EXA
    LIVE_PIDS=()
    stop_live() { for p in "${LIVE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
    "$PARAPET" routes watch --config "$LIVE_CONFIG" --format json >"$L/alerts.jsonl" 2>"$L/watch.err" &
    LIVE_PIDS+=($!)
    for _ in $(seq 100); do grep -q "BMP listener up" "$L/watch.err" && break; sleep 0.1; done
    grep -q "BMP listener up" "$L/watch.err" || { stop_live; die "live: parapet routes watch did not start: $(tail -n 3 "$L/watch.err")"; }
    /usr/lib/frr/bgpd -Z -S -n -u root -g root -M bmp -l 127.0.0.1 -p "$BGP_PORT" -f "$L/frr.conf" \
        -i "$L/bgpd.pid" --vty_socket "$L/vty" --log "file:$L/bgpd.log" >/dev/null 2>&1 &
    LIVE_PIDS+=($!)
    env exabgp.tcp.port="$BGP_PORT" exabgp.daemon.user="$(id -un)" exabgp.api.cli=false \
        exabgp.log.destination="$L/exabgp.log" "$(command -v exabgp || echo /usr/sbin/exabgp)" "$L/exabgp.conf" \
        >"$L/exabgp.out" 2>&1 &
    LIVE_PIDS+=($!)
    limit=$((60 + LIVE_SAMPLES * LIVE_GAP_MS / 1000 * 2))
    for _ in $(seq $((limit * 10))); do [[ -e $L/sent.done ]] && break; sleep 0.1; done
    [[ -e $L/sent.done ]] || { stop_live; die "live: the announcements did not finish within ${limit}s (see $L)"; }
    sleep 3 # the last ones travel
    stop_live
    LIVE_RESULT=$(python3 - "$L/sent" "$L/alerts.jsonl" <<'PY'
import json, sys
from datetime import datetime
sent = {}
for line in open(sys.argv[1]):
    p, t = line.split()
    sent[p] = float(t)
first = {}
for line in open(sys.argv[2]):
    a = json.loads(line)
    p = a.get("prefix")
    if p in sent and not a.get("resolved") and p not in first:
        t = datetime.fromisoformat(a["time"].replace("Z", "+00:00")).timestamp()
        first[p] = (t - sent[p]) * 1000
lat = sorted(first.values())
def q(x):
    return lat[min(len(lat) - 1, int(round(x * (len(lat) - 1))))] if lat else float("nan")
print(len(sent), len(lat), f"{q(0.5):.1f}", f"{q(0.9):.1f}", f"{q(0.99):.1f}", f"{lat[-1] if lat else float('nan'):.1f}")
PY
)
    log "live: sent, alerted, p50, p90, p99, max (ms): $LIVE_RESULT"
fi
read -r LIVE_SENT LIVE_ALERTED LIVE_P50 LIVE_P90 LIVE_P99 LIVE_MAX <<<"${LIVE_RESULT:-0 0 - - - -}"

# --- report ----------------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v t="$1" -v c="$2" '$1 == t { print $c }' "$RESULTS"; }
rate() { awk -v n="$1" '{ printf "%.0f\n", n / $1 }'; } # work / seconds, per line
cpu() { awk -v t="$1" '$1 == t { print $4 + $5 }' "$RESULTS"; }
fmt() { # 1234567.8 -> 1,234,568
    awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); print s }'
}
P_RATE=$(col parapet 3 | rate "$GEN_RECORDS" | median)
D_RATE=$(col bgpdump 3 | rate "$GEN_RECORDS" | median)
P_CPU_RATE=$(cpu parapet | rate "$GEN_RECORDS" | median)
D_CPU_RATE=$(cpu bgpdump | rate "$GEN_RECORDS" | median)
P_RSS=$(col parapet 6 | sort -g | tail -n1)
D_RSS=$(col bgpdump 6 | sort -g | tail -n1)
RATIO=$(awk -v a="$P_RATE" -v b="$D_RATE" 'BEGIN { printf "%.2f", a / b }')
CPU_RATIO=$(awk -v a="$P_CPU_RATE" -v b="$D_CPU_RATE" 'BEGIN { printf "%.2f", a / b }')
ROUND_RATIOS=$(awk '$1 == "parapet" { p[$2] = $3 } $1 == "bgpdump" { d[$2] = $3 }
    END { for (r in p) printf "%.3f\n", d[r] / p[r] }' "$RESULTS" | median)
RSS_MB=$(awk -v k="$P_RSS" 'BEGIN { printf "%.1f", k / 1024 }')
D_RSS_MB=$(awk -v k="$D_RSS" 'BEGIN { printf "%.1f", k / 1024 }')
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "**not met**"; fi; }

{
    echo "# Route monitor benchmark: Parapet's MRT replay and bgpdump"
    echo
    echo "Written by \`bench/routes.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). See \`bench/README.md\` for the method."
    echo
    echo "## Machine"
    echo
    echo "- CPUs: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); memory $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "- kernel: $(uname -sr)"
    echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- bgpdump: $(dpkg-query -W -f '${Version}' bgpdump 2>/dev/null || echo unknown) (Debian package)"
    echo "- parapet: $PARAPET_REV (release build)"
    echo "- load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER (the tools run one at a time on one CPU each; a load above 1 is other work on the machine)"
    echo "- placement: ${CPU:+both pinned to CPU $CPU, }nice $NICE; the file is read from the page cache"
    echo
    echo "## Input"
    echo
    echo "One file of BGP4MP update records written by \`$GEN_CMD\`:"
    echo
    echo "| | |"
    echo "|---|---:|"
    echo "| update records | $(fmt "$GEN_RECORDS") |"
    echo "| prefixes announced or withdrawn (NLRI entries) | $(fmt "$GEN_PREFIXES") ($(fmt "$(jget announced "$GEN")") announced, $(fmt "$(jget withdrawn "$GEN")") withdrawn) |"
    echo "| distinct prefixes in the table | $(fmt "$(jget prefixes "$GEN")") ($(fmt "$(jget prefixes_v6 "$GEN")") IPv6) |"
    echo "| origin ASes | $(fmt "$(jget origins "$GEN")") |"
    echo "| vantages (collector peers) | $(jget vantages "$GEN") |"
    echo "| monitored prefixes (config) | $(fmt "$(jget monitored "$GEN")"), with ROAs and serial-2 relationships for the whole topology, \`min_vantages = 2\` |"
    echo "| file size | $(awk -v b="$MRT_BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }') ($([[ $COMPRESS == none ]] && echo uncompressed || echo "$COMPRESS")) |"
    echo
    echo "## Equal work"
    echo
    echo "Both tools read the whole file, checked before the timed rounds:"
    echo
    echo "| | records | prefixes |"
    echo "|---|---:|---:|"
    echo "| written | $(fmt "$GEN_RECORDS") | $(fmt "$GEN_PREFIXES") |"
    echo "| \`parapet routes replay\` (its summary line; $P_MALFORMED malformed) | $(fmt "$P_RECORDS") | $(fmt "$P_PREFIXES") |"
    echo "| \`bgpdump -m\` (A and W lines; $DUMP_OTHER other lines) | | $(fmt "$DUMP_LINES") |"
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "bench/routes.sh   # ROUNDS=$ROUNDS UPDATES=$UPDATES PREFIXES=$PREFIXES VANTAGES=$VANTAGES MONITORED=$MONITORED SEED=$SEED COMPRESS=$COMPRESS LIVE=$LIVE LIVE_SAMPLES=$LIVE_SAMPLES LIVE_GAP_MS=$LIVE_GAP_MS"
    echo "/usr/bin/time -f '%e %U %S %M' parapet routes replay --config DIR/parapet.toml DIR/$(basename "$MRT") --format json >alerts.jsonl"
    echo "/usr/bin/time -f '%e %U %S %M' bgpdump -m DIR/$(basename "$MRT") >/dev/null"
    echo '```'
    echo
    echo "## Results"
    echo
    echo "Median of $ROUNDS rounds; each round runs both tools, one after the other, the first one alternating."
    echo
    echo "| | parapet (detection on) | bgpdump -m | ratio |"
    echo "|---|---:|---:|---:|"
    echo "| updates/s (wall clock) | $(fmt "$P_RATE") | $(fmt "$D_RATE") | **${RATIO}x** |"
    echo "| updates per CPU-second (user + sys) | $(fmt "$P_CPU_RATE") | $(fmt "$D_CPU_RATE") | ${CPU_RATIO}x |"
    echo "| prefixes/s (wall clock) | $(fmt "$(awk -v r="$P_RATE" -v p="$GEN_PREFIXES" -v n="$GEN_RECORDS" 'BEGIN { print r * p / n }')") | $(fmt "$(awk -v r="$D_RATE" -v p="$GEN_PREFIXES" -v n="$GEN_RECORDS" 'BEGIN { print r * p / n }')") | |"
    echo "| peak memory (max RSS, largest round) | $RSS_MB MB | $D_RSS_MB MB | |"
    echo
    echo "The median of the per-round ratios is $(printf '%.2f' "$ROUND_RATIOS")x. Per round (seconds; RSS in MB):"
    echo
    echo "| round | first | parapet wall | user | sys | RSS | bgpdump wall | user | sys | RSS | ratio |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    awk '$1 == "parapet" { p[$2] = $0 } $1 == "bgpdump" { d[$2] = $0 }
        END {
            for (r = 1; r in p; r++) {
                split(p[r], a, " "); split(d[r], b, " ")
                printf "| %d | %s | %.3f | %.2f | %.2f | %.1f | %.3f | %.2f | %.2f | %.1f | %.2fx |\n",
                    r, (r % 2) ? "bgpdump" : "parapet", a[3], a[4], a[5], a[6] / 1024,
                    b[3], b[4], b[5], b[6] / 1024, b[3] / a[3]
            }
        }' "$RESULTS"
    echo
    echo "## Targets"
    echo
    echo "| target | measured | |"
    echo "|---|---|---|"
    echo "| replay with detection on at least 1.5x bgpdump's rate | ${RATIO}x | $(verdict "$RATIO >= 1.5") |"
    echo "| peak memory under 500 MB | $RSS_MB MB | $(verdict "$P_RSS < 500 * 1024") |"
    if [[ $LIVE == 1 ]]; then
        echo "| BMP-to-alert p99 latency under 100 ms with a live FRR feed | $LIVE_P99 ms (upper bound: from the announcement written to ExaBGP) | $(verdict "$LIVE_P99 < 100") |"
    else
        echo "| BMP-to-alert p99 latency under 100 ms with a live FRR feed | not measured (LIVE=0) | |"
    fi
    echo
    if [[ $LIVE == 1 ]]; then
        echo "## BMP-to-alert latency with a live FRR feed"
        echo
        echo "Debian's ExaBGP $(dpkg-query -W -f '${Version}' exabgp 2>/dev/null || echo '?') announces, one every $LIVE_GAP_MS ms, $LIVE_SENT monitored IPv4 prefixes of the same config with itself (AS64666) as the origin to Debian's FRR $(dpkg-query -W -f '${Version}' frr 2>/dev/null || echo '?') (\`bgpd -M bmp\`, post-policy monitoring), which streams BMP to \`parapet routes watch\` over loopback; the config is the replay's ($(fmt "$MONITORED") monitored prefixes, ROAs, relationships) with \`min_vantages = 1\`. A sample's latency is the \`time\` of its first alert (when Parapet raised it) minus the moment the announcement was written to ExaBGP's API, so ExaBGP's and FRR's processing are inside it: an upper bound of BMP-to-alert."
        echo
        echo "| samples sent | alerted | p50 | p90 | p99 | max |"
        echo "|---:|---:|---:|---:|---:|---:|"
        echo "| $LIVE_SENT | $LIVE_ALERTED | $LIVE_P50 ms | $LIVE_P90 ms | $LIVE_P99 ms | $LIVE_MAX ms |"
        echo
    fi
    echo "## Alerts"
    echo
    echo "The generator injects $(grep -o '"injected":{[^}]*}' <<<"$GEN" | sed 's/"injected"://; s/[{}"]//g; s/:/ /g; s/,/, /g') events (each seen by 3 vantages, then ended); every replay raised the same $P_ALERTS alerts:"
    echo
    echo "| type | alerts |"
    echo "|---|---:|"
    grep -o '"type":"[^"]*"' "$TMP/alerts.jsonl" | cut -d'"' -f4 | sort | uniq -c | awk '{ printf "| %s | %d |\n", $2, $1 }'
    echo
    echo "(A hijacked prefix is also \`rpki-invalid\`: every monitored prefix has a ROA for its origin.)"
} >"$TMP/routes.md"
mkdir -p "$(dirname "$OUT")"
cp "$TMP/routes.md" "$OUT"
sed -n '/^## Results/,/^## Alerts/p' "$OUT" | sed '$d'
log "wrote $OUT"
