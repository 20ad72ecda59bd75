# What the bench scripts share: sourced by them after ROOT, TARGET_DIR and log() are set.

# Installs (apt-get) the packages of the commands that are missing. Arguments are
# "command package" pairs; a command found in /usr/sbin counts as present.
install_missing() {
    local pair cmd pkg missing=()
    for pair in "$@"; do
        read -r cmd pkg <<<"$pair"
        command -v "$cmd" >/dev/null || [[ -x /usr/sbin/$cmd ]] || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# Sets BENCH and PARAPET: the prebuilt binaries named by BENCH_BIN and PARAPET_BIN, or the
# release builds in TARGET_DIR, built here when either is not given.
release_binaries() {
    BENCH=${BENCH_BIN:-$TARGET_DIR/release/parapet-bench}
    PARAPET=${PARAPET_BIN:-$TARGET_DIR/release/parapet}
    if [[ -z ${BENCH_BIN:-} || -z ${PARAPET_BIN:-} ]]; then
        log "building parapet and parapet-bench (release)"
        (cd "$ROOT" && cargo build --release -q -p parapet -p parapet-bench)
    fi
}

# A temp dir in TMP, removed at exit, and PIDS: every process added to it is stopped (and
# waited for) at exit, also on Ctrl-C.
start_tmp() { # name
    TMP=$(mktemp -d -t "$1.XXXXXX")
    PIDS=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}

# The start of an nginx config for one worker in `dir` (pid, logs and temp files there), up
# to the open `http {` block with keep-alive on and no access log; more main-context lines
# (such as `master_process off;`) may follow `dir`. The caller adds its servers and `}`.
nginx_head() { # dir [main-context line...]
    local dir=$1
    shift
    mkdir -p "$dir/tmp"
    if (($#)); then printf '%s\n' "$@"; fi
    cat <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
EOF
}

# The access section of the `parapet-access` target (gateway.sh, instructions.sh), from
# access-policy.toml. The provider is never contacted: the benchmarks mint the session cookie
# with `parapet-bench access-cookie` and the state directory's key, as a sign-in would have
# sealed it.
access_policy() {
    cat "$(dirname "${BASH_SOURCE[0]}")/access-policy.toml"
}
access_cookie() { # bench-binary state-dir
    "$1" access-cookie --state-dir "$2" --host 127.0.0.1 \
        --email ana@example.com --groups eng,staff,oncall --idp corp --lifetime 3600
}
