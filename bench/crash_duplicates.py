#!/usr/bin/env python3
"""Crash benchmark: what one SIGKILL of moat-smtpd under load costs, kill by kill.

A benchmark, not a test (tests/integration/test_crash.py is the test: nothing acknowledged may be
lost). Each round: eight smtplib clients send unique messages to moat-smtpd (a real backend behind
it), reconnecting and resending whenever a connection breaks; after 0.5–2 s the daemon is killed with
SIGKILL and restarted at once; the clients go on for another second, stop, and the queue drains.
Then the round's messages at the backend are counted: acknowledged with 250, delivered, lost
(acknowledged, never delivered: must be 0) and duplicated (delivered more than once: a message in
flight to the backend when the process died is delivered again after the restart; RFC 5321 §6.1
allows the duplicate, never the loss).

Writes its section of docs/benchmarks.md (or BENCH_OUTPUT).
Environment: BENCH_KILLS (rounds, default 10), MOAT_BUILD_DIR (default <repo>/build).
"""
import os
import platform
import random
import smtplib
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "fixtures"))
sys.path.insert(0, str(REPO / "bench"))
from moat import LOCALHOST, Backend, Moat, wait_until  # noqa: E402
from report_section import write_section  # noqa: E402

CLIENTS = 8


def message(round_no: int, i: int) -> tuple[str, bytes]:
    mid = f"<kill{round_no}-{i}@bench.example>"
    body = "\r\n".join(f"line {n} of message {i}" for n in range(5 + i % 60))
    return mid, (f"From: <s{i % CLIENTS}@bench.example>\r\nTo: <bob@ours.test>\r\nSubject: kill {round_no} #{i}\r\n"
                 f"Message-ID: {mid}\r\n\r\n{body}\r\n").encode()


class Round:
    def __init__(self, moat: Moat, number: int):
        self.moat, self.number = moat, number
        self.lock = threading.Lock()
        self.next = 0
        self.acked: set[str] = set()
        self.stop = threading.Event()

    def client(self, n: int) -> None:
        rng = random.Random(n * 1000 + self.number)
        conn = None
        while not self.stop.is_set():
            with self.lock:
                i, self.next = self.next, self.next + 1
            mid, data = message(self.number, i)
            while True:  # resend until acknowledged, as a real client's queue would
                try:
                    if conn is None:
                        conn = smtplib.SMTP(LOCALHOST, self.moat.port, timeout=30)
                        conn.ehlo(f"client{n}.example")
                    conn.sendmail(f"s{i % CLIENTS}@bench.example", ["bob@ours.test"], data)
                    with self.lock:
                        self.acked.add(mid)
                    break
                except (smtplib.SMTPException, OSError):
                    if conn is not None:
                        try:
                            conn.close()
                        except OSError:
                            pass
                        conn = None
                    time.sleep(rng.uniform(0.02, 0.2))
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                pass

    def run(self, rng: random.Random) -> None:
        threads = [threading.Thread(target=self.client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.5, 2.0))
        self.moat.kill()
        self.moat.start()
        time.sleep(1.0)
        self.stop.set()
        for t in threads:
            t.join(120)


def main() -> int:
    kills = int(os.environ.get("BENCH_KILLS", "10"))
    output = Path(os.environ.get("BENCH_OUTPUT", REPO / "docs" / "benchmarks.md"))
    rng = random.Random(7)
    rows = []
    with Backend("ours") as ours, \
            Moat(domains={"ours.test": ours.address}, smtp={"max_sessions": 100},
                 queue={"retry_initial": 1, "retry_max": 2, "workers": 8}) as moat:
        for number in range(1, kills + 1):
            r = Round(moat, number)
            r.run(rng)
            prefix = f"<kill{number}-"

            def delivered():
                ids = Counter(m.message_id for m in ours.messages() if m.message_id.startswith(prefix))
                return ids if r.acked <= set(ids) else None

            try:
                counts = wait_until(delivered, 120, interval=1, what="the round's messages at the backend")
                moat.wait_queue_empty(60)
            except TimeoutError:
                pass
            counts = Counter(m.message_id for m in ours.messages() if m.message_id.startswith(prefix))
            lost = len(r.acked - set(counts))
            dups = sum(n - 1 for n in counts.values() if n > 1)
            rows.append((number, len(r.acked), sum(counts.values()), lost, dups))
            print(f"kill {number}: {len(r.acked)} acknowledged, {sum(counts.values())} delivered, "
                  f"{lost} lost, {dups} duplicates", flush=True)

    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    total_acked = sum(r[1] for r in rows)
    total_lost = sum(r[3] for r in rows)
    dup_counts = [r[4] for r in rows]
    lines = [
        "## Crash: duplicates per SIGKILL (`bench/crash_duplicates.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs, "
        f"Linux {platform.release()}; Moat {commit}.",
        "",
        "**Method.** Each round: 8 smtplib clients send unique messages (reconnecting and resending until "
        "acknowledged), moat-smtpd is killed with SIGKILL after 0.5–2 s and restarted at once, the clients go "
        "on for 1 s, the queue drains into a real SMTP backend, and the round's Message-IDs are counted there. "
        "A duplicate is a message the backend received twice: one that was being handed to the backend when "
        "the process died is sent again after the restart (RFC 5321 §6.1 allows it; a loss is never allowed).",
        "",
        "| kill | acknowledged | delivered | lost | duplicates |",
        "|---:|---:|---:|---:|---:|",
        *[f"| {n} | {a:,} | {d:,} | {lost} | {dup} |" for n, a, d, lost, dup in rows],
        "",
        f"**{total_acked:,} messages acknowledged over {len(rows)} kills: {total_lost} lost; duplicates per kill "
        f"median {statistics.median(dup_counts) if dup_counts else 0:g}, max {max(dup_counts) if dup_counts else 0}, "
        f"total {sum(dup_counts)}.**",
        "",
    ]
    write_section(output, "crash_duplicates", "bench/crash_duplicates.py", lines)
    return 1 if total_lost else 0


if __name__ == "__main__":
    sys.exit(main())
