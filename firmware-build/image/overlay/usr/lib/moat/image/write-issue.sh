#!/bin/sh
# Puts the console's address and, until an administrator exists, its one-time
# first-run link on the machine's console: in /run/moat/issue, which the login
# prompt shows (/etc/issue.d/moat.issue points there), and once on
# /dev/console (the serial console on a VM) as this boot's message.
set -u
link=""
for _ in $(seq 60); do
    link=$(journalctl -b -u moat-webui.service -o cat 2>/dev/null | sed -n 's|.*open \(https://[^ ]*#/first-run/[^ ]*\).*|\1|p' | tail -1)
    [ -n "$link" ] && break
    journalctl -b -u moat-webui.service -o cat 2>/dev/null | grep -q "listening on" && break
    sleep 1
done
addr=$(ip -4 route get 192.0.2.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$addr" ] || addr=$(hostname)
mkdir -p /run/moat-issue
{
    echo "Moat mail gateway \\n"
    echo "Console: https://$addr/"
    [ -n "$link" ] && echo "First run (one time): $(echo "$link" | sed "s|https://[^/]*/|https://$addr/|")"
    echo
} > /run/moat-issue/issue
cat /run/moat-issue/issue > /dev/console 2>/dev/null || true
agetty --reload 2>/dev/null || true
