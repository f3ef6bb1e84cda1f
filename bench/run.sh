#!/usr/bin/env bash
# `make bench`: load-tests the release server in local mode with wrk and prints one markdown
# table, the performance budgets (docs/performance.md) with PASS/MISS, and the machine it ran on.
#
# Then DPoP: the admin route with a DPoP-bound token and a fresh proof per request (bench/dpop.lua;
# the token and BENCH_DPOP_PROOFS proofs, default 90000, made by examples/dpop_proofs.rs with
# testkit::dpop) for at most BENCH_DPOP_SECONDS (default 5; wrk stops early when the proofs run
# out, and the memory replay store holds 100 000), against one core's `openssl speed ecdsap256`
# verifications per second; the server's RSS before and after is the replay store's memory.
#
# Then the public route against the ceiling of its stack: a bare actix-web app (examples/baseline.rs,
# built in the same run, no middleware) answering with the same handler, side by side (BENCH_ROUNDS
# rounds, default 3, of BENCH_BASELINE_SECONDS per run, default 5). The script exits non-zero when
# the public route makes less than 0.95 x the baseline's req/s or its p99 is over 1.5 x the
# baseline's. A third app, the baseline adding hello-api's headers in its handler (checked equal to
# hello-api's), runs in the same rounds: it splits the gap into what the headers cost by themselves
# and what the stack costs beyond them (reported, no budget).
#
# Every budget (docs/performance.md) is checked: the script exits non-zero when one is missed.
#
# Then the cost of metrics: public and admin with METRICS on and off, side by side (BENCH_ROUNDS
# rounds, default 3, of BENCH_METRICS_SECONDS per run, default 5), with the on/off ratio.
#
# Settings (environment): BENCH_SECONDS (default 10) per wrk run, BENCH_TOKENS (default 20000)
# distinct tokens for the protected route, BENCH_CONNECTIONS (default 32), BENCH_PROFILE (default
# release; another Cargo profile, to compare build settings), BENCH_LOG (default info, the server's
# RUST_LOG). TOKEN_CACHE_SIZE reaches the server
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
# The server's default level, `info`: the access log (one line per request) is part of what a
# request costs (docs/performance.md, "The access log"). BENCH_LOG sets another filter.
log_filter=${BENCH_LOG:-info}

if ! command -v wrk >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
fi

cargo build --profile "$profile" --locked --bin hello-api --example baseline --example dpop_proofs
# Cargo names the folder of the release profile `release` and of `dev` `debug`.
profile_dir=$profile
[[ $profile == dev ]] && profile_dir=debug
binaries="${CARGO_TARGET_DIR:-$repo/target}/$profile_dir"

# Arithmetic on decimals (bash has integers only).
calc() { awk "BEGIN { print $1 }"; }

work=$(mktemp -d)
server_pids=()
cleanup() {
    for pid in "${server_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "bench: $*" >&2
    for log in "$work"/*/server.log; do
        echo "--- $log ---" >&2
        cat "$log" >&2
    done
    exit 1
}

form="grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret"
token_of() { sed -nE 's/.*"access_token":"([^"]+)".*/\1/p'; }

# start_server NAME [VARIABLE=value...]: local mode on free ports, without the demo, whatever the
# caller's environment configures, plus the given variables. It runs in its own temporary folder
# so that no .env is read and the issuer's key is a fresh one, removed at exit. Once its key set
# is loaded, sets server_pid, api, issuer and admin_token.
start_server() {
    local name=$1
    shift
    mkdir -p "$work/$name"
    (
        cd "$work/$name"
        exec env -u AUTH0_DOMAIN -u ISSUER_BASE_URL -u AZURE_TENANT_ID -u AZURE_B2C_TENANT_NAME \
            -u AUTH0_AUDIENCE -u AUDIENCE -u TOKEN_ALGORITHMS -u PERMISSIONS_CLAIM \
            -u LOCAL_ADMIN_SECRET -u LOCAL_ISSUER_KEY_FILE -u METRICS \
            HOST=127.0.0.1 PORT=0 LOCAL_ISSUER_PORT=0 SERVE_DEMO=false RUST_LOG="$log_filter" "$@" \
            "$binaries/hello-api"
    ) >"$work/$name/server.log" 2>&1 &
    server_pid=$!
    server_pids+=("$server_pid")

    # Ready when it names both URLs and the key set is loaded.
    local log="$work/$name/server.log"
    api= issuer=
    for _ in $(seq 300); do
        kill -0 "$server_pid" 2>/dev/null || fail "the $name server exited"
        api=$(sed -nE 's/.*hello-api listening on (http:[^ ]+).*/\1/p' "$log" | head -1)
        issuer=$(sed -nE 's/.*embedded issuer at (http:[^ ]+\/) .*/\1/p' "$log" | head -1)
        if [[ -n $api && -n $issuer ]] && grep -q "key set loaded" "$log"; then
            break
        fi
        sleep 0.1
    done
    [[ -n $api && -n $issuer ]] && grep -q "key set loaded" "$log" || fail "the $name server is not ready after 30 s"
    curl -sf "$api/api/messages/public" >/dev/null || fail "the public route of the $name server does not answer"
    admin_token=$(curl -sf -d "$form" "${issuer}oauth/token" | token_of)
    [[ -n $admin_token ]] || fail "no token from ${issuer}oauth/token"
}

start_server main

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
fetches=$(grep -cE "key set loaded from|key set fetch from" "$work/main/server.log" || true)

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
# report TEXT OK NAME: prints TEXT with PASS or MISS; a miss (OK is not 1) fails the run at the end.
missed=()
report() {
    echo "$1: $(verdict "$2")"
    [[ $2 -eq 1 ]] || missed+=("$3")
}
public_p99=$(field p99_us "$public")
admin_p99=$(field p99_us "$admin")
report "$(printf -- '- admin / public = %.2f (budget >= 0.90)' "$(calc "$admin_rps / $public_rps")")" \
    "$(ge "$admin_rps" "0.9 * $public_rps")" "admin / public"
report "$(printf -- '- public p99 / admin p99 = %.2f (budget <= 1.00)' "$(calc "$public_p99 / $admin_p99")")" \
    "$(ge "$admin_p99" "$public_p99")" "public p99 / admin p99"
report "$(printf -- '- distinct / openssl verify = %.2f (budget >= 0.80)' "$(calc "$protected_rps / $openssl_verify")")" \
    "$(ge "$protected_rps" "0.8 * $openssl_verify")" "distinct tokens / openssl verify"
report "- key-set fetches = $fetches (budget == 1)" "$((fetches == 1))" "key-set fetches"
report "- RSS after $token_count distinct tokens = $rss_mb MB (budget <= 12 MB)" "$(ge 12288 "$rss_kb")" RSS
report "- non-2xx = $non2xx (budget == 0)" "$((non2xx == 0))" non-2xx
echo

# DPoP (docs/dpop.md): a DPoP-bound token made with the local issuer's key (the server's own key
# file, in its folder), a fresh proof per request.
dpop_proofs=${BENCH_DPOP_PROOFS:-90000}
echo "Making a DPoP-bound token and $dpop_proofs proofs..."
"$binaries/examples/dpop_proofs" "$work/main/.local-issuer-key.pem" "$admin_token" \
    "$api/api/messages/admin" "$dpop_proofs" "$work/dpop" || fail "could not make the DPoP proofs"
curl -sf -o /dev/null -H "Authorization: DPoP $(head -1 "$work/dpop")" -H "DPoP: $(tail -1 "$work/dpop")" \
    "$api/api/messages/admin" || fail "the DPoP-bound token and its last proof are refused"
# That last proof is now used: wrk stops long before it.
rss_before_dpop_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")
dpop=$(seconds=${BENCH_DPOP_SECONDS:-5} BENCH_DPOP_FILE="$work/dpop" run_wrk bench/dpop.lua /api/messages/admin)
rss_after_dpop_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")
echo "Running openssl speed -seconds 3 ecdsap256..."
openssl speed -seconds 3 ecdsap256 >"$work/openssl-ecdsa.log" 2>/dev/null
ecdsa_verify=$(awk '
    /verify\/s/ { for (i = 1; i <= NF; i++) if ($i == "verify/s") column = i + 4 }
    /ecdsa \(nistp256\)/ && column { print $column }' "$work/openssl-ecdsa.log")
[[ -n $ecdsa_verify ]] || fail "could not read verify/s from openssl speed ecdsap256"
dpop_rps=$(field rps "$dpop")
dpop_requests=$(field requests "$dpop")
echo
echo "## DPoP: the admin route with a fresh proof per request"
echo
echo "| route | requests | req/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
printf '| admin, DPoP (one bound token, a new proof each) | %d | %.0f | %.2f ms | %.2f ms | %d |\n' "$dpop_requests" \
    "$dpop_rps" "$(calc "$(field p50_us "$dpop") / 1000")" "$(calc "$(field p99_us "$dpop") / 1000")" \
    "$(field non2xx "$dpop")"
printf '| admin, Bearer (one repeated token, above) | | %.0f | %.2f ms | %.2f ms | %d |\n' "$admin_rps" \
    "$(calc "$(field p50_us "$admin") / 1000")" "$(calc "$admin_p99 / 1000")" "$(field non2xx "$admin")"
echo
printf -- '- openssl speed ecdsap256 verify/s (one core): %.0f\n' "$ecdsa_verify"
printf -- '- replay store: %d proofs remembered, RSS %.1f MB before, %.1f MB after (%.0f bytes a proof)\n' \
    "$dpop_requests" "$(calc "$rss_before_dpop_kb / 1024")" "$(calc "$rss_after_dpop_kb / 1024")" \
    "$(calc "($rss_after_dpop_kb - $rss_before_dpop_kb) * 1024 / ($dpop_requests + 1)")"
report "$(printf -- '- DPoP / openssl ecdsap256 verify = %.2f (budget >= 0.80)' "$(calc "$dpop_rps / $ecdsa_verify")")" \
    "$(ge "$dpop_rps" "0.8 * $ecdsa_verify")" "DPoP / openssl ecdsap256 verify"
report "- DPoP non-2xx = $(field non2xx "$dpop") (budget == 0)" "$(($(field non2xx "$dpop") == 0))" "DPoP non-2xx"
echo
# The public route against the baseline (docs/performance.md, "The baseline"): the server above
# (metrics on, every header, CORS) and the bare actix-web app, BENCH_ROUNDS rounds of
# BENCH_BASELINE_SECONDS, the order swapped every round; the medians are compared.
main_api=$api
# start_baseline NAME [VARIABLE=value...]: the baseline app on a free port; sets baseline_api.
start_baseline() {
    local name=$1
    shift
    mkdir -p "$work/$name"
    env PORT=0 "$@" "$binaries/examples/baseline" >"$work/$name/server.log" 2>&1 &
    server_pids+=("$!")
    baseline_api=
    for _ in $(seq 100); do
        baseline_api=$(sed -nE 's/^baseline listening on (http:[^ ]+).*/\1/p' "$work/$name/server.log" | head -1)
        [[ -n $baseline_api ]] && break
        sleep 0.1
    done
    [[ -n $baseline_api ]] || fail "the $name app did not start"
    [[ $(curl -sf "$baseline_api/api/messages/public") == "$(curl -sf "$main_api/api/messages/public")" ]] ||
        fail "the $name app does not answer the public route's JSON"
}
# The response's headers but the date and the length, one line per comma-separated value, sorted
# (actix-cors lists the exposed headers in an order that differs between its workers).
headers_of() {
    curl -s -D - -o /dev/null "$1/api/messages/public" | tr -d '\r' | grep -viE '^(date|content-length):|^$' |
        awk '{ at = index($0, ": "); if (!at) { print; next }
               n = split(substr($0, at + 2), values, ", "); for (i = 1; i <= n; i++) print substr($0, 1, at + 1) values[i] }' |
        sort
}
start_baseline baseline
bare_api=$baseline_api
# The same app adding hello-api's headers in its handler: what the headers cost by themselves.
start_baseline baseline-headers BASELINE_HEADERS=1
headers_api=$baseline_api
[[ $(headers_of "$headers_api") == "$(headers_of "$main_api")" ]] ||
    fail "the baseline with headers does not answer hello-api's headers: $(diff <(headers_of "$headers_api") <(headers_of "$main_api"))"
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_BASELINE_SECONDS:-5}
ours_rps=() ours_p99=() base_rps=() base_p99=() headers_rps=() headers_p99=()
measure_public() { # measure_public ours|base|headers
    local line
    case $1 in
        ours) api=$main_api ;;
        base) api=$bare_api ;;
        headers) api=$headers_api ;;
    esac
    line=$(run_wrk bench/report.lua /api/messages/public)
    local -n rps_runs="$1_rps" p99_runs="$1_p99"
    rps_runs+=("$(field rps "$line")")
    p99_runs+=("$(field p99_us "$line")")
}
echo
echo "Running the public route and the baselines side by side: $rounds rounds, $seconds s per run..."
order=(ours base headers)
for round in $(seq "$rounds"); do
    # Each round starts with the next one, so that none always runs first.
    for at in 0 1 2; do
        measure_public "${order[(round + at) % 3]}"
    done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
runs() { local IFS=' '; printf '%.0f ' "$@"; }
rps_ratio=$(calc "$(median "${ours_rps[@]}") / $(median "${base_rps[@]}")")
p99_ratio=$(calc "$(median "${ours_p99[@]}") / $(median "${base_p99[@]}")")
rps_ok=$(ge "$rps_ratio" 0.95)
p99_ok=$(ge 1.5 "$p99_ratio")
echo
echo "## The public route against a bare actix-web app ($rounds rounds of $seconds s per run, 1 thread, $connections connections)"
echo
echo "| server | median req/s | median p99 | runs req/s | runs p99 (µs) |"
echo "|---|---:|---:|---|---|"
printf '| hello-api, public (every header, CORS, metrics) | %.0f | %.2f ms | %s| %s|\n' "$(median "${ours_rps[@]}")" \
    "$(calc "$(median "${ours_p99[@]}") / 1000")" "$(runs "${ours_rps[@]}")" "$(runs "${ours_p99[@]}")"
printf '| bare actix-web (examples/baseline.rs) | %.0f | %.2f ms | %s| %s|\n' "$(median "${base_rps[@]}")" \
    "$(calc "$(median "${base_p99[@]}") / 1000")" "$(runs "${base_rps[@]}")" "$(runs "${base_p99[@]}")"
printf '| bare actix-web with hello-api'"'"'s headers (BASELINE_HEADERS) | %.0f | %.2f ms | %s| %s|\n' \
    "$(median "${headers_rps[@]}")" "$(calc "$(median "${headers_p99[@]}") / 1000")" "$(runs "${headers_rps[@]}")" \
    "$(runs "${headers_p99[@]}")"
echo
report "$(printf -- '- public / baseline req/s = %.3f (budget >= 0.95)' "$rps_ratio")" "$rps_ok" "public / baseline req/s"
report "$(printf -- '- public p99 / baseline p99 = %.2f (budget <= 1.5)' "$p99_ratio")" "$p99_ok" "public p99 / baseline p99"
printf -- '- what the headers cost by themselves: baseline with headers / baseline req/s = %.3f\n' \
    "$(calc "$(median "${headers_rps[@]}") / $(median "${base_rps[@]}")")"
printf -- '- what the stack costs beyond them: public / baseline with headers req/s = %.3f\n' \
    "$(calc "$(median "${ours_rps[@]}") / $(median "${headers_rps[@]}")")"
api=$main_api

# The cost of metrics (docs/operations.md, "Metrics"): public and admin on the server above
# (METRICS on, the default) and on a second one with METRICS=off, side by side: BENCH_ROUNDS
# rounds (default 3) of BENCH_METRICS_SECONDS (default 5) per run, the order swapped every
# round so that the machine's noise falls on both; the medians are compared.
on_api=$api on_token=$admin_token
curl -sf "$on_api/metrics" | grep -q '^hello_api_http_requests_total' || fail "METRICS on: /metrics has no request counter"
start_server metrics-off METRICS=off
off_api=$api off_token=$admin_token
[[ $(curl -s -o /dev/null -w '%{http_code}' "$off_api/metrics") == 404 ]] || fail "METRICS=off: /metrics is not a 404"
seconds=${BENCH_METRICS_SECONDS:-5}
public_on=() public_off=() admin_on=() admin_off=()
measure() { # measure on|off: one public and one admin run against that server
    local which=$1 token
    if [[ $which == on ]]; then api=$on_api token=$on_token; else api=$off_api token=$off_token; fi
    local -n public_runs="public_$which" admin_runs="admin_$which"
    public_runs+=("$(field rps "$(run_wrk bench/report.lua /api/messages/public)")")
    admin_runs+=("$(field rps "$(run_wrk bench/report.lua /api/messages/admin -H "Authorization: Bearer $token")")")
}
echo
echo "Running METRICS on and off side by side: $rounds rounds, $seconds s per run..."
for round in $(seq "$rounds"); do
    if ((round % 2)); then measure on; measure off; else measure off; measure on; fi
done

echo
echo "## The cost of metrics ($rounds rounds of $seconds s per run, 1 thread, $connections connections)"
echo
echo "| route | METRICS on, median req/s | METRICS off, median req/s | on / off | runs on | runs off |"
echo "|---|---:|---:|---:|---|---|"
for route in public admin; do
    declare -n on="${route}_on" off="${route}_off"
    printf '| %s | %.0f | %.0f | %.3f | %s| %s|\n' "$route" "$(median "${on[@]}")" "$(median "${off[@]}")" \
        "$(calc "$(median "${on[@]}") / $(median "${off[@]}")")" "$(runs "${on[@]}")" "$(runs "${off[@]}")"
    unset -n on off
done
echo
for route in public admin; do
    declare -n on="${route}_on" off="${route}_off"
    report "$(printf -- '- %s with metrics / without = %.3f (budget >= 0.97)' "$route" \
        "$(calc "$(median "${on[@]}") / $(median "${off[@]}")")")" \
        "$(ge "$(median "${on[@]}")" "0.97 * $(median "${off[@]}")")" "$route with metrics / without"
    unset -n on off
done
echo

echo "Machine: $(nproc) CPU(s), $(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)," \
    "$(awk '/^MemTotal:/ {printf "%.1f GB RAM", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
if ((${#missed[@]})); then
    echo "bench: missed budgets: $(IFS=,; echo "${missed[*]}" | sed 's/,/, /g')" >&2
    exit 1
fi
