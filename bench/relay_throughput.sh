#!/usr/bin/env bash
# Relay throughput benchmark: moat-smtpd vs a plain Postfix relay, same load,
# same smtp-sink backend, all on loopback. Writes its section of
# docs/benchmarks.md. A benchmark, not a test: it is never run by ctest or CI.
# See bench/README.md for what each number means.
#
# Needs root (Postfix's master and smtp-sink start as root and drop privileges),
# the Debian postfix and python3 packages, and moat-smtpd + moatctl built in
# $MOAT_BUILD_DIR. Starts its own private Postfix instance; never touches
# /etc/postfix or the system Postfix. Everything it starts is stopped on exit,
# whatever the exit.
#
# Environment:
#   BENCH_MESSAGES   messages per smtp-source run (default 5000)
#   BENCH_REPEATS    measured runs per path (default 3; medians are reported)
#   BENCH_SESSIONS   smtp-source parallel sessions (default 20)
#   BENCH_SIZE       message body bytes (default 4096)
#   BENCH_TARGETS    paths to measure, from "sink postfix moat" (default all)
#   BENCH_TMPDIR     where the Postfix queue and Moat spool live (default
#                    /var/tmp; must be a real disk, not tmpfs, or fsync is free)
#   BENCH_OUTPUT     Markdown file to update (default docs/benchmarks.md)
#   BENCH_KEEP=1     keep the work directory (configs, logs) after the run
#   MOAT_BUILD_DIR   build directory with services/moat-smtpd and
#                    services/moatctl (default <repo>/build)
#   MOAT_VERSION     how to name the Moat build in the report (default: git
#                    describe of the source directory the build came from)
#   MOAT_WORKERS     [queue] workers for moat-smtpd (default 16)
#   BENCH_WAIT_IDLE  before each measured run, wait up to this many seconds
#                    for the machine to be idle (default 120; 0: don't)
#   BENCH_PROBE_INTERVAL  seconds between latency probe messages (0.005)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

messages=${BENCH_MESSAGES:-5000}
repeats=${BENCH_REPEATS:-3}
sessions=${BENCH_SESSIONS:-20}
size=${BENCH_SIZE:-4096}
targets=${BENCH_TARGETS:-sink postfix moat}
tmpbase=${BENCH_TMPDIR:-/var/tmp}
output=${BENCH_OUTPUT:-$repo/docs/benchmarks.md}
build=${MOAT_BUILD_DIR:-$repo/build}
moat_workers=${MOAT_WORKERS:-16}
wait_idle=${BENCH_WAIT_IDLE:-120}
probe_interval=${BENCH_PROBE_INTERVAL:-0.005}
sender=sender@bench.test
recipient=user@bench.test

bench_name=relay_throughput
# shellcheck source=bench/bench_processes.sh
source "$here/bench_processes.sh"

# ---- prerequisites: checked, never installed behind the user's back ----
[[ $(id -u) -eq 0 ]] || die "run as root (Postfix's master and smtp-sink need it to drop privileges)"
for tool in /usr/sbin/smtp-sink /usr/sbin/smtp-source /usr/sbin/postfix /usr/sbin/postconf /usr/bin/python3 setsid; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install postfix python3 (util-linux for setsid)"
done
getent passwd postfix >/dev/null || die "user postfix missing (comes with the Debian postfix package)"
getent group postdrop >/dev/null || die "group postdrop missing (comes with the Debian postfix package)"
getent passwd nobody >/dev/null || die "user nobody missing"
for t in $targets; do
    [[ $t == sink || $t == postfix || $t == moat ]] || die "BENCH_TARGETS: unknown path '$t'"
done
if wants moat; then
    [[ -x $build/services/moat-smtpd && -x $build/services/moatctl ]] ||
        die "moat-smtpd/moatctl not found in $build/services: build them (ninja -C $build moat-smtpd moatctl), set MOAT_BUILD_DIR, or BENCH_TARGETS='sink postfix'"
fi
[[ $messages =~ ^[0-9]+$ && $messages -gt 0 ]] || die "BENCH_MESSAGES must be a positive integer"
[[ $repeats =~ ^[0-9]+$ && $repeats -gt 0 ]] || die "BENCH_REPEATS must be a positive integer"
fstype=$(stat -f -c %T "$tmpbase")
[[ $fstype != tmpfs && $fstype != ramfs ]] || die "BENCH_TMPDIR=$tmpbase is $fstype: fsync would cost nothing there; pick a disk"

load_before=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load_before" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
    echo "relay_throughput: warning: load average $load_before on $(nproc) CPUs; other work will skew the figures" >&2
fi

work=$(mktemp -d "$tmpbase/moat-bench.XXXXXX")
chmod 755 "$work"
results=$work/results.jsonl
pids=()          # process-group leaders we started (each via setsid)
postfix_dir=""   # set once our Postfix instance has been started

trap_cleanup

read -r sink_port postfix_port moat_port <<<"$(free_ports 3)"

# ---- the backend: one smtp-sink for everything ----
sink_log=$work/sink.out
start_bg "$sink_log" smtp-sink -c -u nobody "127.0.0.1:$sink_port" 256
wait_listening "$sink_port" "$last_pid" smtp-sink
note "smtp-sink on 127.0.0.1:$sink_port"

# ---- (b) a private Postfix instance relaying bench.test to the sink ----
start_postfix() {
    start_private_postfix "$work/postfix" "$postfix_port" "$sink_port" bench/relay_throughput.sh
    note "Postfix $(postconf -c "$postfix_dir/etc" -h mail_version) on 127.0.0.1:$postfix_port (work dir $postfix_dir)"
}

# ---- (a) moat-smtpd relaying bench.test to the sink ----
start_moat() {
    local dir=$work/moat
    mkdir -p "$dir/spool"
    cat >"$dir/moat.ini" <<EOF
; Benchmark instance written by bench/relay_throughput.sh.
[smtp]
listen = 127.0.0.1:$moat_port
hostname = moat.bench.localhost
max_sessions = 500
max_sessions_per_ip = 500
max_message_size = 10M

[store]
url = sqlite:$dir/moat.db

[spool]
dir = $dir/spool

[queue]
workers = $moat_workers

; The Postfix under test does not scan for viruses either.
[scan]
socket =

[log]
level = warning
EOF
    "$build/services/moatctl" --config "$dir/moat.ini" domain add bench.test --backend "127.0.0.1:$sink_port" \
        >"$dir/moatctl.log" 2>&1 || die "moatctl domain add failed: $(cat "$dir/moatctl.log")"
    # bench.test has no DNS and smtp-source says HELO with this machine's short name: like the
    # Postfix under test, Moat must not refuse that.
    for setting in sender_domain.action helo.action; do
        "$build/services/moatctl" --config "$dir/moat.ini" setting set "$setting" off \
            >>"$dir/moatctl.log" 2>&1 || die "moatctl setting set failed: $(cat "$dir/moatctl.log")"
    done
    start_bg "$dir/moat-smtpd.log" "$build/services/moat-smtpd" --config "$dir/moat.ini"
    moat_pid=$last_pid
    wait_listening "$moat_port" "$moat_pid" moat-smtpd
    note "moat-smtpd on 127.0.0.1:$moat_port (work dir $dir)"
}

wants postfix && start_postfix
wants moat && start_moat

port_of() {
    case $1 in
        sink) echo "$sink_port" ;;
        postfix) echo "$postfix_port" ;;
        moat) echo "$moat_port" ;;
    esac
}

# One measurement; the helper runs in its own process group so that a signal
# to this script can stop it (and its smtp-source) at once.
measure() {
    local label=$1 run=$2 count=$3 results_file=$4 idle=$5
    start_bg "$work/measure.$label.$run.log" python3 "$here/relay_measure.py" run \
        --wait-idle "$idle" --probe-interval "$probe_interval" \
        --server "127.0.0.1:$(port_of "$label")" --label "$label" --run "$run" \
        --messages "$count" --sessions "$sessions" --size "$size" \
        --from "$sender" --to "$recipient" --sink-log "$sink_log" --results "$results_file"
    local pid=$last_pid rc=0
    wait "$pid" || rc=$?
    unset_pid "$pid"
    cat "$work/measure.$label.$run.log"
    if [[ $label == moat ]] && ! kill -0 "$moat_pid" 2>/dev/null; then
        echo "moat-smtpd died; last lines of its log:" >&2
        tail -n 20 "$work/moat/moat-smtpd.log" >&2
        return 1
    fi
    return "$rc"
}

warmup=$((messages / 10 < 200 ? 200 : messages / 10))
note "warm-up: $warmup messages per path (not reported)"
for t in $targets; do
    measure "$t" 0 "$warmup" "$work/warmup.jsonl" 0 || echo "warm-up of $t failed" >&2
done

failed=0
for ((r = 1; r <= repeats; r++)); do
    note "round $r of $repeats: $messages messages, $sessions sessions, $size bytes"
    for t in $targets; do
        measure "$t" "$r" "$messages" "$results" "$wait_idle" || failed=1
    done
done

postfix_version=$(postconf -d -h mail_version)
# The source the binaries were built from, as its CMake cache records it.
moat_source=$(sed -n 's/^moat_SOURCE_DIR:STATIC=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
moat_version=${MOAT_VERSION:-$(git -C "${moat_source:-$repo}" describe --always --dirty 2>/dev/null || echo "built from ${moat_source:-unknown source}")}
python3 "$here/relay_measure.py" report --results "$results" --output "$output" --workdir "$work" \
    --messages "$messages" --sessions "$sessions" --size "$size" --repeats "$repeats" \
    --moat-workers "$moat_workers" --probe-interval "$probe_interval" --wait-idle "$wait_idle" \
    --postfix-version "$postfix_version" --moat-version "$moat_version" \
    --expected "$targets" --load "$load_before $(cut -d' ' -f1 /proc/loadavg)"
note "wrote $output"
exit "$failed"
