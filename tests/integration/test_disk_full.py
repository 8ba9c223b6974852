"""A full disk under the store and spool (a small tmpfs, filled for real) while queued mail is delivered.

Before the fix, a delivery whose "delivered" record could not be committed (SQLITE_FULL) left its
queue row behind and was sent again every second (13 messages reached the backend 548 extra times
in a minute). Now the message is held: the backend gets each acknowledged message exactly once,
while the disk is full and after space comes back, and the queue drains once the store can write.
"""
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402

MESSAGES = 10


def mount_tmpfs(size: str) -> Path:
    where = Path(tempfile.mkdtemp(prefix="moat-it-diskfull-"))
    cp = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                        capture_output=True, text=True)
    if cp.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs (needs root): {cp.stderr.strip()}")
    return where


def fill(where: Path) -> Path:
    """Writes a file until the file system is full; returns it."""
    filler = where / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_full_disk_never_delivers_twice():
    disk = mount_tmpfs("16m")
    try:
        with Backend("ours", start=False) as ours, \
                Moat(domains={"ours.test": ours.address},
                     store={"url": f"sqlite:{disk / 'moat.db'}"}, spool={"dir": str(disk / "spool")},
                     archive={"dir": str(disk / "archive")},
                     queue={"retry_initial": 1, "retry_max": 1, "workers": 4}) as moat:
            moat.ctl("setting", "set", "archive.enabled", "no")
            # Queued while the backend is down.
            with moat.client(timeout=15) as c:
                c.read_reply()
                c.command("EHLO client.example")
                for i in range(MESSAGES):
                    assert c.command("MAIL FROM:<alice@example.org>").code == 250
                    assert c.command("RCPT TO:<bob@ours.test>").code == 250
                    assert c.command("DATA").code == 354
                    c.send(f"Message-ID: <full-{i}@example.org>\r\nSubject: {i}\r\n\r\nbody {i}\r\n.\r\n".encode())
                    assert c.read_reply().code == 250
            filler = fill(disk)
            ours.start()
            wait_until(lambda: len({m.message_id for m in ours.messages()}) == MESSAGES, 30,
                       what="every queued message at the backend")
            time.sleep(6)  # long enough for several polls and retries
            counts = Counter(m.message_id for m in ours.messages())
            assert all(n == 1 for n in counts.values()), f"delivered more than once while the disk was full: {counts}"
            log = moat.log_path.read_text(errors="replace")
            full_seen = "store commit failed" in log
            # Space comes back: the held records are written, the queue drains, nothing is sent again.
            filler.unlink()
            moat.wait_queue_empty(30)
            time.sleep(2)
            counts = Counter(m.message_id for m in ours.messages())
            assert len(counts) == MESSAGES and all(n == 1 for n in counts.values()), counts
            assert full_seen, "the disk never filled up as far as the store is concerned: the test proved nothing"
            assert not list((disk / "spool" / "msg").iterdir()), "spool files left behind"
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
        try:
            os.rmdir(disk)
        except OSError:
            pass
