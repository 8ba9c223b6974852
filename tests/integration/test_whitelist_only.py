"""Whitelist-only mode through the real daemon: a stranger gets 550 5.7.1 with a one-time token
address (the same one when asking again); mail to the token address is accepted once and reaches
the backend for the original recipient; a second use, an expired token (policy clock moved
forward) and a revoked one are refused; allow-listed senders and passthrough recipients bypass the
mode; other domains are not affected."""
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402

CLOCK = Path(tempfile.mkdtemp(prefix="moat-clock-")) / "offset"
CLOCK.write_text("0")
os.environ["MOAT_CLOCK_OFFSET_FILE"] = str(CLOCK)
TOKEN_ADDRESS = re.compile(r"send to (jane\+tok-([0-9A-Z]{8})@ours\.test) \(valid until \d{4}-\d\d-\d\d\)")


def advance_clock(seconds: int):
    CLOCK.write_text(str(int(CLOCK.read_text()) + seconds))
    time.sleep(1.2)  # the daemon re-reads the offset at most once a second


def rcpt_reply(moat, sender, rcpt):
    with moat.client() as c:
        c.read_reply()
        c.command("EHLO client.example")
        assert c.command(f"MAIL FROM:<{sender}>").code == 250
        return c.command(f"RCPT TO:<{rcpt}>")


def send(moat, sender, rcpt, subject):
    with moat.client() as c:
        c.read_reply()
        c.command("EHLO client.example")
        c.command(f"MAIL FROM:<{sender}>")
        r = c.command(f"RCPT TO:<{rcpt}>")
        if r.code != 250:
            return r
        assert c.command("DATA").code == 354
        c.send(f"From: <{sender}>\r\nSubject: {subject}\r\n\r\nhello\r\n.\r\n".encode())
        return c.read_reply()


def token_for(moat, sender):
    r = rcpt_reply(moat, sender, "jane@ours.test")
    assert r.code == 550 and r.enhanced == "5.7.1", str(r)
    m = TOKEN_ADDRESS.search(r.text)
    assert m, str(r)
    return m.group(1), m.group(2)


def test_whitelist_only_mode_with_one_time_tokens():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address, "open.test": ours.address}) as moat:
        moat.ctl("setting", "set", "whitelist_only.enabled", "yes", "--domain", "ours.test")
        moat.ctl("setting", "set", "whitelist_only.token_ttl", "3600", "--domain", "ours.test")
        wait_until(lambda: rcpt_reply(moat, "stranger@x.example", "jane@ours.test").code == 550, 5,
                   what="whitelist-only mode to apply")
        r = rcpt_reply(moat, "stranger@x.example", "jane@ours.test")
        assert "<jane@ours.test> accepts mail only from approved senders; to reach jane once" in r.text, str(r)
        address, token = token_for(moat, "stranger@x.example")
        assert token_for(moat, "Stranger@X.example") == (address, token), "the same token again"
        assert token_for(moat, "other@x.example")[1] != token
        assert rcpt_reply(moat, "stranger@x.example", "jane@open.test").code == 250, "other domains unaffected"
        assert token in moat.ctl("token", "list", "ours.test").stdout

        # The token address (any case) is accepted once and delivered to jane herself.
        r = send(moat, "stranger@x.example", address.lower(), "with a token")
        assert r.code == 250, str(r)
        msg = ours.wait_for(1)[0]
        assert msg.rcpts == ["jane@ours.test"] and msg.header("Subject") == "with a token"
        r = rcpt_reply(moat, "stranger@x.example", address)
        assert r.code == 550 and r.enhanced == "5.7.1" and "token address expired or already used" in r.text, str(r)
        assert " used " in moat.ctl("token", "list").stdout
        assert token_for(moat, "stranger@x.example")[1] != token, "a spent token is not handed out again"

        # A reservation is only spent by an accepted message: RSET frees it.
        address2, _ = token_for(moat, "second@x.example")
        with moat.client() as c:
            c.read_reply()
            c.command("EHLO client.example")
            c.command("MAIL FROM:<second@x.example>")
            assert c.command(f"RCPT TO:<{address2}>").code == 250
            assert c.command(f"RCPT TO:<{address2.upper()}>").code == 250, "held by this transaction already"
            assert rcpt_reply(moat, "second@x.example", address2).code == 451, "in use by this session"
            assert c.command("RSET").code == 250
        assert rcpt_reply(moat, "second@x.example", address2).code == 250

        # Unknown, bound to another recipient, revoked, expired.
        assert "expired or already used" in rcpt_reply(moat, "a@x.example", "jane+tok-00000000@ours.test").text
        assert "expired or already used" in rcpt_reply(moat, "a@x.example",
                                                        address2.replace("jane+", "john+")).text
        address3, token3 = token_for(moat, "third@x.example")
        assert "revoked " + token3 in moat.ctl("token", "revoke", token3.lower()).stdout
        assert "expired or already used" in rcpt_reply(moat, "third@x.example", address3).text
        advance_clock(3601)
        assert "expired or already used" in rcpt_reply(moat, "second@x.example", address2).text

        # Allow-listed senders and passthrough recipients bypass the mode.
        moat.ctl("list", "add", "allow", "sender", "friend@ok.example", "--domain", "ours.test")
        moat.ctl("list", "add", "passthrough", "recipient", "postmaster@ours.test", "--domain", "ours.test")
        wait_until(lambda: rcpt_reply(moat, "friend@ok.example", "jane@ours.test").code == 250, 5,
                   what="the allow entry")
        wait_until(lambda: rcpt_reply(moat, "stranger@x.example", "postmaster@ours.test").code == 250, 5,
                   what="the passthrough entry")
