"""Crash safety: SIGKILL moat-smtpd at random moments while thousands of messages flow through it.

Eight smtplib clients send messages with unique Message-IDs, reconnecting and resending whenever a
connection breaks, while the daemon is killed with SIGKILL about ten times (every 0.5-2 s) and
restarted. Every Message-ID that got 250 after DATA must reach the backend intact; duplicates are
allowed only from the crash window and are counted and reported; nothing unknown may arrive.
"""
import hashlib
import os
import random
import smtplib
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import LOCALHOST, Backend, Moat, wait_until  # noqa: E402

CLIENTS = 8
MIN_MESSAGES = int(os.environ.get("MOAT_CRASH_MESSAGES", "2000"))
MAX_MESSAGES = 4 * MIN_MESSAGES
KILLS = int(os.environ.get("MOAT_CRASH_KILLS", "10"))
SEND_PHASE_LIMIT = 100  # seconds


def message(i: int) -> tuple[str, bytes]:
    mid = f"<crash-{i}@example.org>"
    seed = hashlib.sha256(str(i).encode()).hexdigest()
    lines = [f"line {n} of message {i} {seed}" for n in range(5 + i % 60)]
    data = (f"From: <sender{i % CLIENTS}@example.org>\r\nTo: <bob@ours.test>\r\nSubject: crash test {i}\r\n"
            f"Message-ID: {mid}\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode()
    return mid, data


class Load:
    def __init__(self, moat):
        self.moat = moat
        self.lock = threading.Lock()
        self.next_index = 0
        self.acked: set[str] = set()
        self.attempted: dict[str, bytes] = {}
        self.errors = Counter()
        self.kills = 0
        self.killer_done = threading.Event()
        self.failures: list[str] = []
        self.started = time.monotonic()

    def take(self) -> int | None:
        with self.lock:
            elapsed = time.monotonic() - self.started
            if self.next_index >= MAX_MESSAGES or elapsed > SEND_PHASE_LIMIT:
                return None
            if self.next_index >= MIN_MESSAGES and self.killer_done.is_set():
                return None
            self.next_index += 1
            return self.next_index - 1

    def client(self, n: int):
        rng = random.Random(n)
        conn = None
        while (i := self.take()) is not None:
            mid, data = message(i)
            with self.lock:
                self.attempted[mid] = data
            for _ in range(1000):
                try:
                    if conn is None:
                        conn = smtplib.SMTP(LOCALHOST, self.moat.port, timeout=30)
                        conn.ehlo(f"client{n}.example")
                    conn.sendmail(f"sender{i % CLIENTS}@example.org", ["bob@ours.test"], data)
                    with self.lock:
                        self.acked.add(mid)
                    break
                except (smtplib.SMTPException, OSError) as e:
                    with self.lock:
                        self.errors[type(e).__name__] += 1
                    if conn is not None:
                        try:
                            conn.close()
                        except OSError:
                            pass
                        conn = None
                    time.sleep(rng.uniform(0.02, 0.2))
            else:
                with self.lock:
                    self.failures.append(f"{mid}: never accepted")
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                pass

    def killer(self):
        rng = random.Random(7)
        try:
            while self.kills < KILLS and time.monotonic() - self.started < SEND_PHASE_LIMIT:
                time.sleep(rng.uniform(0.5, 2.0))
                self.moat.kill()
                self.kills += 1
                time.sleep(rng.uniform(0.0, 0.3))
                self.moat.start()
        except Exception as e:  # a failed restart fails the test, reported from the main thread
            self.failures.append(f"kill/restart #{self.kills}: {e!r}")
        finally:
            self.killer_done.set()


def test_sigkill_loses_nothing_acknowledged(capsys):
    with Backend("ours") as ours, \
            Moat(domains={"ours.test": ours.address},
                 smtp={"max_sessions": 100},
                 queue={"retry_initial": 1, "retry_max": 2, "workers": 8},
                 log={"level": "info"}) as moat:
        load = Load(moat)
        threads = [threading.Thread(target=load.client, args=(n,)) for n in range(CLIENTS)]
        killer = threading.Thread(target=load.killer)
        for t in threads + [killer]:
            t.start()
        for t in threads + [killer]:
            t.join(SEND_PHASE_LIMIT + 120)
        assert not any(t.is_alive() for t in threads + [killer]), "clients hung"
        if not moat.alive:
            moat.start()
        assert not load.failures, load.failures

        # Wait for the queue to drain into the backend.
        def arrived():
            ids = {m.message_id for m in ours.messages()}
            return ids if load.acked <= ids else None

        try:
            wait_until(arrived, 120, interval=2, what="every acknowledged message at the backend")
            moat.wait_queue_empty(30)
            left_in_queue = []
        except TimeoutError:
            left_in_queue = moat.queue_entries()
        received = ours.messages()
        counts = Counter(m.message_id for m in received)
        missing = load.acked - set(counts)
        unexpected = set(counts) - set(load.attempted)
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        corrupt = [m.message_id for m in received
                   if m.message_id in load.attempted and not m.data.endswith(load.attempted[m.message_id])]
        with capsys.disabled():  # the duplicate count is reported even when the test passes
            print(f"\ncrash test: {len(load.attempted)} messages sent, {len(load.acked)} acknowledged with 250, "
                  f"{len(received)} delivered ({len(counts)} distinct), {duplicates} duplicates, "
                  f"{load.kills} SIGKILLs, client errors {dict(load.errors)}")
        assert load.kills >= min(KILLS, 5), f"only {load.kills} kills happened"
        assert len(load.acked) >= min(MIN_MESSAGES, 1000), "too few messages went through to mean much"
        assert not missing, (f"{len(missing)} acknowledged messages never arrived, e.g. {sorted(missing)[:10]}; "
                             f"{len(left_in_queue)} lines still in the queue: {left_in_queue[:6]}")
        assert not unexpected, f"unknown messages arrived: {sorted(unexpected)[:10]}"
        assert not corrupt, f"{len(corrupt)} messages arrived altered, e.g. {corrupt[:5]}"
        assert all(m.rcpts == ["bob@ours.test"] for m in received)
        assert not left_in_queue, f"the queue did not drain: {left_in_queue[:10]}"
