"""SMTP smuggling: an end-of-data look-alike followed by a hidden transaction never yields two messages.

Each case sends, after DATA, one write: an outer message, the look-alike, a complete hidden
MAIL/RCPT/DATA transaction for victim@ours.test, the one real <CRLF>.<CRLF>, and QUIT. Moat must
answer the data end once (a message with a bare CR or LF is refused with 5xx, per our contract),
never start the hidden DATA, and the backend must never see the hidden message, not even after
Moat relayed the outer one (a relay that strips NUL or turns bare LF into CRLF would smuggle it on).
"""
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat  # noqa: E402

# name, look-alike, whether it contains a bare CR or LF (and so must be refused)
LOOKALIKES = [
    ("LF.LF", b"\n.\n", True),
    ("LF.CRLF", b"\n.\r\n", True),
    ("CR.CR", b"\r.\r", True),
    ("CRLF.CR", b"\r\n.\r", True),
    ("CR.CRLF", b"\r.\r\n", True),
    ("CRLF.LF", b"\r\n.\n", True),
    ("CRLF-NUL.CRLF", b"\r\n\x00.\r\n", False),
    ("CRLF.NUL-CRLF", b"\r\n.\x00\r\n", False),
    ("CRLF.NUL-LF", b"\r\n.\x00\n", True),
    ("LF-NUL.LF", b"\n\x00.\n", True),
]


@pytest.fixture(scope="module")
def env():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as moat:
        yield moat, ours


def smuggling_attempt(tag: str, lookalike: bytes) -> bytes:
    outer = (f"From: <alice@example.org>\r\nTo: <bob@ours.test>\r\nSubject: outer {tag}\r\n"
             f"Message-ID: <outer-{tag}@example.org>\r\n\r\nouter body").encode()
    hidden = (f"MAIL FROM:<attacker@evil.example>\r\nRCPT TO:<victim@ours.test>\r\nDATA\r\n"
              f"From: <ceo@ours.test>\r\nTo: <victim@ours.test>\r\nSubject: hidden {tag}\r\n"
              f"Message-ID: <hidden-{tag}@example.org>\r\n\r\nsmuggled body").encode()
    return outer + lookalike + hidden + b"\r\n.\r\nQUIT\r\n"


@pytest.mark.parametrize("name,lookalike,bare", LOOKALIKES, ids=[x[0] for x in LOOKALIKES])
def test_no_smuggling(env, name, lookalike, bare):
    moat, ours = env
    tag = uuid.uuid4().hex
    with moat.client() as c:
        assert c.read_reply().code == 220
        for line, want in (("EHLO client.example", 250), ("MAIL FROM:<alice@example.org>", 250),
                           ("RCPT TO:<bob@ours.test>", 250), ("DATA", 354)):
            reply = c.command(line)
            assert reply is not None and reply.code == want, f"{line} -> {reply}"
        c.send(smuggling_attempt(tag, lookalike))
        replies = c.read_all_replies(quiet=5)
    shown = " | ".join(str(r) for r in replies)
    assert replies, "no reply at all to the end of data"
    assert not any(r.code == 354 for r in replies), f"the hidden DATA was started: {shown}"
    assert sum(1 for r in replies if r.code == 250) <= 1, f"more than one 250 after DATA: {shown}"
    if bare:
        assert replies[0].code // 100 == 5, f"a message with a bare CR/LF must be refused with 5xx: {shown}"
    else:
        assert replies[0].code in (250,) or replies[0].code // 100 == 5, f"unexpected answer: {shown}"

    # Make sure whatever Moat accepted has been relayed before looking at the backend.
    marker = uuid.uuid4().hex
    with moat.client() as c:
        c.read_reply()
        for line in ("EHLO client.example", "MAIL FROM:<alice@example.org>", "RCPT TO:<marker@ours.test>",
                     "DATA"):
            c.command(line)
        reply = c.command(f"Subject: marker {marker}\r\n\r\nmarker\r\n.")
        assert reply.code == 250, f"the daemon no longer accepts mail after the attempt: {reply}"
    ours.wait_for(1, 30, predicate=lambda m: marker in (m.header("Subject") or ""))
    moat.wait_queue_empty(30)

    received = [m for m in ours.messages() if tag in m.data.decode("latin-1")]
    hidden = [m for m in received if "victim@ours.test" in m.rcpts or
              (m.header("Subject") or "").startswith("hidden")]
    assert not hidden, f"the hidden message reached the backend: {[m.data[:300] for m in hidden]}"
    assert len(received) <= 1, f"{len(received)} messages at the backend for one DATA"
    if received:
        assert received[0].rcpts == ["bob@ours.test"]
        assert received[0].header("Subject") == f"outer {tag}"
