#!/usr/bin/env bash
# Full filtering pipeline benchmark (issue 14): Moat (moat-smtpd + moat-scand
# + content scoring) vs Postfix + rspamd milter + clamd (+ redis), and Moat
# without moat-scand (its plain relay rate, same run), same load, same test
# signatures, same DNS server (a local nsd answering at once), one smtp-sink
# backend, all on loopback. Writes its section of docs/benchmarks.md. A
# benchmark, not a test: never run by ctest or CI. See bench/README.md.
#
# Needs root (Postfix, rspamd, clamd and smtp-sink start as root and drop
# privileges). Installs the Debian packages it needs with apt-get when they are
# missing (postfix rspamd clamav-daemon clamav redis-server nsd). Starts private
# instances of everything (own configs, ports, directories); never touches the
# system's /etc/postfix, rspamd, clamd or redis setup. Everything it starts is
# stopped on exit, whatever the exit.
#
# Environment:
#   BENCH_MESSAGES     messages per smtp-source run (default 2000)
#   BENCH_REPEATS      measured runs per path, interleaved (default 3; medians reported)
#   BENCH_SESSIONS     smtp-source parallel sessions (default 20)
#   BENCH_SIZE         message body bytes (default 4096)
#   BENCH_TARGETS      paths to measure, from "stack moat relay fork" (default "stack moat relay";
#                      "fork" is Moat with the moat-scand of MOAT_FORK_SCAND, e.g. a build from
#                      before issue 14 that forks one process per message: the alternative measured)
#   BENCH_TMPDIR       where queues and spools live (default /var/tmp; a real disk)
#   BENCH_OUTPUT       Markdown file to update (default docs/benchmarks.md)
#   BENCH_KEEP=1       keep the work directory
#   BENCH_WAIT_IDLE    wait up to this many seconds for an idle machine before each run (default 60)
#   BENCH_BIG_SIGS     also measure moat-scand's RSS with this many generated .ndb
#                      body signatures (0: skip; about 1 GiB of engine needs ~1,000,000)
#   BENCH_BIG_RESULT   instead, report the JSON of an earlier
#                      `pipeline_measure.py big-engine` run (it takes long: run it apart)
#   MOAT_BUILD_DIR     build directory (default <repo>/build)
#   MOAT_WORKERS       [queue] workers for moat-smtpd (default 16)
#   MOAT_SCAN_WORKERS  [scan] workers for moat-scand (default 4)
#   RSPAMD_WORKERS     rspamd proxy (self-scanning milter) processes (default: nproc)
#   BENCH_STACK_SETTLE seconds to let rspamd settle before measuring (default 300)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

messages=${BENCH_MESSAGES:-2000}
repeats=${BENCH_REPEATS:-3}
sessions=${BENCH_SESSIONS:-20}
size=${BENCH_SIZE:-4096}
targets=${BENCH_TARGETS:-stack moat relay}
fork_scand=${MOAT_FORK_SCAND:-}
tmpbase=${BENCH_TMPDIR:-/var/tmp}
output=${BENCH_OUTPUT:-$repo/docs/benchmarks.md}
build=${MOAT_BUILD_DIR:-$repo/build}
moat_workers=${MOAT_WORKERS:-16}
scan_workers=${MOAT_SCAN_WORKERS:-4}
rspamd_workers=${RSPAMD_WORKERS:-$(nproc)}
wait_idle=${BENCH_WAIT_IDLE:-60}
big_sigs=${BENCH_BIG_SIGS:-0}
sender=sender@bench.test
recipient=user@bench.test

bench_name=pipeline_throughput
# shellcheck source=bench/bench_processes.sh
source "$here/bench_processes.sh"

[[ $(id -u) -eq 0 ]] || die "run as root"
need=()
for p in postfix rspamd clamav-daemon clamav redis-server nsd python3; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
    note "installing ${need[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
for t in $targets; do [[ $t == stack || $t == moat || $t == relay || $t == fork ]] || die "BENCH_TARGETS: unknown path '$t'"; done
if wants fork; then [[ -x $fork_scand ]] || die "BENCH_TARGETS has fork: set MOAT_FORK_SCAND to a moat-scand binary"; fi
if wants moat || wants relay; then
    [[ -x $build/services/moat-smtpd && -x $build/services/moatctl && -x $build/services/moat-scand ]] ||
        die "moat-smtpd, moat-scand and moatctl not found in $build/services: build them or set MOAT_BUILD_DIR"
fi
fstype=$(stat -f -c %T "$tmpbase")
[[ $fstype != tmpfs && $fstype != ramfs ]] || die "BENCH_TMPDIR=$tmpbase is $fstype: pick a disk"
load_before=$(cut -d' ' -f1 /proc/loadavg)

work=$(mktemp -d "$tmpbase/moat-pipeline.XXXXXX")
chmod 755 "$work"
pids=()
postfix_dir=""

trap_cleanup

read -r sink_port postfix_port moat_port relay_port clamd_port redis_port milter_port rspamd_normal \
    rspamd_ctl fork_port <<<"$(free_ports 10)"

# ---- the test signatures, one directory for clamd and moat-scand ----
sigs=$work/signatures
mkdir -p "$sigs" "$work/empty-local"
python3 - "$sigs/eicar.hdb" <<'EOF'
import hashlib, sys
# Assembled here so that this script is not itself the EICAR test file.
eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
open(sys.argv[1], "w").write(f"{hashlib.md5(eicar).hexdigest()}:{len(eicar)}:Win.Test.EICAR_HDB-1\n")
EOF
chmod -R a+rX "$sigs" "$work/empty-local"

# ---- one DNS server for everyone: nsd, answering from memory ----
# The loopback client's PTR too: Postfix gets "localhost" from /etc/hosts, so
# Moat's reverse lookup must not wait on a server that refuses it.
start_bg "$work/nsd.out" python3 "$repo/tests/fixtures/nsd_server.py" --zone "bench.test=$here/pipeline_dns.zone" \
    --zone "127.in-addr.arpa=$here/pipeline_reverse.zone" --zone "localhost=$here/pipeline_localhost.zone"
for _ in $(seq 100); do grep -q "^nsd on " "$work/nsd.out" && break; sleep 0.1; done
dns_port=$(sed -n 's/^nsd on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/nsd.out")
[[ -n $dns_port ]] || die "nsd did not start: $(cat "$work/nsd.out")"
note "nsd on 127.0.0.1:$dns_port"

# ---- the backend ----
sink_log=$work/sink.out
start_bg "$sink_log" smtp-sink -c -u nobody "127.0.0.1:$sink_port" 256
wait_listening "$sink_port" "$last_pid" smtp-sink

# ---- Postfix + rspamd (milter, self-scanning proxy) + clamd + redis ----
start_stack() {
    # redis: rspamd's statistics, fuzzy, rate limits and replies cache
    start_bg "$work/redis.log" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$work"
    redis_pid=$last_pid
    wait_listening "$redis_port" "$redis_pid" redis-server

    cat >"$work/clamd.conf" <<EOF
TCPSocket $clamd_port
TCPAddr 127.0.0.1
Foreground yes
User clamav
DatabaseDirectory $sigs
LogFile $work/clamd.log
LogFileUnlock yes
MaxThreads 20
MaxFileSize 25M
MaxScanSize 100M
MaxRecursion 16
MaxFiles 10000
EOF
    touch "$work/clamd.log" && chown clamav "$work/clamd.log"
    start_bg "$work/clamd.out" clamd -c "$work/clamd.conf"
    clamd_pid=$last_pid
    wait_listening "$clamd_port" "$clamd_pid" clamd 120

    local r=$work/rspamd
    mkdir -p "$r/local.d" "$r/override.d" "$r/db" "$r/run" "$r/log"
    chown -R _rspamd: "$r/db" "$r/run" "$r/log"
    cat >"$r/override.d/worker-normal.inc" <<EOF
bind_socket = "127.0.0.1:$rspamd_normal";
count = 1;
EOF
    cat >"$r/override.d/worker-controller.inc" <<EOF
bind_socket = "127.0.0.1:$rspamd_ctl";
EOF
    cat >"$r/override.d/worker-proxy.inc" <<EOF
bind_socket = "127.0.0.1:$milter_port";
milter = yes;
timeout = 120s;
count = $rspamd_workers;
upstream "local" {
  default = yes;
  self_scan = yes;
}
EOF
    cat >"$r/local.d/options.inc" <<EOF
dns {
  nameserver = ["127.0.0.1:$dns_port"];
}
EOF
    cat >"$r/local.d/redis.conf" <<EOF
servers = "127.0.0.1:$redis_port";
EOF
    cat >"$r/local.d/logging.inc" <<EOF
level = "warning";
EOF
    cat >"$r/local.d/antivirus.conf" <<EOF
clamav {
  type = "clamav";
  servers = "127.0.0.1:$clamd_port";
  action = "reject";
  scan_mime_parts = false;
  symbol = "CLAM_VIRUS";
  log_clean = false;
  max_size = 20000000;
}
EOF
    start_bg "$work/rspamd.out" rspamd -f -u _rspamd -g _rspamd -c /etc/rspamd/rspamd.conf \
        --var="LOCAL_CONFDIR=$r" --var="DBDIR=$r/db" --var="RUNDIR=$r/run" --var="LOGDIR=$r/log"
    rspamd_pid=$last_pid
    wait_listening "$milter_port" "$rspamd_pid" "rspamd milter" 60
    # rspamd answers at once but is several times slower in its first minutes (it
    # compiles its Hyperscan databases in the background, hs_helper): measure it only
    # after BENCH_STACK_SETTLE seconds (default 300) and once its processes have been
    # idle (< 5% of one CPU) for a 5 s interval (at most 900 s in all).
    local t0 t1 waited=0 settle=${BENCH_STACK_SETTLE:-300}
    t0=$(python3 "$here/pipeline_measure.py" cpu --roots "$rspamd_pid")
    while ((waited < 900)); do
        sleep 5
        waited=$((waited + 5))
        t1=$(python3 "$here/pipeline_measure.py" cpu --roots "$rspamd_pid")
        ((waited >= settle)) && awk -v a="$t0" -v b="$t1" 'BEGIN { exit !((b - a) / 5 < 0.05) }' && break
        t0=$t1
    done
    note "rspamd settled for ${waited}s before measuring"

    start_private_postfix "$work/postfix" "$postfix_port" "$sink_port" bench/pipeline_throughput.sh \
        "smtpd_milters = inet:127.0.0.1:$milter_port" \
        "non_smtpd_milters =" \
        "milter_protocol = 6" \
        "milter_default_action = tempfail" \
        "milter_mail_macros = i {mail_addr} {client_addr} {client_name} {auth_authen}"
    postfix_master=$(tr -dc 0-9 <"$postfix_dir/queue/pid/master.pid")
    note "Postfix $(postconf -d -h mail_version) + rspamd $(rspamd -v | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -1) + clamd on 127.0.0.1:$postfix_port"
}

# ---- moat-smtpd (+ moat-scand when $2 = scan) ----
start_moat() {
    local name=$1 port=$2 scan=$3 dir=$work/$1 scand_bin=${4:-$build/services/moat-scand}
    mkdir -p "$dir/spool" "$dir/archive"
    {
        cat <<EOF
; Benchmark instance written by bench/pipeline_throughput.sh.
[smtp]
listen = 127.0.0.1:$port
hostname = moat.bench.localhost
max_sessions = 500
max_sessions_per_ip = 500
max_message_size = 10M

[store]
url = sqlite:$dir/moat.db

[spool]
dir = $dir/spool

; Its own archive: the default /var/lib/moat/archive is the machine's.
[archive]
dir = $dir/archive

[queue]
workers = $moat_workers

[dns]
servers = 127.0.0.1:$dns_port

[log]
level = warning

EOF
        if [[ $scan == scan ]]; then
            cat <<EOF
[scan]
socket = $dir/scand.sock
signatures = $sigs
local_signatures = $work/empty-local
status_file = $dir/scand.status
workers = $scan_workers
EOF
        else
            printf '[scan]\nsocket =\n'
        fi
    } >"$dir/moat.ini"
    "$build/services/moatctl" --config "$dir/moat.ini" domain add bench.test --backend "127.0.0.1:$sink_port" \
        >"$dir/moatctl.log" 2>&1 || die "moatctl domain add failed: $(cat "$dir/moatctl.log")"
    # As in relay_throughput.sh: smtp-source's HELO is this machine's short name.
    for setting in sender_domain.action helo.action; do
        "$build/services/moatctl" --config "$dir/moat.ini" setting set "$setting" off \
            >>"$dir/moatctl.log" 2>&1 || die "moatctl setting set failed: $(cat "$dir/moatctl.log")"
    done
    if [[ $scan == scan ]]; then
        start_bg "$dir/moat-scand.log" "$scand_bin" --config "$dir/moat.ini"
        eval "${name}_scand_pid=$last_pid"
        for _ in $(seq 300); do [[ -S $dir/scand.sock ]] && break; sleep 0.1; done
        [[ -S $dir/scand.sock ]] || die "moat-scand did not start: $(tail -5 "$dir/moat-scand.log")"
    fi
    start_bg "$dir/moat-smtpd.log" "$build/services/moat-smtpd" --config "$dir/moat.ini"
    eval "${name}_pid=$last_pid"
    wait_listening "$port" "$last_pid" "moat-smtpd ($name)"
    note "moat-smtpd ($name) on 127.0.0.1:$port"
}

wants stack && start_stack
wants moat && start_moat moat "$moat_port" scan
wants relay && start_moat relay "$relay_port" noscan
wants fork && start_moat fork "$fork_port" scan "$fork_scand"

roots_of() {
    case $1 in
        stack) echo "$postfix_master $rspamd_pid $clamd_pid $redis_pid" ;;
        moat) echo "$moat_pid $moat_scand_pid" ;;
        relay) echo "$relay_pid" ;;
        fork) echo "$fork_pid $fork_scand_pid" ;;
    esac
}
port_of() {
    case $1 in
        stack) echo "$postfix_port" ;;
        moat) echo "$moat_port" ;;
        relay) echo "$relay_port" ;;
        fork) echo "$fork_port" ;;
    esac
}

results=$work/results.jsonl
measure() {
    local label=$1 run=$2 count=$3 file=$4 idle=$5
    python3 "$here/pipeline_measure.py" run --roots "$(roots_of "$label")" \
        --scand "$(case $label in moat) echo "$moat_scand_pid" ;; fork) echo "$fork_scand_pid" ;; *) echo 0 ;; esac)" \
        --clamd "$([[ $label == stack ]] && echo "$clamd_pid" || echo 0)" --results "$file" -- \
        --wait-idle "$idle" --server "127.0.0.1:$(port_of "$label")" --label "$label" --run "$run" \
        --messages "$count" --sessions "$sessions" --size "$size" --from "$sender" --to "$recipient" \
        --sink-log "$sink_log"
}

warmup=200
note "warm-up: $warmup messages per path (not reported)"
for t in $targets; do measure "$t" 0 "$warmup" "$work/warmup.jsonl" 0 || echo "warm-up of $t failed" >&2; done
failed=0
for ((r = 1; r <= repeats; r++)); do
    note "round $r of $repeats: $messages messages, $sessions sessions, $size bytes"
    for t in $targets; do measure "$t" "$r" "$messages" "$results" "$wait_idle" || failed=1; done
done

big=${BENCH_BIG_RESULT:-}
if ((big_sigs > 0)) && wants moat; then
    note "moat-scand with $big_sigs generated .ndb signatures"
    big=$work/big.json
    python3 "$here/pipeline_measure.py" big-engine --signatures "$big_sigs" --workdir "$work/big" \
        --scand "$build/services/moat-scand" --workers "$scan_workers" --output "$big" || big=""
fi

moat_source=$(sed -n 's/^moat_SOURCE_DIR:STATIC=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
moat_version=${MOAT_VERSION:-$(git -C "${moat_source:-$repo}" describe --always --dirty 2>/dev/null || echo unknown)}
python3 "$here/pipeline_measure.py" report --results "$results" --output "$output" --workdir "$work" \
    --messages "$messages" --sessions "$sessions" --size "$size" --repeats "$repeats" \
    --moat-workers "$moat_workers" --scan-workers "$scan_workers" --rspamd-workers "$rspamd_workers" \
    --postfix-version "$(postconf -d -h mail_version)" \
    --rspamd-version "$(rspamd -v | grep -o '[0-9][0-9.]*' | head -1)" \
    --clamav-version "$(clamd --version | cut -d/ -f1)" --moat-version "$moat_version" \
    --big "${big:-}" --load "$load_before $(cut -d' ' -f1 /proc/loadavg)"
note "wrote $output"
exit "$failed"
