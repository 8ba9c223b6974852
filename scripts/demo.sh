#!/usr/bin/env bash
# Installs what is missing, builds, and runs Moat on loopback with the
# embedded SQLite store and a demo domain (demo.test) whose "internal mail
# server" is Postfix's smtp-sink on 127.0.0.1:2526, dumping what it receives
# into $MOAT_DEMO_DIR/backend. moat-smtpd answers on 127.0.0.1:2525.
# Stop with Ctrl-C. Try:  swaks --server 127.0.0.1:2525 --to user@demo.test
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
demo="${MOAT_DEMO_DIR:-/tmp/moat-demo}"
cd "$root"

scripts/install-deps.sh
scripts/build.sh "$root/build"

mkdir -p "$demo/backend" "$demo/spool" "$demo/archive"
cat > "$demo/moat.ini" <<INI
[smtp]
listen = 127.0.0.1:2525
hostname = mx.demo.test
max_sessions = 200
max_sessions_per_ip = 50
max_message_size = 25M
max_recipients = 100

[store]
url = sqlite:$demo/moat.db

[spool]
dir = $demo/spool

[archive]
dir = $demo/archive

[queue]
workers = 8

; No moat-scand in the demo: virus and attachment scanning is off.
[scan]
socket =

[log]
level = info
INI

ctl() { build/services/moatctl --config "$demo/moat.ini" "$@"; }
ctl domain list | grep -q '^demo.test' || ctl domain add demo.test --backend 127.0.0.1:2526
ctl relaynet list | grep -q '127.0.0.0/8' || ctl relaynet add 127.0.0.0/8 --note "demo: loopback may relay"

/usr/sbin/smtp-sink -u "$(id -un)" -d "$demo/backend/%Y%m%d%H%M%S." 127.0.0.1:2526 100 &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT

echo "moat demo: gateway on 127.0.0.1:2525, domain demo.test -> smtp-sink 127.0.0.1:2526 ($demo/backend)"
echo "moat demo: try  swaks --server 127.0.0.1:2525 --to user@demo.test ; then  ls $demo/backend"
build/services/moat-smtpd --config "$demo/moat.ini"
