"""The delivery connection cache closes idle connections on a timer (issue 10, finding 5).

Before the fix a cached connection was dropped only when the same route was used again, so a
backend that closed its end left moat-smtpd holding a CLOSE-WAIT socket for as long as nothing
else went that way (50 address-literal routes: 50 descriptors after 6 minutes).
"""
import contextlib
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402

IDLE_LIMIT = 10  # seconds: queue/delivery_manager.cpp kIdleConnection


def close_wait_sockets(pid: int) -> int:
    out = subprocess.run(["ss", "-tanpH", "state", "close-wait"], capture_output=True, text=True).stdout
    return sum(1 for line in out.splitlines() if f"pid={pid}," in line)


def test_idle_cached_connections_are_closed():
    with contextlib.ExitStack() as stack:
        backends = [stack.enter_context(Backend(f"b{i}")) for i in range(3)]
        domains = {f"d{i}.test": b.address for i, b in enumerate(backends)}
        with Moat(domains=domains) as moat:
            with moat.client(timeout=15) as c:
                c.read_reply()
                c.command("EHLO client.example")
                for i in range(len(backends)):
                    assert c.command("MAIL FROM:<alice@example.org>").code == 250
                    assert c.command(f"RCPT TO:<bob@d{i}.test>").code == 250
                    assert c.command("DATA").code == 354
                    c.send(f"Subject: {i}\r\n\r\nbody\r\n.\r\n".encode())
                    assert c.read_reply().code == 250
            wait_until(lambda: all(b.messages() for b in backends), 20, what="a message at every backend")
            for b in backends:  # the servers go away: our cached ends are left in CLOSE-WAIT
                b.stop()
            time.sleep(1)
            pid = moat.proc.pid
            wait_until(lambda: close_wait_sockets(pid) == 0, IDLE_LIMIT + 5, interval=0.5,
                       what="the cached connections to be closed")
            assert moat.serves()
