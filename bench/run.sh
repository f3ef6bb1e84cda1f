#!/usr/bin/env bash
# `make bench`: load-tests the release server in local mode with wrk and prints one markdown
# table, the performance budgets (docs/performance.md) with PASS/MISS, and the machine it ran on.
#
# Settings (environment): BENCH_SECONDS (default 10) per wrk run, BENCH_TOKENS (default 20000)
# distinct tokens for the protected route, BENCH_CONNECTIONS (default 32), BENCH_PROFILE (default
# release; another Cargo profile, to compare build settings). TOKEN_CACHE_SIZE reaches the server
# as set (default 10000, fewer than the distinct tokens; 0 makes every protected request a full check).
# Everything stays on loopback; the server, its local issuer key and the tokens live in a
# temporary folder that is removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

seconds=${BENCH_SECONDS:-10}
token_count=${BENCH_TOKENS:-20000}
connections=${BENCH_CONNECTIONS:-32}
profile=${BENCH_PROFILE:-release}
# Only warnings, so that the access log (one info line per request) does not dominate; the key
# set's own info lines stay on so that its fetches can be counted.
log_filter="warn,hello_api::startup=info,hello_api::auth::jwks=info"

if ! command -v wrk >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
fi

cargo build --profile "$profile" --locked --bin hello-api

# Arithmetic on decimals (bash has integers only).
calc() { awk "BEGIN { print $1 }"; }

work=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Local mode on free ports, without the demo, whatever the caller's environment configures. It
# runs in the temporary folder so that no .env is read and the issuer's key is a fresh one,
# removed at exit.
(
    cd "$work"
    exec env -u AUTH0_DOMAIN -u ISSUER_BASE_URL -u AZURE_TENANT_ID -u AZURE_B2C_TENANT_NAME \
        -u AUTH0_AUDIENCE -u AUDIENCE -u TOKEN_ALGORITHMS -u PERMISSIONS_CLAIM \
        -u LOCAL_ADMIN_SECRET -u LOCAL_ISSUER_KEY_FILE \
        HOST=127.0.0.1 PORT=0 LOCAL_ISSUER_PORT=0 SERVE_DEMO=false RUST_LOG="$log_filter" \
        "$repo/target/$profile/hello-api"
) >"$work/server.log" 2>&1 &
server_pid=$!

fail() {
    echo "bench: $*" >&2
    echo "--- server log ---" >&2
    cat "$work/server.log" >&2
    exit 1
}

# Ready when it names both URLs and the key set is loaded.
api= issuer=
for _ in $(seq 300); do
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
    api=$(sed -nE 's/.*hello-api listening on (http:[^ ]+).*/\1/p' "$work/server.log" | head -1)
    issuer=$(sed -nE 's/.*embedded issuer at (http:[^ ]+\/) .*/\1/p' "$work/server.log" | head -1)
    if [[ -n $api && -n $issuer ]] && grep -q "key set loaded" "$work/server.log"; then
        break
    fi
    sleep 0.1
done
[[ -n $api && -n $issuer ]] && grep -q "key set loaded" "$work/server.log" || fail "not ready after 30 s"
curl -sf "$api/api/messages/public" >/dev/null || fail "the public route does not answer"

form="grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret"
token_of() { sed -nE 's/.*"access_token":"([^"]+)".*/\1/p'; }
admin_token=$(curl -sf -d "$form" "${issuer}oauth/token" | token_of)
[[ -n $admin_token ]] || fail "no token from ${issuer}oauth/token"

# Distinct tokens from the token endpoint itself (each one has its own jti): one curl process on
# one kept-alive connection. (In parallel, curl may interleave the bodies it writes.)
echo "Getting $token_count distinct tokens from the local issuer..."
started=$(date +%s.%N)
curl -sf -d "$form" -w '\n' "${issuer}oauth/token?n=[1-$token_count]" | token_of >"$work/tokens"
mint_seconds=$(calc "$(date +%s.%N) - $started")
distinct=$(sort -u "$work/tokens" | wc -l)
[[ $distinct -eq $token_count ]] || fail "got $distinct distinct tokens, wanted $token_count"
printf 'Got %d distinct tokens in %.1f s.\n\n' "$distinct" "$mint_seconds"

# One wrk run; prints the BENCH line of bench/report.lua.
run_wrk() {
    local script=$1 path=$2
    shift 2
    wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$script" "$@" "$api$path" | tee -a "$work/wrk.log" | grep '^BENCH '
}
field() { sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$2"; }

echo "Running wrk for $seconds s per route (1 thread, $connections connections)..."
public=$(run_wrk bench/report.lua /api/messages/public)
admin=$(run_wrk bench/report.lua /api/messages/admin -H "Authorization: Bearer $admin_token")
protected=$(BENCH_TOKEN_FILE="$work/tokens" run_wrk bench/distinct_tokens.lua /api/messages/protected)

rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")
fetches=$(grep -cE "key set loaded from|key set fetch from" "$work/server.log" || true)

# OpenSSL's single-core RSA-2048 verifications per second: the floor for distinct tokens. The
# column is found by its header, since OpenSSL 3.2+ adds encrypt/decrypt columns.
echo "Running openssl speed -seconds 3 rsa2048..."
openssl speed -seconds 3 rsa2048 >"$work/openssl.log" 2>/dev/null
openssl_verify=$(awk '
    /verify\/s/ { for (i = 1; i <= NF; i++) if ($i == "verify/s") column = i + 3 }
    /^rsa 2048 bits/ && column { print $column }' "$work/openssl.log")
[[ -n $openssl_verify ]] || fail "could not read verify/s from openssl speed"

row() {
    local name=$1 line=$2
    printf '| %s | %.0f | %.2f ms | %.2f ms | %d |\n' "$name" "$(field rps "$line")" \
        "$(calc "$(field p50_us "$line") / 1000")" "$(calc "$(field p99_us "$line") / 1000")" \
        "$(field non2xx "$line")"
}
verdict() { if [[ $1 -eq 1 ]]; then echo PASS; else echo MISS; fi; }
ge() { calc "($1 >= $2) ? 1 : 0"; }

public_rps=$(field rps "$public")
admin_rps=$(field rps "$admin")
protected_rps=$(field rps "$protected")
non2xx=$(($(field non2xx "$public") + $(field non2xx "$admin") + $(field non2xx "$protected")))
socket_errors=$(($(field socket_errors "$public") + $(field socket_errors "$admin") + $(field socket_errors "$protected")))
rss_mb=$(awk "BEGIN { printf \"%.1f\", $rss_kb / 1024 }")

echo
echo "## hello-api under wrk ($seconds s per route, 1 thread, $connections connections, RUST_LOG=$log_filter)"
echo
echo "| route | req/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|"
row "public" "$public"
row "admin, one repeated token" "$admin"
row "protected, $token_count distinct tokens" "$protected"
echo
echo "- server RSS after the runs: $rss_mb MB"
echo "- key-set fetches: $fetches"
printf -- '- openssl speed rsa2048 verify/s (one core): %.0f\n' "$openssl_verify"
printf -- '- tokens from the token endpoint: %d in %.1f s\n' "$token_count" "$mint_seconds"
echo "- socket errors (connect/read/write/timeout): $socket_errors"
echo
printf -- '- admin / public = %.2f (budget >= 0.90): %s\n' "$(calc "$admin_rps / $public_rps")" \
    "$(verdict "$(ge "$admin_rps" "0.9 * $public_rps")")"
printf -- '- distinct / openssl verify = %.2f (budget >= 0.50): %s\n' \
    "$(calc "$protected_rps / $openssl_verify")" "$(verdict "$(ge "$protected_rps" "0.5 * $openssl_verify")")"
echo "- key-set fetches = $fetches (budget == 1): $(verdict "$((fetches == 1))")"
echo "- RSS = $rss_mb MB (budget <= 64 MB): $(verdict "$(ge 65536 "$rss_kb")")"
echo "- non-2xx = $non2xx (budget == 0): $(verdict "$((non2xx == 0))")"
echo
echo "Machine: $(nproc) CPU(s), $(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)," \
    "$(awk '/^MemTotal:/ {printf "%.1f GB RAM", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
