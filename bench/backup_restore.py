#!/usr/bin/env python3
"""Backup and restore of a populated store (docs/backup.md): a running gateway whose store holds
N valid addresses, M content-classifier tokens and L message log rows; times `moatctl backup`,
`moatctl backup --with-log`, `moatctl restore --check` and `moatctl restore` (in place, one write
transaction, while moat-smtpd runs), the backup files' sizes, and the longest wait a client of
moat-smtpd saw for its SMTP replies while the restore ran (its writes wait for the restore's
transaction). Medians of R runs; writes its section of docs/benchmarks.md. A benchmark, not a test.
Usage: bench/backup_restore.py [--addresses N] [--tokens M] [--log L] [--runs R]"""
import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from moat import Backend, Moat, wait_until  # noqa: E402
from report_section import write_section  # noqa: E402


def populate(db: Path, addresses: int, tokens: int, log: int) -> None:
    con = sqlite3.connect(db, timeout=30)
    con.execute("PRAGMA busy_timeout = 30000")
    domain_id = con.execute("SELECT id FROM domains WHERE name = 'ours.test'").fetchone()[0]
    now = int(time.time())
    with con:
        con.executemany("INSERT INTO valid_addresses (domain_id, address, created) VALUES (?, ?, ?)",
                        ((domain_id, f"user{i}@ours.test", now) for i in range(addresses)))
        rnd = random.Random(1)
        con.executemany("INSERT OR IGNORE INTO bayes_tokens (hash, spam, ham, last_seen) VALUES (?, ?, ?, ?)",
                        ((rnd.randrange(-2**63, 2**63), rnd.randrange(50), rnd.randrange(50), now)
                         for _ in range(tokens)))
        con.executemany(
            "INSERT INTO message_log (ts, client_ip, client_name, helo, tls, sender, recipients, size, queue_id,"
            " outcome, reason) VALUES (?, '192.0.2.1', '', 'h', '', ?, ?, 1000, '', 'accepted', 'bench')",
            ((now - i, f"s{i}@example.net", f"user{i % 1000}@ours.test") for i in range(log)))
    con.close()


def timed(moat: Moat, *args: str) -> float:
    started = time.monotonic()
    moat.ctl(*args, timeout=600)
    return time.monotonic() - started


class Prober(threading.Thread):
    """One SMTP client after another (EHLO, MAIL, RCPT, RSET in a loop): the longest reply wait."""

    def __init__(self, moat: Moat):
        super().__init__(daemon=True)
        self.moat, self.stop, self.longest, self.replies = moat, threading.Event(), 0.0, 0

    def run(self):
        while not self.stop.is_set():
            with self.moat.client(timeout=60) as c:
                c.read_reply()
                c.command("EHLO probe.example")
                for _ in range(20):
                    for line in ("MAIL FROM:<probe@example.net>", "RCPT TO:<user1@ours.test>", "RSET"):
                        started = time.monotonic()
                        c.command(line)
                        self.longest = max(self.longest, time.monotonic() - started)
                        self.replies += 1
                c.command("QUIT")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--addresses", type=int, default=100000)
    ap.add_argument("--tokens", type=int, default=500000)
    ap.add_argument("--log", type=int, default=200000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    results = {k: [] for k in ("backup", "backup_log", "check", "restore", "restore_log", "probe")}
    sizes = {}
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}, name="bench") as moat:
        db = Path(moat.config["store"]["url"].removeprefix("sqlite:"))
        populate(db, args.addresses, args.tokens, args.log)
        work = db.parent
        plain, full = work / "plain.backup", work / "full.backup"
        for _ in range(args.runs):
            results["backup"].append(timed(moat, "backup", str(plain)))
            results["backup_log"].append(timed(moat, "backup", "--with-log", str(full)))
            results["check"].append(timed(moat, "restore", "--check", str(full)))
            probe = Prober(moat)
            probe.start()
            wait_until(lambda: probe.replies > 10, 10, what="the probe to run")
            results["restore"].append(timed(moat, "restore", str(plain)))
            results["restore_log"].append(timed(moat, "restore", str(full)))
            probe.stop.set()
            probe.join(120)
            results["probe"].append(probe.longest)
        sizes = {"store": db.stat().st_size, "plain": plain.stat().st_size, "full": full.stat().st_size}
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()

    med = {k: statistics.median(v) for k, v in results.items()}
    mib = lambda n: f"{n / 2**20:.1f} MiB"  # noqa: E731
    lines = [
        "## Backup and restore of a populated store (`bench/backup_restore.py`)",
        "",
        f"Moat {commit}, {time.strftime('%Y-%m-%d')}, this machine (2 cores shared). The store holds "
        f"{args.addresses:,} valid addresses, {args.tokens:,} classifier tokens and {args.log:,} message log rows "
        f"({mib(sizes['store'])}); moat-smtpd runs throughout, one SMTP client probes it during the restores. "
        f"Medians of {args.runs} runs.",
        "",
        "| operation | time | file |",
        "| --- | --- | --- |",
        f"| `moatctl backup` (configuration and learnt data) | {med['backup']:.2f} s | {mib(sizes['plain'])} |",
        f"| `moatctl backup --with-log` | {med['backup_log']:.2f} s | {mib(sizes['full'])} |",
        f"| `moatctl restore --check` of the full backup | {med['check']:.2f} s | |",
        f"| `moatctl restore` of the configuration backup (in place, smtpd running) | {med['restore']:.2f} s | |",
        f"| `moatctl restore` of the full backup | {med['restore_log']:.2f} s | |",
        "",
        "Longest wait of the probing SMTP client (MAIL, RCPT, RSET: they read the policy, write nothing) "
        f"for a reply while the restores ran: {med['probe'] * 1000:.0f} ms (median over runs of each run's longest).",
    ]
    write_section(ROOT / "docs" / "benchmarks.md", "backup_restore", "bench/backup_restore.py", lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
