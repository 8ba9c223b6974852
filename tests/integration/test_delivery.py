"""Real clients (Python smtplib, swaks, Postfix smtp-source) deliver through moat-smtpd to real backends.

The backend must receive the message byte for byte as the client sent it, with exactly one header
added at the top: Moat's Received: header. For swaks and smtp-source, "as the client sent it" is
measured by first sending the same file straight to a control smtp-sink.
"""
import smtplib
import ssl
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import LOCALHOST, SMTP_SOURCE, Backend, Moat, RawSink  # noqa: E402

HOSTNAME = "mx.moat.test"
MAX_SIZE = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def env():
    with Backend("ours") as ours, RawSink("raw") as raw, \
            Moat(domains={"ours.test": ours.address, "raw.test": raw.address}) as moat:
        yield moat, ours, raw


def tricky_message(tag: str, to: str = "bob@ours.test") -> bytes:
    """A legal message with the things a careless relay changes: dots, tabs, 8-bit, 998-octet lines."""
    return (b"From: Alice <alice@example.org>\r\n"
            b"To: <" + to.encode() + b">\r\n"
            b"Subject: tricky =?utf-8?q?caf=C3=A9?=\r\n"
            b"  folded continuation\r\n"
            b"Message-ID: <" + tag.encode() + b"@example.org>\r\n"
            b"X-Spaces:   three leading, trailing   \r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=iso-8859-1\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n"
            b"\r\n"
            b".leading dot\r\n"
            b"..two dots\r\n"
            b".\tdot tab\r\n"
            b"From the start of a line\r\n"
            b"\ttab-indented\r\n"
            b"caf\xe9 na\xefve\r\n"
            + b"x" * 998 + b"\r\n"
            b"trailing spaces   \r\n"
            b"\r\n\r\n")


def received_prefix(delivered: bytes, sent: bytes) -> bytes:
    """Asserts delivered == <one Received: header> + sent; returns that header."""
    assert delivered.endswith(sent), "the message was changed on the way (not a byte-for-byte suffix)"
    prefix = delivered[: len(delivered) - len(sent)]
    assert prefix.startswith(b"Received:"), f"Moat must prepend a Received: header, got {prefix[:200]!r}"
    assert prefix.endswith(b"\r\n"), f"the added header must end with CRLF: {prefix!r}"
    lines = prefix[:-2].split(b"\r\n")
    continuation = lines[1:]
    assert all(line[:1] in (b" ", b"\t") for line in continuation), \
        f"exactly one header may be added, got: {prefix!r}"
    assert HOSTNAME.encode() in prefix, f"Received: should name {HOSTNAME}: {prefix!r}"
    assert b"127.0.0.1" in prefix, f"Received: should name the client address: {prefix!r}"
    return prefix


def by_message_id(sink, tag: str, count: int = 1, timeout: float = 30):
    return sink.wait_for(count, timeout, predicate=lambda m: f"<{tag}@" in (m.message_id or ""))


def test_ehlo_keywords(env):
    moat, _, _ = env
    with smtplib.SMTP(LOCALHOST, moat.port, timeout=10) as s:
        code, _ = s.ehlo("client.example")
        assert code == 250
        for keyword in ("pipelining", "size", "8bitmime", "enhancedstatuscodes", "starttls", "smtputf8"):
            assert s.has_extn(keyword), f"EHLO does not advertise {keyword.upper()}: {s.esmtp_features}"
        assert s.esmtp_features["size"].strip() == str(MAX_SIZE)
        s.starttls(context=ssl._create_unverified_context())
        code, _ = s.ehlo("client.example")
        assert code == 250
        assert not s.has_extn("starttls"), "STARTTLS must not be offered again inside TLS (RFC 3207 §4.2)"


def test_smtplib_byte_for_byte(env):
    moat, ours, _ = env
    tag = f"smtplib-{uuid.uuid4().hex}"
    sent = tricky_message(tag)
    with smtplib.SMTP(LOCALHOST, moat.port, timeout=30) as s:
        s.ehlo("client.example")
        refused = s.sendmail("alice@example.org", ["bob@ours.test", "carol@ours.test"], sent,
                             mail_options=["BODY=8BITMIME"])
        assert refused == {}
    (msg,) = by_message_id(ours, tag)
    assert msg.mail_from == "alice@example.org"
    assert sorted(msg.rcpts) == ["bob@ours.test", "carol@ours.test"]
    received_prefix(msg.data, sent)


def test_every_byte_kept(env):
    """A backend that keeps every byte (smtp-sink drops CRs): nothing but the Received: header differs."""
    moat, _, raw = env
    tag = f"raw-{uuid.uuid4().hex}"
    sent = tricky_message(tag, to="dave@raw.test")
    with smtplib.SMTP(LOCALHOST, moat.port, timeout=30) as s:
        s.ehlo("client.example")
        s.sendmail("alice@example.org", ["dave@raw.test"], sent, mail_options=["BODY=8BITMIME"])
    (msg,) = [m for m in raw.wait_for(1) if tag.encode() in m.data]
    assert msg.rcpts == ["dave@raw.test"]
    received_prefix(msg.data, sent)


def test_smtplib_starttls(env):
    moat, ours, _ = env
    tag = f"tls-{uuid.uuid4().hex}"
    sent = tricky_message(tag)
    with smtplib.SMTP(LOCALHOST, moat.port, timeout=30) as s:
        s.starttls(context=ssl._create_unverified_context())
        s.ehlo("client.example")
        s.sendmail("alice@example.org", ["bob@ours.test"], sent, mail_options=["BODY=8BITMIME"])
    (msg,) = by_message_id(ours, tag)
    header = received_prefix(msg.data, sent)
    assert b"ESMTPS" in header or b"TLS" in header.upper(), f"Received: should record TLS: {header!r}"


@pytest.mark.parametrize("tls", ["yes", "no"])
def test_next_hop_offering_starttls(tls):
    """[queue] tls: a next hop that offers STARTTLS (here a second Moat) is spoken to over TLS, or not."""
    tag = f"hop-tls-{tls}-{uuid.uuid4().hex}"
    sent = tricky_message(tag)
    with Backend("final") as final, Moat(domains={"ours.test": final.address}, name="next-hop") as hop, \
            Moat(domains={"ours.test": f"{LOCALHOST}:{hop.port}"}, name="first", queue={"tls": tls}) as first:
        with smtplib.SMTP(LOCALHOST, first.port, timeout=30) as s:
            s.sendmail("alice@example.org", ["bob@ours.test"], sent, mail_options=["BODY=8BITMIME"])
        (msg,) = by_message_id(final, tag)
        # The next hop's Received: header (the top one) says how the first hop spoke to it.
        hop_header = msg.data[: msg.data.index(b"\r\nReceived:") + 2]
        assert (b"ESMTPS" in hop_header) == (tls == "yes"), hop_header
        accepted = [line for line in hop.log_text().splitlines() if tag in line or "outcome=accepted" in line]
        assert accepted and all(("tls=TLSv1" in line) == (tls == "yes") for line in accepted), accepted
        assert msg.data.endswith(sent)


def test_next_hop_whose_tls_fails_gets_the_mail_in_plain():
    """Opportunistic TLS (RFC 7435): when the STARTTLS handshake fails, the message goes without TLS."""
    tag = f"tls-fallback-{uuid.uuid4().hex}"
    sent = tricky_message(tag)
    with RawSink("broken-tls", broken_starttls=True) as hop, \
            Moat(domains={"ours.test": hop.address}, name="tls-fallback") as moat:
        with smtplib.SMTP(LOCALHOST, moat.port, timeout=30) as s:
            s.sendmail("alice@example.org", ["bob@ours.test"], sent, mail_options=["BODY=8BITMIME"])
        (msg,) = hop.wait_for(1)
        assert hop.starttls_attempts == 1
        assert msg.rcpts == ["bob@ours.test"]
        received_prefix(msg.data, sent)
        log = moat.log_text()
        assert "TLS handshake with" in log and "retrying without TLS" in log, moat.log_tail()


def swaks(moat, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    cp = subprocess.run(["swaks", "--server", LOCALHOST, "--port", str(moat.port), "--helo", "client.example",
                         "--from", "alice@example.org", *args], capture_output=True, text=True, timeout=60)
    (tmp / "swaks.log").write_text(cp.stdout + cp.stderr)
    return cp


def swaks_case(env, tmp_path, extra: list[str]):
    moat, ours, _ = env
    tag = f"swaks-{uuid.uuid4().hex}"
    data = tmp_path / "message.eml"
    data.write_bytes(tricky_message(tag).replace(b"caf\xe9 na\xefve", b"cafe naive"))
    with Backend("control") as control:
        cp = subprocess.run(["swaks", "--server", LOCALHOST, "--port", str(control.port), "--from",
                             "alice@example.org", "--to", "bob@ours.test", "--data", f"@{data}"],
                            capture_output=True, text=True, timeout=60)
        assert cp.returncode == 0, cp.stdout + cp.stderr
        as_sent = control.wait_for(1)[0].data
    cp = swaks(moat, "--to", "bob@ours.test", "--data", f"@{data}", *extra, tmp=tmp_path)
    assert cp.returncode == 0, f"swaks failed ({cp.returncode}):\n{cp.stdout}{cp.stderr}"
    (msg,) = by_message_id(ours, tag)
    return received_prefix(msg.data, as_sent), cp.stdout


def test_swaks(env, tmp_path):
    swaks_case(env, tmp_path, [])


def test_swaks_pipelining(env, tmp_path):
    _, transcript = swaks_case(env, tmp_path, ["--pipeline"])
    assert "PIPELINING" in transcript


def test_swaks_starttls(env, tmp_path):
    header, transcript = swaks_case(env, tmp_path, ["--tls"])
    assert "STARTTLS" in transcript and "220" in transcript
    assert b"ESMTPS" in header or b"TLS" in header.upper(), f"Received: should record TLS: {header!r}"


def test_smtp_source(env, tmp_path):
    """smtp-source: 4 parallel sessions, 40 messages, several messages per connection."""
    moat, ours, _ = env
    tag = f"source-{uuid.uuid4().hex}"
    body = (f"From: alice@example.org\nTo: bob@ours.test\nSubject: smtp-source\nMessage-ID: <{tag}@example.org>\n"
            "\n.leading dot\nsecond line\n" + "z" * 900 + "\n")
    data = tmp_path / "source.txt"
    data.write_text(body)
    args = ["-F", str(data), "-f", "alice@example.org", "-t", "bob@ours.test", "-M", "client.example"]
    with Backend("control") as control:
        subprocess.run([SMTP_SOURCE, *args, f"{LOCALHOST}:{control.port}"], check=True, timeout=60)
        as_sent = control.wait_for(1)[0].data
    cp = subprocess.run([SMTP_SOURCE, "-d", "-s", "4", "-m", "40", *args, f"{LOCALHOST}:{moat.port}"],
                        capture_output=True, text=True, timeout=120)
    assert cp.returncode == 0, f"smtp-source failed: {cp.stdout}{cp.stderr}"
    msgs = by_message_id(ours, tag, count=40, timeout=60)
    assert len(msgs) == 40
    for msg in msgs:
        assert msg.rcpts == ["bob@ours.test"]
        received_prefix(msg.data, as_sent)
