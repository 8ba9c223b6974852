#!/usr/bin/env python3
"""DATA memory benchmark: moat-smtpd's peak RSS while 8 clients send 60 MiB messages at once.

A benchmark, not a test (tests/integration/test_hostile_clients.py checks one big message). Starts
moat-smtpd (the test fixtures: own store, spool, a real SMTP backend) with max_message_size 64M,
sends one small message to warm up, then 8 parallel smtplib clients each send one 60 MiB message
(a text part and a base64 attachment), and reads the daemon's VmHWM (peak resident set) from
/proc before and after. Target (issue 10): below 300 MB; before streaming it was 2.0 GB.

Writes its section of docs/benchmarks.md (or BENCH_OUTPUT).
Environment: BENCH_CLIENTS (8), BENCH_MIB (60), MOAT_BUILD_DIR (default <repo>/build).
"""
import os
import platform
import smtplib
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "fixtures"))
sys.path.insert(0, str(REPO / "bench"))
from moat import LOCALHOST, Backend, Moat, wait_until  # noqa: E402
from report_section import write_section  # noqa: E402

TARGET_MB = 300


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def big_message(i: int, mib: int) -> bytes:
    line = b"QmlnIGF0dGFjaG1lbnQgZGF0YSBpbiBiYXNlNjQgdGhhdCBuZXZlciBlbmRzLiBCaWcgYXR0YWNobWVudC4=\r\n"
    head = (f"From: sender{i}@example.org\r\nTo: bob@ours.test\r\nSubject: big {i}\r\n"
            f"Message-ID: <big{i}@bench.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            "The quarterly figures are in the attached file.\r\n--b\r\n"
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=figures.bin\r\n\r\n").encode()
    return head + line * ((mib << 20) // len(line)) + b"--b--\r\n"


def main() -> int:
    clients = int(os.environ.get("BENCH_CLIENTS", "8"))
    mib = int(os.environ.get("BENCH_MIB", "60"))
    output = Path(os.environ.get("BENCH_OUTPUT", REPO / "docs" / "benchmarks.md"))
    messages = [big_message(i, mib) for i in range(clients)]
    errors: list[str] = []
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address},
                                       smtp={"max_message_size": f"{mib + 4}M"}) as moat:
        pid = moat.proc.pid
        with smtplib.SMTP(LOCALHOST, moat.port, local_hostname="warm.example", timeout=60) as s:
            s.sendmail("a@example.org", ["bob@ours.test"], b"Subject: warm up\r\n\r\nhello\r\n")
        baseline = status_kib(pid, "VmHWM")
        rss_idle = status_kib(pid, "VmRSS")

        def send(i: int) -> None:
            try:
                with smtplib.SMTP(LOCALHOST, moat.port, local_hostname=f"c{i}.example", timeout=600) as s:
                    s.sendmail(f"sender{i}@example.org", ["bob@ours.test"], messages[i])
            except (smtplib.SMTPException, OSError) as e:
                errors.append(f"client {i}: {e!r}")

        started = time.monotonic()
        threads = [threading.Thread(target=send, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        peak = status_kib(pid, "VmHWM")
        wait_until(lambda: len(ours.messages()) >= clients + 1 or errors, 300, interval=1,
                   what="every big message at the backend")
        delivered = len(ours.messages()) - 1
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    peak_mb = peak / 1024
    verdict = "meets" if peak_mb < TARGET_MB and not errors else "does not meet"
    lines = [
        "## DATA memory: 8 parallel 60 MiB messages (`bench/data_memory.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs, "
        f"Linux {platform.release()}; Moat {commit}.",
        "",
        f"**Method.** moat-smtpd with a real SMTP backend; after one small warm-up message, {clients} smtplib "
        f"clients each send one {mib} MiB message at the same time (a text part and a base64 attachment); "
        "moat-smtpd's peak resident set (VmHWM in /proc) is read before and after. The message goes to the "
        "spool as it arrives; the session keeps its header section and the content checks read the first "
        "4 MiB back (docs/gateway.md, \"Memory\").",
        "",
        "| | value |",
        "|---|---:|",
        f"| peak RSS after warm-up | {baseline / 1024:.0f} MB (resident {rss_idle / 1024:.0f} MB) |",
        f"| **peak RSS with {clients} × {mib} MiB in flight** | **{peak_mb:.0f} MB** (target < {TARGET_MB} MB; "
        "before streaming: 2.0 GB) |",
        f"| messages accepted and delivered | {delivered} of {clients} ({len(errors)} client errors) |",
        f"| time for all {clients} | {elapsed:.1f} s |",
        "",
        f"**Peak RSS {peak_mb:.0f} MB: {verdict} the target of < {TARGET_MB} MB.**",
        "",
    ]
    write_section(output, "data_memory", "bench/data_memory.py", lines)
    for e in errors:
        print(e, file=sys.stderr)
    print("\n".join(lines))
    return 0 if verdict == "meets" else 1


if __name__ == "__main__":
    sys.exit(main())
