#!/bin/sh
# Puts the console's address and, until an administrator exists, its one-time
# first-run link on the machine's console: in /run/moat-issue/issue, which the
# login prompt shows (/etc/issue.d/moat.issue links there), and on
# /dev/console (the serial console on a VM) as this boot's message. The
# address goes up at once; the link once moat-webui has logged it (its first
# start makes a TLS key, which takes a while on a slow or emulated machine),
# for as long as 10 minutes. moat-webui logs "listening on" after the link,
# or alone when an administrator exists.
set -u
addr=$(ip -4 route get 192.0.2.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$addr" ] || addr=$(hostname)
mkdir -p /run/moat-issue
show() {
    body="Console: https://$addr/"
    [ -z "$1" ] || body="$body
First run (one time): $1"
    # In the issue file, agetty replaces \n by the host name.
    printf 'Moat mail gateway \\n\n%s\n\n' "$body" > /run/moat-issue/issue.new
    mv /run/moat-issue/issue.new /run/moat-issue/issue
    printf '\nMoat mail gateway %s\n%s\n\n' "$(hostname)" "$body" > /dev/console 2>/dev/null || true
    agetty --reload 2>/dev/null || true
}
show ""
link=""
i=0
while [ $i -lt 300 ]; do
    log=$(journalctl -b -u moat-webui.service -o cat 2>/dev/null)
    link=$(printf '%s\n' "$log" | sed -n 's|.*open \(https://[^ ]*#/first-run/[^ ]*\).*|\1|p' | tail -1)
    [ -n "$link" ] && break
    printf '%s\n' "$log" | grep -q "listening on" && exit 0
    sleep 2
    i=$((i + 1))
done
[ -n "$link" ] && show "$(echo "$link" | sed "s|https://[^/]*/|https://$addr/|")"
