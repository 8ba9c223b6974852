# Shared by the shell benchmarks (relay_throughput.sh, pipeline_throughput.sh):
# messages, the processes a run starts and their cleanup. Sourced, not run.
#
# The sourcing script sets bench_name (for messages) and targets (the paths
# it measures) first; once it has made its work directory it sets work,
# pids=() and postfix_dir="" and calls trap_cleanup. From then on every
# process started with start_bg, and a private Postfix instance whose
# directory is in postfix_dir (start_private_postfix sets it), is stopped on
# exit, whatever the exit; the work directory is removed unless BENCH_KEEP=1
# or the run failed.
# shellcheck shell=bash

die() { echo "$bench_name: $*" >&2; exit 1; }
note() { echo "== $*"; }
wants() { [[ " $targets " == *" $1 "* ]]; }

# shellcheck disable=SC2317  # reached through the EXIT trap
bench_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
    [[ -n $postfix_dir ]] && postfix -c "$postfix_dir/etc" stop >/dev/null 2>&1
    local deadline=$((SECONDS + 10))
    for pid in "${pids[@]}"; do
        while kill -0 -- "-$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null
    done
    if [[ -n $postfix_dir ]]; then
        local master_pid
        master_pid=$(tr -dc 0-9 2>/dev/null <"$postfix_dir/queue/pid/master.pid")
        while [[ -n $master_pid ]] && kill -0 "$master_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        [[ -n $master_pid ]] && kill -0 "$master_pid" 2>/dev/null && kill -KILL "$master_pid" 2>/dev/null
    fi
    if [[ ${BENCH_KEEP:-0} == 1 || $rc -ne 0 ]]; then
        echo "$bench_name: work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
    exit "$rc"
}

trap_cleanup() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Starts "$@" in its own session (so the whole group can be signalled) and
# records it; $1 names the log file. The pid is in last_pid.
start_bg() {
    local log=$1
    shift
    setsid "$@" >"$log" 2>&1 </dev/null &
    pids+=("$!")
    last_pid=$!
}

# Forgets a process group that has ended, so cleanup never signals a reused id.
unset_pid() {
    local keep=() p
    for p in "${pids[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    pids=("${keep[@]}")
}

# $1 free TCP ports on 127.0.0.1, space-separated.
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Waits until 127.0.0.1:$1 accepts connections; $2 is the pid that must stay
# alive ("" for none), $3 names it, $4 is the limit in seconds (default 30).
wait_listening() {
    local port=$1 pid=${2:-} what=$3 limit=${4:-30} deadline
    deadline=$((SECONDS + limit))
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then die "$what exited before listening on port $port"; fi
        ((SECONDS < deadline)) || die "$what is not listening on port $port after ${limit}s"
        sleep 0.1
    done
}

# Writes and starts a private Postfix instance in $1 (etc/, queue/, data/ under
# it) that listens on 127.0.0.1:$2 and relays bench.test to the smtp-sink on
# 127.0.0.1:$3; $4 names the writing script in main.cf's first line, and any
# further arguments are appended to main.cf, one a line. Sets postfix_dir to
# $1 first, so cleanup stops the instance; returns once it accepts connections.
start_private_postfix() {
    local dir=$1 port=$2 sink=$3 writer=$4
    shift 4
    postfix_dir=$dir
    local etc=$dir/etc
    mkdir -p "$etc" "$dir/queue" "$dir/data"
    chown postfix "$dir/data"
    {
        cat <<EOF
# Private benchmark instance written by $writer.
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.localhost
mydomain = bench.localhost
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = bench.test
relayhost = [127.0.0.1]:$sink
local_transport = error:5.1.1 local delivery is disabled
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = $dir/maillog
EOF
        if (($#)); then printf '%s\n' "$@"; fi
    } >"$etc/main.cf"
    cat >"$etc/master.cf" <<EOF
# service type private unpriv chroot wakeup maxproc command
127.0.0.1:$port inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
    postfix -c "$etc" check >"$dir/check.log" 2>&1 || die "postfix check failed: $(cat "$dir/check.log")"
    postfix -c "$etc" start >"$dir/start.log" 2>&1 || die "postfix start failed: $(cat "$dir/start.log")"
    wait_listening "$port" "" "Postfix smtpd"
}
