#!/usr/bin/env bash
# Installs what is missing, builds, and runs Moat on loopback with the
# embedded SQLite store and a demo domain (demo.test) whose "internal mail
# server" is Postfix's smtp-sink on 127.0.0.1:2526, dumping what it receives
# into $MOAT_DEMO_DIR/backend. moat-smtpd answers on 127.0.0.1:2525; the
# administration console (moat-webui) on https://127.0.0.1:8443 with the
# browser UI from the source tree's webui/, and a demo account "admin" whose
# random password is printed below (there is no default password).
# Mail from 127.0.0.1 is inbound (filtered); 127.0.0.2/32 is the demo's one
# relay network, for outbound mail (see scripts/demo-setup.sh and README.md).
# Stop with Ctrl-C. Try:  swaks --server 127.0.0.1:2525 --to user@demo.test
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
demo="${MOAT_DEMO_DIR:-/tmp/moat-demo}"
cd "$root"

scripts/install-deps.sh
scripts/build.sh "$root/build"

MOAT_DEMO_DIR="$demo" MOAT_BUILD_DIR="$root/build" scripts/demo-setup.sh
ctl() { build/services/moatctl --config "$demo/moat.ini" "$@"; }

password=""
if ! ctl user list | grep -q '^admin '; then
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20)"
  printf '%s\n' "$password" | ctl user add admin --role admin --password-stdin >/dev/null
fi

/usr/sbin/smtp-sink -u "$(id -un)" -d "$demo/backend/%Y%m%d%H%M%S." 127.0.0.1:2526 100 &
sink=$!
build/services/moat-webui --config "$demo/moat.ini" > "$demo/webui.log" 2>&1 &
webui=$!
trap 'kill $sink $webui 2>/dev/null || true' EXIT

echo "moat demo: gateway on 127.0.0.1:2525, domain demo.test -> smtp-sink 127.0.0.1:2526 ($demo/backend)"
echo "moat demo: try  swaks --server 127.0.0.1:2525 --to user@demo.test ; then  ls $demo/backend"
echo "moat demo: inbound mail is filtered: swaks --server 127.0.0.1:2525 --to user@demo.test --body 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X' gets 550"
echo "moat demo: outbound comes from the relay network 127.0.0.2/32: swaks --server 127.0.0.1:2525 --local-interface 127.0.0.2 --from user@demo.test --to someone@example.net"
echo "moat demo: console on https://127.0.0.1:8443 (self-signed certificate; its log: $demo/webui.log)"
if [ -n "$password" ]; then
  echo "moat demo: console login  admin / $password   (shown once; change it: moatctl user passwd admin)"
else
  echo "moat demo: console account admin exists from an earlier run (new password: build/services/moatctl --config $demo/moat.ini user passwd admin)"
fi
build/services/moat-smtpd --config "$demo/moat.ini"
