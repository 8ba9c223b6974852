#!/usr/bin/python3
"""The firewall's cost on SMTP throughput (issue 12): the relay benchmark's load (smtp-source, one
connection per message, to moat-smtpd relaying to smtp-sink; bench/relay_throughput.sh) sent through
a veth pair between two network namespaces, with and without moat-firewall's ruleset loaded in the
server namespace. "with": moat-firewall running, its table applied (conntrack, the SMTP rate meter
with firewall.smtp_rate raised to 100000 so it counts without blocking, the blocked and tarpit set
lookups); "without": no table at all. Runs alternate (without, with, without, ...) after one
unmeasured warm-up; the table shows medians. Writes its section of docs/benchmarks.md.

A benchmark, not a test: never run by ctest or CI. Needs root, iproute2, nftables, postfix
(smtp-sink, smtp-source) and moat-smtpd, moat-firewall and moatctl built in --build.
Usage: bench/firewall_cost.py [--messages 3000] [--repeats 3] [--sessions 20] [--size 4096]"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from netns_lab import CLIENT4, MAINT4, SRV4, NetnsLab  # noqa: E402
from relay_measure import sink_count, wait_until_idle  # noqa: E402
from report_section import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SINK_PORT = 2500


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit(f"firewall_cost: timed out waiting for {what}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--build", default=os.environ.get("MOAT_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--tmpdir", default="/var/tmp", help="a real disk: the spool's fsync is part of the cost")
    ap.add_argument("--report-from", help="write the section from the JSON lines a run printed, without measuring")
    args = ap.parse_args()
    if args.report_from:
        runs = [json.loads(line) for line in Path(args.report_from).read_text().splitlines() if line.startswith("{")]
        report(args, [r for r in runs if r["run"] > 0], blocked_client=False,
               when=Path(args.report_from).stat().st_mtime)
        return 0
    if os.geteuid() != 0:
        raise SystemExit("firewall_cost: run as root (network namespaces, nftables)")
    for tool in ("/usr/sbin/smtp-sink", "/usr/sbin/smtp-source", "/usr/sbin/nft"):
        if not Path(tool).exists():
            raise SystemExit(f"firewall_cost: {tool} missing (apt-get install postfix nftables)")
    build = Path(args.build) / "services"
    work = Path(tempfile.mkdtemp(prefix="moat-bench-fw-", dir=args.tmpdir))
    config = work / "moat.ini"
    config.write_text(
        "[smtp]\nlisten = 0.0.0.0:25\nhostname = moat.bench.localhost\nmax_sessions = 500\n"
        "max_sessions_per_ip = 500\nmax_message_size = 10M\n"
        f"[store]\nurl = sqlite:{work / 'moat.db'}\n[spool]\ndir = {work / 'spool'}\n"
        f"[archive]\ndir = {work / 'archive'}\n[queue]\nworkers = 16\n[scan]\nsocket =\n"
        f"[firewall]\nsocket = {work / 'firewall.sock'}\n[log]\nlevel = warning\n")

    def ctl(*a: str):
        subprocess.run([str(build / "moatctl"), "--config", str(config), *a], check=True, capture_output=True)

    ctl("domain", "add", "bench.test", "--backend", f"127.0.0.1:{SINK_PORT}")
    for setting in ("sender_domain.action", "helo.action"):
        ctl("setting", "set", setting, "off")
    ctl("setting", "set", "firewall.maintenance_networks", f"{MAINT4}/32")
    ctl("setting", "set", "firewall.smtp_rate", "100000")
    runs = []
    try:
        with NetnsLab() as lab:
            sink_log = work / "sink.log"
            lab.start(lab.srv, "/usr/sbin/smtp-sink", "-c", "-u", "nobody", f"127.0.0.1:{SINK_PORT}", "256",
                      log=sink_log)
            smtpd = lab.start(lab.srv, build / "moat-smtpd", "--config", config, log=work / "smtpd.log")

            def smtp_open() -> bool:
                return lab.run(lab.cli, sys.executable, "-c",
                               f"import socket; socket.create_connection(('{SRV4}', 25), 1).recv(1)",
                               check=False).returncode == 0
            wait_for(lambda: smtp_open() or smtpd.poll() is not None, 30, "moat-smtpd")
            firewall = None

            def ruleset(on: bool):
                nonlocal firewall
                if on and firewall is None:
                    firewall = lab.start(lab.srv, build / "moat-firewall", "--config", config,
                                         log=work / "firewall.log")
                    wait_for(lambda: lab.run(lab.srv, "nft", "list", "table", "inet", "moat",
                                             check=False).returncode == 0, 20, "moat-firewall's table")
                elif not on:
                    if firewall is not None:
                        lab.stop(firewall)
                        firewall = None
                    lab.run(lab.srv, "nft", "delete", "table", "inet", "moat", check=False)

            def measure(mode: str, run: int) -> dict:
                ruleset(mode == "with")
                busy = wait_until_idle(60, 0.15)
                base = sink_count(sink_log)
                t0 = time.perf_counter()
                cp = lab.run(lab.cli, "/usr/sbin/smtp-source", "-s", args.sessions, "-l", args.size,
                             "-m", args.messages, "-f", "sender@bench.test", "-t", "user@bench.test",
                             f"{SRV4}:25", check=False, timeout=600)
                t1 = time.perf_counter()
                deadline = t1 + 300
                while sink_count(sink_log) < base + args.messages and time.perf_counter() < deadline:
                    time.sleep(0.002)
                t2 = time.perf_counter()
                got = sink_count(sink_log) - base
                tables = lab.run(lab.srv, "nft", "list", "tables", check=False).stdout
                r = {"mode": mode, "run": run, "accepted": args.messages / (t1 - t0),
                     "delivered": got / (t2 - t0), "ok": cp.returncode == 0 and got >= args.messages,
                     "busy_before": busy, "table": "inet moat" in tables}
                print(json.dumps(r), flush=True)
                return r

            measure("without", 0)  # warm-up
            measure("with", 0)
            for run in range(1, args.repeats + 1):
                for mode in ("without", "with"):
                    runs.append(measure(mode, run))
            flooded = lab.run(lab.srv, "nft", "list", "set", "inet", "moat", "blocked4", check=False).stdout
            blocked_client = CLIENT4 in flooded
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(args, runs, blocked_client, when=time.time())
    return 0


def report(args, runs: list[dict], blocked_client: bool, when: float):
    def med(mode: str, key: str, only_idle: bool = False) -> float | None:
        values = [r[key] for r in runs if r["mode"] == mode and (not only_idle or r["busy_before"] < 0.15)]
        return statistics.median(values) if values else None

    idle = {m: sum(1 for r in runs if r["mode"] == m and r["busy_before"] < 0.15) for m in ("without", "with")}
    idle_line = ""
    if idle["without"] and idle["with"]:
        idle_line = (f"\n\nOnly the runs that started on an idle machine (CPU busy < 15%; {idle['without']} without, "
                     f"{idle['with']} with): without {med('without', 'delivered', True):,.0f} msg/s, with "
                     f"{med('with', 'delivered', True):,.0f} msg/s delivered (medians).")

    rows = "\n".join(
        f"| {r['mode']} | {r['run']} | {r['accepted']:,.0f} | {r['delivered']:,.0f} | {r['busy_before']:.0%} | "
        f"{'yes' if r['table'] else 'no'} | {'ok' if r['ok'] else 'FAILED'} |" for r in runs)
    acc_cost = 1 - med("with", "accepted") / med("without", "accepted")
    del_cost = 1 - med("with", "delivered") / med("without", "delivered")
    kernel = os.uname().release
    body = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(when))} on {os.cpu_count()} CPUs shared with "
        f"other work, Linux {kernel}.\n\n"
        "**Method.** Two network namespaces joined by a veth pair. In the server namespace: moat-smtpd on "
        "port 25 (`[queue] workers = 16`, spool on a real disk) relaying bench.test to one `smtp-sink -c` on "
        "its loopback. In the client namespace: `smtp-source -s "
        f"{args.sessions} -l {args.size} -m {args.messages}` (one connection per message) to port 25 through "
        "the veth. *With*: moat-firewall running, its whole ruleset loaded (conntrack, the per-source SMTP "
        "rate meter with `firewall.smtp_rate` = 100000 so every connection is metered but none blocked, the "
        "blocked and tarpit set lookups, the console cap rules); *without*: no nftables table at all. One "
        f"unmeasured warm-up each, then {args.repeats} runs each, alternating; medians. Before each run the "
        "script waits (up to 60 s) for a second in which the machine is less than 15% busy.\n\n"
        "| ruleset | accepted msg/s | delivered msg/s |\n|---|---:|---:|\n"
        f"| without | {med('without', 'accepted'):,.0f} | {med('without', 'delivered'):,.0f} |\n"
        f"| with moat-firewall's | {med('with', 'accepted'):,.0f} | {med('with', 'delivered'):,.0f} |\n\n"
        f"**Cost of the ruleset: {acc_cost:+.1%} accepted, {del_cost:+.1%} delivered** (positive: slower with "
        "it; differences of a few per cent are within the run-to-run spread on this shared machine)."
        f"{' The client was never blocked.' if not blocked_client else ' WARNING: the client ended up blocked.'}"
        f"{idle_line}\n\nEvery run:\n\n| ruleset | run | accepted msg/s | delivered msg/s | CPU busy before | table loaded | |\n"
        "|---|---:|---:|---:|---:|---|---|\n" + rows + "\n")
    heading = "## Firewall: the ruleset's cost on SMTP throughput (`bench/firewall_cost.py`)"
    write_section(Path(args.output), "firewall_cost", "bench/firewall_cost.py", [heading, "", body])
    print(body)


if __name__ == "__main__":
    sys.exit(main())
