"""Bot behaviour through the real daemon, over raw sockets: a client that talks before the greeting
(with bot.greet_pause), one that pipelines before PIPELINING was offered (EHLO burst, HELO session)
and one that ends commands with a bare LF are served, but refused at RCPT with a text naming the
behaviour; a domain with bot.action off accepts the same clients, and a polite client is accepted."""
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402

PAUSE = 1


def banner_delay(moat) -> float:
    with moat.client() as c:
        start = time.monotonic()
        assert c.read_reply().code == 220
        return time.monotonic() - start


@pytest.fixture(scope="module")
def moat():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address, "off.test": ours.address}) as m:
        m.ctl("setting", "set", "bot.action", "off", "--domain", "off.test")
        m.ctl("setting", "set", "bot.greet_pause", str(PAUSE))
        wait_until(lambda: banner_delay(m) >= PAUSE - 0.1, 10, interval=0.2, what="the greeting pause to apply")
        yield m


def refused_for(reply, words):
    return reply.code == 550 and reply.enhanced == "5.7.1" and words in reply.text and "bot behaviour" in reply.text


def test_polite_client_waits_for_the_greeting_and_is_accepted(moat):
    with moat.client() as c:
        start = time.monotonic()
        assert c.read_reply().code == 220
        assert time.monotonic() - start >= PAUSE - 0.1, "no greeting pause"
        assert c.command("EHLO client.example").code == 250
        assert c.command("MAIL FROM:<alice@example.org>").code == 250
        r = c.command("RCPT TO:<bob@ours.test>")
        assert r.code == 250, str(r)


def test_early_talker_is_refused_at_rcpt(moat):
    with moat.client() as c:
        c.send(b"EHLO client.example\r\n")  # before the 220
        assert c.read_reply().code == 220
        assert c.read_reply().code == 250
        assert c.command("MAIL FROM:<alice@example.org>").code == 250
        r = c.command("RCPT TO:<bob@ours.test>")
        assert refused_for(r, "talked before the greeting"), str(r)
        assert "[127.0.0.1]" in r.text
        # The same client in the same session, to a domain with bot.action off.
        r = c.command("RCPT TO:<bob@off.test>")
        assert r.code == 250, str(r)
    assert "bot behaviour: client talked before the greeting" in moat.log_text()


def test_pipelining_before_pipelining_was_offered(moat):
    with moat.client() as c:
        assert c.read_reply().code == 220
        c.send(b"EHLO client.example\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@ours.test>\r\n"
               b"RCPT TO:<carol@off.test>\r\n")
        ehlo, mail, rcpt, off = (c.read_reply() for _ in range(4))
        assert ehlo.code == 250 and "PIPELINING" in ehlo.text
        assert mail.code == 250
        assert refused_for(rcpt, "without waiting for the reply"), str(rcpt)
        assert off.code == 250, str(off)


def test_pipelining_in_a_helo_session(moat):
    with moat.client() as c:
        assert c.read_reply().code == 220
        assert c.command("HELO client.example").code == 250
        c.send(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@ours.test>\r\n")
        mail, rcpt = c.read_reply(), c.read_reply()
        assert mail.code == 250
        assert refused_for(rcpt, "HELO session"), str(rcpt)


def test_pipelining_after_ehlo_is_fine(moat):
    with moat.client() as c:
        assert c.read_reply().code == 220
        assert c.command("EHLO client.example").code == 250
        c.send(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@ours.test>\r\n")
        mail, rcpt = c.read_reply(), c.read_reply()
        assert mail.code == 250 and rcpt.code == 250, f"{mail} / {rcpt}"


def test_bare_newlines_are_accepted_as_commands_but_flagged(moat):
    with moat.client() as c:
        assert c.read_reply().code == 220
        c.send(b"EHLO client.example\n")
        assert c.read_reply().code == 250
        c.send(b"MAIL FROM:<alice@example.org>\n")
        assert c.read_reply().code == 250
        c.send(b"RCPT TO:<bob@ours.test>\n")
        r = c.read_reply()
        assert refused_for(r, "bare newline"), str(r)
        c.send(b"RCPT TO:<bob@off.test>\n")
        assert c.read_reply().code == 250


def test_bot_action_off_accepts_the_same_clients(moat):
    """The whole dialogue of a bot to the domain with bot.action off, message delivered."""
    with moat.client() as c:
        c.send(b"HELO client.example\n")
        assert c.read_reply().code == 220
        assert c.read_reply().code == 250
        c.send(b"MAIL FROM:<alice@example.org>\nRCPT TO:<bob@off.test>\nDATA\n")
        assert [c.read_reply().code for _ in range(3)] == [250, 250, 354]
        c.send(b"Subject: bot\r\n\r\nhello\r\n.\r\n")
        assert c.read_reply().code == 250
