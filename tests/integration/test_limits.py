"""Concurrency limits and timeouts: excess clients get 421 4.3.2 (never a silent drop), idle ones 421 4.4.2."""
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, SmtpClient, LOCALHOST, wait_until  # noqa: E402


def open_sessions(moat, count: int, source: str | None = None) -> tuple[list[SmtpClient], list]:
    """Opens count connections at once; returns the clients and the first reply of each.

    A client whose connect failed is None; a reply that never came is a string saying why.
    """

    def one(_):
        try:
            c = SmtpClient(LOCALHOST, moat.port, source=source, timeout=20)
        except OSError as e:
            return None, f"connect failed: {e}"
        try:
            return c, c.read_reply(timeout=20)
        except (OSError, socket.timeout) as e:
            return c, f"no banner: {e!r}"

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one, range(count)))
    return [c for c, _ in results], [r for _, r in results]


def close_all(clients):
    for c in clients:
        if c is not None:
            c.close()


def assert_too_many(reply, clients_by_reply):
    assert reply.enhanced == "4.3.2", f"an over-limit client must get 421 4.3.2: {reply}"
    assert clients_by_reply.closed(5), f"the connection must be closed after {reply}"


def test_max_sessions_excess_get_421():
    limit, extra = 20, 50
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address},
                                       smtp={"max_sessions": limit, "max_sessions_per_ip": 1000}) as moat:
        clients, first = open_sessions(moat, limit + extra)
        try:
            broken = [r for r in first if not hasattr(r, "code")]
            assert not broken, f"{len(broken)} clients got no reply at all, e.g. {broken[:3]}"
            codes = [r.code for r in first]
            assert codes.count(220) == limit, f"expected {limit} banners, got {codes.count(220)}: {codes}"
            assert codes.count(421) == extra, f"expected {extra} x 421, got {codes.count(421)}: {codes}"
            for c, r in zip(clients, first):
                if r.code == 421:
                    assert_too_many(r, c)
            # The admitted sessions are fully usable while the limit is reached.
            admitted = [c for c, r in zip(clients, first) if r.code == 220]
            for c in admitted[:5]:
                assert c.command("EHLO client.example").code == 250
        finally:
            close_all(clients)
        # Slots are given back when clients leave: soon all `limit` sessions are available again.
        def all_admitted():
            clients, first = open_sessions(moat, limit)
            close_all(clients)
            return [getattr(r, "code", r) for r in first] == [220] * limit

        wait_until(all_admitted, 10, interval=0.5, what=f"{limit} sessions to be admitted again")
        assert moat.alive


def test_max_sessions_per_ip():
    per_ip = 5
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address},
                                       smtp={"max_sessions": 100, "max_sessions_per_ip": per_ip}) as moat:
        clients, first = open_sessions(moat, per_ip + 3, source="127.0.0.1")
        others, other_first = open_sessions(moat, per_ip, source="127.0.0.2")
        try:
            codes = [getattr(r, "code", r) for r in first]
            assert codes.count(220) == per_ip and codes.count(421) == 3, codes
            for c, r in zip(clients, first):
                if getattr(r, "code", None) == 421:
                    assert_too_many(r, c)
            assert [getattr(r, "code", r) for r in other_first] == [220] * per_ip, \
                "another address must not be limited by 127.0.0.1's sessions"
        finally:
            close_all(clients + others)
        wait_until(moat.serves, 10, interval=0.2, what="the daemon to serve again")


def test_idle_client_gets_421_4_4_2():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address},
                                       smtp={"command_timeout": 2, "data_timeout": 2}) as moat:
        with moat.client(timeout=15) as c:
            assert c.read_reply().code == 220
            assert c.command("EHLO client.example").code == 250
            started = time.monotonic()
            reply = c.read_reply(timeout=15)
            waited = time.monotonic() - started
            assert reply is not None, "the idle connection was closed without a 421"
            assert reply.code == 421 and reply.enhanced == "4.4.2", f"expected 421 4.4.2, got {reply}"
            assert 1.5 <= waited <= 6, f"timeout after {waited:.1f}s, configured 2s"
            assert c.closed(5), "the connection must be closed after the timeout"
        # Idle in the middle of a transaction too, and the daemon still serves.
        with moat.client(timeout=15) as c:
            c.read_reply()
            c.command("EHLO client.example")
            assert c.command("MAIL FROM:<alice@example.org>").code == 250
            reply = c.read_reply(timeout=15)
            assert reply is not None and reply.code == 421 and reply.enhanced == "4.4.2", str(reply)
        # And idle inside DATA (data_timeout): the partial message is dropped.
        with moat.client(timeout=15) as c:
            c.read_reply()
            c.command("EHLO client.example")
            c.command("MAIL FROM:<alice@example.org>")
            assert c.command("RCPT TO:<bob@ours.test>").code == 250
            assert c.command("DATA").code == 354
            c.send(b"Subject: never finished\r\n\r\npartial")
            reply = c.read_reply(timeout=15)
            assert reply is not None and reply.code == 421 and reply.enhanced == "4.4.2", str(reply)
            assert c.closed(5)
        time.sleep(1)
        assert not ours.messages(), "a message cut off by the data timeout was delivered"
        assert moat.serves()
