#!/usr/bin/env python3
"""Tarpit: moat-tarpit holding 10,000 bots (issue 12: "a tarpit that holds ten thousand spam bots on
almost no memory"), beside OpenBSD spamd's documented default of 800 connections (spamd(8): -c maxcon
"defaults to 800", of which -B maxblack = maxcon - 100 are stuttered at; -s: one character a second).

Two network namespaces joined by a veth pair (bench/netns_lab.py). In the server namespace:
moat-firewall with its ruleset and moat-tarpit at its defaults (a byte a second); the client's
address is put in the tarpit set (`moatctl firewall block --tarpit`). From the client namespace,
N + 100 connections to port 25: the redirect takes them to moat-tarpit, the kernel drops the 100
beyond tarpit_max = N (ct count). Measured: moat-tarpit's RSS idle and holding, its CPU while the
greeting is being stuttered to every client at once (a byte a second each) and once the greetings
are sent (the bots wait for commands), and the kernel's TCP memory. Writes its section of
docs/benchmarks.md. A benchmark, not a test. Needs root, iproute2 and nftables.
Usage: bench/tarpit_memory.py [--clients N]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from netns_lab import CLIENT4, MAINT4, SRV4, NetnsLab  # noqa: E402
from report_section import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HOSTNAME = "mx.bench.test"
GREETING = len(f"220 {HOSTNAME} ESMTP\r\n")

# Runs in the client namespace: opens the connections (non-blocking, a bounded number in flight),
# reports how many connected and how many the kernel dropped, holds them until the stop file
# appears, then reports how many had received bytes.
HOLDER = r"""
import json, os, resource, selectors, socket, sys, time
dst, port, count, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
resource.setrlimit(resource.RLIMIT_NOFILE, (count + 1000, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
sel = selectors.DefaultSelector()
held, failed, pending, started = [], 0, 0, time.monotonic()
todo = count
while todo or pending:
    while todo and pending < 500:
        s = socket.socket(); s.setblocking(False)
        s.connect_ex((dst, port)); sel.register(s, selectors.EVENT_WRITE, time.monotonic()); pending += 1; todo -= 1
    for key, _ in sel.select(0.2):
        s = key.fileobj; sel.unregister(s); pending -= 1
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0: held.append(s)
        else: failed += 1; s.close()
    now = time.monotonic()
    for key in list(sel.get_map().values()):  # a SYN the kernel dropped is never answered
        if now - key.data > 3:
            sel.unregister(key.fileobj); key.fileobj.close(); pending -= 1; failed += 1
print(json.dumps({"held": len(held), "dropped": failed, "seconds": round(time.monotonic() - started, 1)}), flush=True)
while not os.path.exists(stop):
    time.sleep(0.2)
got = 0
for s in held:
    try:
        got += len(s.recv(4096, socket.MSG_DONTWAIT)) > 0
    except OSError:
        pass
print(json.dumps({"received": got}), flush=True)
"""


def proc_status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_share(pid: int, seconds: float) -> float:
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def tcp_mem_pages() -> int:
    for line in Path("/proc/net/sockstat").read_text().splitlines():
        if line.startswith("TCP:"):
            parts = line.split()
            return int(parts[parts.index("mem") + 1])
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--build", default=os.environ.get("MOAT_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("tarpit_memory: run as root (network namespaces, nftables)")
    build = Path(args.build) / "services"
    work = Path(tempfile.mkdtemp(prefix="moat-bench-tarpit-"))
    config = work / "moat.ini"
    config.write_text(f"[smtp]\nlisten = 0.0.0.0:25\nhostname = {HOSTNAME}\n"
                      f"[store]\nurl = sqlite:{work / 'moat.db'}\n"
                      f"[firewall]\nsocket = {work / 'firewall.sock'}\ntarpit_port = 2526\n"
                      f"tarpit_max = {args.clients}\n[log]\nlevel = warning\n")

    def ctl(*a: str):
        subprocess.run([str(build / "moatctl"), "--config", str(config), *a], check=True, capture_output=True)

    ctl("setting", "set", "firewall.maintenance_networks", f"{MAINT4}/32")
    stop = work / "stop"
    with NetnsLab() as lab:
        firewall = lab.start(lab.srv, build / "moat-firewall", "--config", config, log=work / "firewall.log")
        deadline = time.monotonic() + 20
        while not (work / "firewall.sock").exists() and firewall.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        tarpit = lab.start(lab.srv, build / "moat-tarpit", "--config", config, log=work / "tarpit.log")
        ctl("firewall", "block", CLIENT4, "--tarpit", "--for", "1h")
        time.sleep(1)
        base_rss, base_tcp = proc_status(tarpit.pid, "VmRSS"), tcp_mem_pages()
        idle_cpu = cpu_share(tarpit.pid, 5)
        holder = lab.start(lab.cli, sys.executable, "-c", HOLDER, SRV4, 25, args.clients + 100, stop,
                           stdout=subprocess.PIPE, text=True)
        opened = json.loads(holder.stdout.readline())
        # Every client is being sent its greeting, a byte a second each, for GREETING seconds.
        stutter_cpu = cpu_share(pid=tarpit.pid, seconds=15)
        held_rss, held_tcp = proc_status(tarpit.pid, "VmRSS"), tcp_mem_pages()
        conntrack = lab.run(lab.srv, "sh", "-c", "cat /proc/sys/net/netfilter/nf_conntrack_count",
                            check=False).stdout.strip()
        time.sleep(max(0, GREETING + 5 - 15 - opened["seconds"]))
        waiting_cpu = cpu_share(tarpit.pid, 15)  # greetings sent: the bots wait for their commands
        stop.touch()
        received = json.loads(holder.stdout.readline())["received"]
        lab.stop(holder)
        tarpit_log = (work / "tarpit.log").read_text(errors="replace")
    subprocess.run(["rm", "-rf", str(work)])

    per_client = (held_rss - base_rss) * 1024 / max(1, opened["held"])
    tcp_kib = (held_tcp - base_tcp) * 4
    body = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs (shared with "
        f"other work: load average {os.getloadavg()[0]:.2f} at the end), Linux {os.uname().release}.\n\n"
        "**Method.** Two network namespaces joined by a veth pair. Server namespace: moat-firewall with its "
        f"ruleset and moat-tarpit at its defaults (a byte every second; `tarpit_max` = {args.clients:,}); the "
        "client's address in the tarpit set. From the client namespace, one address opens "
        f"{args.clients + 100:,} connections to port 25 (non-blocking, 500 in flight): nftables redirects them "
        f"to moat-tarpit and drops the 100 beyond `tarpit_max` (`ct count`). moat-tarpit's CPU is its "
        "utime + stime over 15 s (/proc/PID/stat) while its greeting "
        f"(`220 {HOSTNAME} ESMTP`, {GREETING} bytes) is stuttered to every client at once, and over 15 s once "
        "the greetings are sent and the bots wait for their commands.\n\n"
        f"Connections: {opened['held']:,} held (opened in {opened['seconds']} s), {opened['dropped']} dropped "
        f"in the kernel beyond the cap; {received:,} had received their greeting bytes; "
        f"{conntrack or '?'} conntrack entries in the server namespace.\n\n"
        "| | moat-tarpit | OpenBSD spamd, documented defaults |\n|---|---:|---:|\n"
        f"| connections held | {opened['held']:,} (`tarpit_max` default 20,000) | 800 (`-c maxcon`), 700 of "
        "them stuttered at (`-B maxblack` = maxcon − 100) |\n"
        "| pace | a byte every 1 s (`tarpit_stutter_ms`) | a byte every 1 s (`-s`) |\n"
        f"| RSS idle → holding | {base_rss / 1024:.1f} MiB → {held_rss / 1024:.1f} MiB ({per_client:.0f} bytes "
        "a client) | not measured (OpenBSD only) |\n"
        f"| CPU, stuttering to every client | {stutter_cpu:.1%} of one CPU ({stutter_cpu / max(1, opened['held']) * 1e6:.1f} "
        "µs of CPU a client-second) | — |\n"
        f"| CPU, greetings sent, bots waiting | {waiting_cpu:.2%} of one CPU | — |\n"
        f"| CPU, no client | {idle_cpu:.2%} of one CPU | — |\n\n"
        f"Kernel TCP memory (machine-wide, /proc/net/sockstat): {base_tcp * 4 / 1024:.1f} MiB → "
        f"{held_tcp * 4 / 1024:.1f} MiB ({tcp_kib * 1024 / max(1, opened['held']):.0f} bytes a connection, both "
        "ends).\n\n"
        f"Target: hold ten thousand bots on almost no memory (RSS ≤ 64 MiB) — {opened['held']:,} held cost "
        f"moat-tarpit {(held_rss - base_rss) / 1024:.1f} MiB and {stutter_cpu:.1%} of one CPU; spamd's default "
        f"would hold 800.{' moat-tarpit said: ' + tarpit_log.strip().splitlines()[-1] if tarpit_log.strip() else ''}\n")
    heading = f"## Tarpit: {args.clients:,} held bots, memory and CPU (`bench/tarpit_memory.py`)"
    write_section(Path(args.output), "tarpit_memory", "bench/tarpit_memory.py", [heading, "", body])
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
