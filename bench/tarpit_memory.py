#!/usr/bin/env python3
"""Tarpit memory: moat-tarpit holding 10,000 clients (issue 12: "a tarpit that holds ten thousand spam
bots on almost no memory"). Opens N loopback connections to a moat-tarpit (each receives its never-ending
greeting), then reads moat-tarpit's RSS (VmRSS) and the kernel's TCP memory (/proc/net/sockstat, pages
of 4 KiB, for both ends of every loopback connection) with the clients held; writes its section of
docs/benchmarks.md. A benchmark, not a test. Usage: bench/tarpit_memory.py [--clients N]"""
import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_section import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


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
    # Each side (this process, moat-tarpit) needs one descriptor per client.
    want = args.clients + 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, want), hard))  # inherited by moat-tarpit
    work = Path(tempfile.mkdtemp(prefix="moat-bench-tarpit-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (work / "moat.ini").write_text(f"[firewall]\ntarpit_port = {port}\ntarpit_interval = 10\n"
                                   f"tarpit_max = {args.clients + 100}\n[log]\nlevel = warning\n")
    proc = subprocess.Popen([f"{args.build}/services/moat-tarpit", "--config", str(work / "moat.ini")])
    time.sleep(0.5)
    base_rss, base_tcp = rss_kib(proc.pid), tcp_mem_pages()
    clients = []
    t0 = time.time()
    for _ in range(args.clients):
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        clients.append(c)
    opened = time.time() - t0
    time.sleep(12)  # every client has had its first greeting line and one interval
    held_rss, held_tcp = rss_kib(proc.pid), tcp_mem_pages()
    alive = sum(1 for c in clients[:200] if c.recv(64).startswith(b"220-"))
    for c in clients:
        c.close()
    proc.terminate()
    proc.wait(10)
    per_client = (held_rss - base_rss) * 1024 / args.clients
    tcp_kib = (held_tcp - base_tcp) * 4
    body = (f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average "
            f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs. {args.clients:,} loopback clients connected to one "
            f"moat-tarpit (opened in {opened:.1f} s) and held 12 s (a greeting line every 10 s); "
            f"{alive} of the first 200 were still receiving `220-` lines.\n\n"
            "| | idle | holding the clients | per client |\n|---|---:|---:|---:|\n"
            f"| moat-tarpit RSS | {base_rss / 1024:.1f} MiB | {held_rss / 1024:.1f} MiB | {per_client:.0f} bytes |\n"
            f"| kernel TCP memory (both ends) | {base_tcp * 4 / 1024:.1f} MiB | {held_tcp * 4 / 1024:.1f} MiB | "
            f"{tcp_kib * 1024 / args.clients:.0f} bytes |\n\n"
            f"Target: hold ten thousand bots on almost no memory — "
            f"{args.clients:,} clients cost moat-tarpit {(held_rss - base_rss) / 1024:.1f} MiB.\n")
    heading = f"## Tarpit: memory for {args.clients:,} held clients (`bench/tarpit_memory.py`)"
    write_section(Path(args.output), "tarpit_memory", "bench/tarpit_memory.py", [heading, "", body])
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
