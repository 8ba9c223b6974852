"""Hostile clients (issue 10's findings, each failing before its fix):

- a command line or message trickled in a byte at a time is cut off at the deadline, not kept alive
  by every byte, and the slot is free again;
- RCPT commands beyond the recipient limit count as errors and end the session;
- a message with more Received: fields than [smtp] max_hops is refused as a loop (554 5.4.6);
- the SMTPUTF8 parameter is looked for after the path: text inside a quoted local part is not it;
- a big message does not make moat-smtpd's memory grow with its size.
"""
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402


def trickle(c, data: bytes, every: float, stop: threading.Event) -> None:
    for i in range(len(data)):
        if stop.is_set():
            return
        try:
            c.send(data[i:i + 1])
        except OSError:
            return
        time.sleep(every)


def test_trickled_command_and_data_hit_their_deadlines():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address},
                                       smtp={"command_timeout": 2, "data_timeout": 2, "min_data_rate": 1000000,
                                             "max_sessions_per_ip": 2}) as moat:
        # A command line, one byte every 0.3 s: each read succeeds, the line never ends in time.
        with moat.client(timeout=15) as c:
            assert c.read_reply().code == 220
            stop = threading.Event()
            t = threading.Thread(target=trickle, args=(c, b"EHLO slow.client.example.that.never.ends" * 4, 0.3, stop))
            started = time.monotonic()
            t.start()
            reply = c.read_reply(timeout=15)
            waited = time.monotonic() - started
            stop.set()
            t.join()
            assert reply is not None and reply.code == 421 and reply.enhanced == "4.4.2", str(reply)
            assert waited < 5, f"cut after {waited:.1f}s; the deadline is 2s"
            assert c.closed(5)

        # The message data, one byte every 0.3 s.
        with moat.client(timeout=15) as c:
            c.read_reply()
            c.command("EHLO client.example")
            c.command("MAIL FROM:<alice@example.org>")
            assert c.command("RCPT TO:<bob@ours.test>").code == 250
            assert c.command("DATA").code == 354
            stop = threading.Event()
            t = threading.Thread(target=trickle, args=(c, b"Subject: slow\r\n\r\n" + b"x" * 200, 0.3, stop))
            started = time.monotonic()
            t.start()
            reply = c.read_reply(timeout=15)
            waited = time.monotonic() - started
            stop.set()
            t.join()
            assert reply is not None and reply.code == 421 and reply.enhanced == "4.4.2", str(reply)
            assert waited < 5, f"cut after {waited:.1f}s; the deadline is 2s"
        # The slots are free again: two sessions from this address are allowed.
        with moat.client() as a, moat.client() as b:
            assert a.read_reply().code == 220 and b.read_reply().code == 220
        assert not ours.messages()


def test_surplus_recipients_end_the_session():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address},
                                       smtp={"max_recipients": 5, "max_errors": 10}) as moat:
        with moat.client(timeout=15) as c:
            c.read_reply()
            c.command("EHLO client.example")
            assert c.command("MAIL FROM:<alice@example.org>").code == 250
            # Pipelined, as a flooding client would: far more than the limit.
            c.send(b"".join(f"RCPT TO:<user{i}@ours.test>\r\n".encode() for i in range(2000)))
            replies = c.read_all_replies(quiet=3, limit=30)
            codes = [r.code for r in replies]
            assert codes[:5] == [250] * 5, codes[:10]
            assert 421 in codes, f"the session was never ended: {len(codes)} replies"
            assert len(codes) <= 5 + 5 + 10 + 1, f"{len(codes)} replies before the end"
            assert c.closed(5)
        assert moat.serves()


def message_with_hops(n: int) -> bytes:
    received = "".join(f"Received: from hop{i}.example by hop{i + 1}.example; Tue, 1 Dec 2026 10:00:00 +0000\r\n"
                       for i in range(n))
    return (received + "From: a@example.org\r\nTo: bob@ours.test\r\nSubject: hops\r\n\r\nbody\r\n").encode()


def test_hop_limit():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}, smtp={"max_hops": 50}) as moat:
        with moat.client(timeout=15) as c:
            c.read_reply()
            c.command("EHLO client.example")
            for hops, expected in ((50, 250), (51, 554), (150, 554)):
                assert c.command("MAIL FROM:<alice@example.org>").code == 250
                assert c.command("RCPT TO:<bob@ours.test>").code == 250
                assert c.command("DATA").code == 354
                c.send(message_with_hops(hops) + b".\r\n")
                reply = c.read_reply()
                assert reply.code == expected, f"{hops} hops: {reply}"
                if expected == 554:
                    assert reply.enhanced == "5.4.6" and "hops" in reply.text, str(reply)
        wait_until(lambda: len(ours.messages()) == 1, 10, what="the 50-hop message at the backend")


def test_smtputf8_is_a_parameter_not_text_in_the_address():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as moat:
        with moat.client(timeout=15) as c:
            c.read_reply()
            c.command("EHLO client.example")
            r = c.command('MAIL FROM:<"x SMTPUTF8 jösé"@example.org>'.encode())
            assert r.code == 553 and r.enhanced == "5.6.7", str(r)
            r = c.command('MAIL FROM:<"x SMTPUTF8 jösé"@example.org> SMTPUTF8'.encode())
            assert r.code == 250, str(r)
            assert c.command("RSET").code == 250
            assert c.command("MAIL FROM:<plain@example.org>").code == 250


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_big_message_does_not_grow_memory_with_its_size():
    size = 40 << 20
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address},
                                       smtp={"max_message_size": "60M"}) as moat:
        with moat.client(timeout=60) as c:  # warm up: the first message loads what every session uses
            c.read_reply()
            c.command("EHLO client.example")
            c.command("MAIL FROM:<alice@example.org>")
            c.command("RCPT TO:<bob@ours.test>")
            c.command("DATA")
            c.send(b"Subject: small\r\n\r\nhello\r\n.\r\n")
            assert c.read_reply().code == 250
        before = vm_hwm_kib(moat.proc.pid)
        line = b"QmlnIGF0dGFjaG1lbnQgZGF0YSBpbiBiYXNlNjQgdGhhdCBuZXZlciBlbmRzLiBCaWcgYXR0YWNobWVudC4=\r\n"
        body = (b"From: a@example.org\r\nTo: bob@ours.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n"
                b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
                b"Content-Disposition: attachment; filename=big.bin\r\n\r\n"
                + line * (size // len(line)) + b"--b--\r\n")
        with moat.client(timeout=120) as c:
            c.read_reply()
            c.command("EHLO client.example")
            c.command("MAIL FROM:<alice@example.org>")
            c.command("RCPT TO:<bob@ours.test>")
            assert c.command("DATA").code == 354
            c.send(body + b".\r\n")
            assert c.read_reply(timeout=120).code == 250
        grown_mib = (vm_hwm_kib(moat.proc.pid) - before) / 1024
        assert grown_mib < 20, f"peak RSS grew by {grown_mib:.0f} MiB for a {size >> 20} MiB message"
        wait_until(lambda: ours.messages(), 60, what="the big message at the backend")
