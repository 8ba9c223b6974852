#!/usr/bin/env bash
# Writes the demo's configuration ($MOAT_DEMO_DIR/moat.ini) and sets up its
# store: the domain demo.test (backend: smtp-sink) and ONE relay network,
# 127.0.0.2/32, for the outbound example. Loopback as a whole is not a relay
# network: mail from 127.0.0.1 is inbound and filtered like mail from the
# internet (a relay network's mail is outbound: relayed anywhere, not scored).
# Used by scripts/demo.sh and by tests/integration/test_demo.py.
# Environment: MOAT_DEMO_DIR, MOAT_BUILD_DIR, and the addresses MOAT_DEMO_SMTP
# (127.0.0.1:2525), MOAT_DEMO_BACKEND (127.0.0.1:2526), MOAT_DEMO_WEB (127.0.0.1:8443).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
demo="${MOAT_DEMO_DIR:-/tmp/moat-demo}"
build="${MOAT_BUILD_DIR:-$root/build}"
smtp="${MOAT_DEMO_SMTP:-127.0.0.1:2525}"
backend="${MOAT_DEMO_BACKEND:-127.0.0.1:2526}"
web="${MOAT_DEMO_WEB:-127.0.0.1:8443}"
outbound="127.0.0.2/32"

mkdir -p "$demo/backend" "$demo/spool" "$demo/archive"
cat > "$demo/moat.ini" <<INI
[smtp]
listen = $smtp
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

[web]
listen = $web
assets = $root/webui
docs = $root/docs

[log]
level = info
INI

ctl() { "$build/services/moatctl" --config "$demo/moat.ini" "$@"; }
ctl domain list | grep -q '^demo.test' || ctl domain add demo.test --backend "$backend" >/dev/null
# Earlier versions of the demo made all of loopback a relay network: undo it.
if ctl relaynet list | grep -q '^127.0.0.0/8 '; then ctl relaynet remove 127.0.0.0/8 >/dev/null; fi
ctl relaynet list | grep -q "^$outbound " ||
  ctl relaynet add "$outbound" --note "demo: outbound example (swaks --local-interface 127.0.0.2)" >/dev/null
