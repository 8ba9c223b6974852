"""The queue: mail waits while a backend is down, retries with backoff, survives restarts, and bounces
permanent failures with an RFC 3464 DSN to the envelope sender (never to <>).

Daemons here use retry_initial = 2 s and retry_max = 4 s unless a test says otherwise.
"""
import email
import re
import smtplib
import sys
import time
import uuid
from email.policy import compat32
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import LOCALHOST, Backend, Moat, wait_until  # noqa: E402


def message(tag: str, sender: str, rcpt: str) -> bytes:
    return (f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {tag}\r\nMessage-ID: <{tag}@example.org>\r\n\r\n"
            f"queued body {tag}\r\n").encode()


def send(moat, sender: str, rcpts: list[str], tag: str) -> bytes:
    data = message(tag, sender, rcpts[0])
    with smtplib.SMTP(LOCALHOST, moat.port, timeout=30) as s:
        s.ehlo("client.example")
        assert s.sendmail(sender, rcpts, data) == {}
    return data


def with_subject(tag: str):
    return lambda m: m.header("Subject") == tag


def test_backend_down_then_up():
    ours = Backend("ours", start=False)
    with ours, Moat(domains={"ours.test": ours.address}) as moat:
        tag = f"down-{uuid.uuid4().hex}"
        sent = send(moat, "alice@example.org", ["bob@ours.test"], tag)
        listing = moat.queue_list()
        assert "bob@ours.test" in listing, f"queue list does not show the waiting message:\n{listing}"
        time.sleep(3)  # the first attempt and a retry fail: the backend is down
        assert moat.queue_entries(), "the message left the queue although the backend is down"
        ours.start()
        (msg,) = ours.wait_for(1, 20, predicate=with_subject(tag))
        assert msg.data.endswith(sent)
        assert msg.rcpts == ["bob@ours.test"]
        moat.wait_queue_empty(10)


def test_queue_flush_retries_now():
    ours = Backend("ours", start=False)
    with ours, Moat(domains={"ours.test": ours.address},
                    queue={"retry_initial": 300, "retry_max": 600}) as moat:
        tag = f"flush-{uuid.uuid4().hex}"
        send(moat, "alice@example.org", ["bob@ours.test"], tag)
        # The first attempt fails (the listing shows the recipient with a 4xx reply); the next is 5 min away.
        wait_until(lambda: re.search(r"(?m)bob@ours\.test.*\b4\d\d\b", moat.queue_list()), 10, interval=0.3,
                   what="the first failed delivery attempt")
        ours.start()
        time.sleep(3)
        assert not ours.messages(), "retried long before retry_initial"
        moat.ctl("queue", "flush")
        ours.wait_for(1, 10, predicate=with_subject(tag))
        moat.wait_queue_empty(10)


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_queue_survives_restart(how):
    ours = Backend("ours", start=False)
    with ours, Moat(domains={"ours.test": ours.address}) as moat:
        tags = [f"restart-{how}-{i}-{uuid.uuid4().hex}" for i in range(5)]
        for tag in tags:
            send(moat, "alice@example.org", ["bob@ours.test"], tag)
        if how == "sigterm":
            moat.stop()
        else:
            moat.kill()
        ours.start()
        time.sleep(1)
        assert not ours.messages(), "delivered while the daemon was down?"
        moat.start()
        got = ours.wait_for(len(tags), 30)
        subjects = sorted(m.header("Subject") for m in got)
        assert subjects == sorted(tags), f"after restart: {subjects}"
        moat.wait_queue_empty(10)


@pytest.fixture
def bouncing():
    """ours.test's backend refuses every RCPT with 500 5.3.0; senders.test's backend takes everything."""
    with Backend("ours", hard_reject=["RCPT"]) as ours, Backend("senders") as senders, \
            Moat(domains={"ours.test": ours.address, "senders.test": senders.address}) as moat:
        yield moat, ours, senders


def dsn_parts(data: bytes):
    msg = email.message_from_bytes(data, policy=compat32)
    assert msg.get_content_type() == "multipart/report", f"DSN is {msg.get_content_type()}"
    assert (msg.get_param("report-type") or "").lower() == "delivery-status"
    parts = msg.get_payload()
    types = [p.get_content_type() for p in parts]
    assert len(parts) >= 2 and types[1] == "message/delivery-status", f"DSN parts: {types}"
    # The delivery-status body is a sequence of header blocks; read it as text.
    status = parts[1].as_string().split("\n\n", 1)[1] if isinstance(parts[1].get_payload(), str) else \
        "\n\n".join(block.as_string() for block in parts[1].get_payload())
    return msg, types, status


def test_backend_5xx_produces_dsn_to_sender(bouncing):
    moat, ours, senders = bouncing
    tag = f"bounce-{uuid.uuid4().hex}"
    send(moat, "alice@senders.test", ["bob@ours.test"], tag)
    (dsn,) = senders.wait_for(1, 30)
    assert dsn.mail_from == "", f"a DSN must be sent from <>, not <{dsn.mail_from}>"
    assert dsn.rcpts == ["alice@senders.test"]
    msg, types, status = dsn_parts(dsn.data)
    assert re.search(r"(?im)^Final-Recipient:\s*rfc822;\s*<?bob@ours\.test>?\s*$", status), status
    assert re.search(r"(?im)^Action:\s*failed\s*$", status), status
    assert re.search(r"(?im)^Status:\s*5\.\d{1,3}\.\d{1,3}\s*$", status), status
    assert re.search(r"(?im)^Diagnostic-Code:\s*smtp;\s*500\b.*5\.3\.0", status), \
        f"the DSN must quote the backend's reply (500 5.3.0 ...):\n{status}"
    assert any(t in ("message/rfc822", "text/rfc822-headers") for t in types[2:]), f"no original: {types}"
    assert tag.encode() in dsn.data, "the DSN should carry the original headers"
    moat.wait_queue_empty(10)


def test_no_dsn_for_null_sender_and_no_dsn_loop(bouncing):
    moat, ours, senders = bouncing
    send(moat, "", ["bob@ours.test"], f"null-{uuid.uuid4().hex}")
    # carol@ours.test's own backend refuses her DSN too: that DSN must die quietly, not loop.
    send(moat, "carol@ours.test", ["bob@ours.test"], f"loop-{uuid.uuid4().hex}")
    wait_until(lambda: not moat.queue_entries(), 30, interval=0.5, what="the queue to drain")
    time.sleep(2)
    assert not moat.queue_entries()
    assert senders.messages() == [], "a DSN went somewhere it should not"
    assert moat.alive


def test_expired_message_bounces():
    ours = Backend("ours", soft_reject=["RCPT"])
    with ours, Backend("senders") as senders, \
            Moat(domains={"ours.test": ours.address, "senders.test": senders.address},
                 queue={"retry_initial": 1, "retry_max": 2, "max_lifetime": 6}) as moat:
        tag = f"expire-{uuid.uuid4().hex}"
        send(moat, "alice@senders.test", ["bob@ours.test"], tag)
        (dsn,) = senders.wait_for(1, 30)
        assert dsn.mail_from == "" and dsn.rcpts == ["alice@senders.test"]
        _, _, status = dsn_parts(dsn.data)
        assert re.search(r"(?im)^Action:\s*failed\s*$", status), status
        assert re.search(r"(?im)^Status:\s*4\.\d{1,3}\.\d{1,3}\s*$", status), status
        moat.wait_queue_empty(10)
