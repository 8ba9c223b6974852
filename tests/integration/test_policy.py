"""SMTP-time policy through the real daemon: white/black lists (global and per domain, with hit
counts), greylisting with the policy clock moved forward instead of sleeping, and the message log
recording every check. Settings and lists are changed with moatctl while the daemon runs."""
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402

CLOCK = Path(tempfile.mkdtemp(prefix="moat-clock-")) / "offset"
CLOCK.write_text("0")
os.environ["MOAT_CLOCK_OFFSET_FILE"] = str(CLOCK)


def advance_clock(seconds: int):
    CLOCK.write_text(str(int(CLOCK.read_text()) + seconds))
    time.sleep(1.2)  # the daemon re-reads the offset at most once a second


def rcpt_reply(moat, sender, rcpt, source=None):
    with moat.client(source=source) as c:
        c.read_reply()
        c.command("EHLO client.example")
        assert c.command(f"MAIL FROM:<{sender}>").code == 250
        return c.command(f"RCPT TO:<{rcpt}>")


def send(moat, sender, rcpt, subject="policy test"):
    with moat.client() as c:
        c.read_reply()
        c.command("EHLO client.example")
        c.command(f"MAIL FROM:<{sender}>")
        r = c.command(f"RCPT TO:<{rcpt}>")
        if r.code != 250:
            return r
        assert c.command("DATA").code == 354
        c.send(f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n\r\nhello\r\n.\r\n".encode())
        return c.read_reply()


def eventually(predicate, what):
    wait_until(predicate, 5, interval=0.1, what=what)


def test_deny_and_allow_lists_apply_at_once_and_name_the_list():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as moat:
        assert rcpt_reply(moat, "someone@spam.example", "bob@ours.test").code == 250
        moat.ctl("list", "add", "deny", "sender_domain", "spam.example", "--domain", "ours.test", "--note", "t")
        eventually(lambda: rcpt_reply(moat, "someone@spam.example", "bob@ours.test").code == 550,
                   "the deny entry to apply")
        r = rcpt_reply(moat, "someone@spam.example", "bob@ours.test")
        assert r.enhanced == "5.7.1" and "deny list" in r.text and "ours.test" in r.text, str(r)
        assert rcpt_reply(moat, "someone@good.example", "bob@ours.test").code == 250

        # A global client deny entry; another source address is not affected.
        moat.ctl("list", "add", "deny", "client", "127.0.0.2")
        eventually(lambda: rcpt_reply(moat, "a@good.example", "bob@ours.test", source="127.0.0.2").code == 550,
                   "the client deny entry to apply")
        assert "global deny list" in rcpt_reply(moat, "a@good.example", "bob@ours.test", source="127.0.0.2").text
        assert rcpt_reply(moat, "a@good.example", "bob@ours.test", source="127.0.0.1").code == 250

        # The domain's allow entry beats the global deny of the whole domain.
        moat.ctl("list", "add", "deny", "sender_domain", "mixed.example")
        moat.ctl("list", "add", "allow", "sender", "friend@mixed.example", "--domain", "ours.test")
        eventually(lambda: rcpt_reply(moat, "friend@mixed.example", "bob@ours.test").code == 250
                   and rcpt_reply(moat, "other@mixed.example", "bob@ours.test").code == 550, "allow over deny")

        # Hits are counted (the daemon writes them every few seconds).
        def counted():
            out = moat.ctl("list", "show", "deny", "--domain", "ours.test").stdout
            line = next(l for l in out.splitlines() if "spam.example" in l)
            return any(int(f) >= 2 for f in line.split() if f.isdigit())
        wait_until(counted, 15, interval=0.5, what="hit counts")


def test_greylisting_defers_first_attempt_and_passes_after_the_delay():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as moat:
        moat.ctl("setting", "set", "greylist.enabled", "yes", "--domain", "ours.test")
        moat.ctl("setting", "set", "greylist.delay", "300")
        eventually(lambda: rcpt_reply(moat, "new@sender.example", "bob@ours.test").code == 451,
                   "greylisting to apply")
        r = rcpt_reply(moat, "new@sender.example", "bob@ours.test")
        assert r.code == 451 and r.enhanced == "4.7.1" and "try again" in r.text.lower(), str(r)

        advance_clock(301)
        r = send(moat, "new@sender.example", "bob@ours.test", subject="after greylisting")
        assert r.code == 250, str(r)
        ours.wait_for(1)

        # A remembered triplet passes at once, later too.
        advance_clock(3 * 86400)
        assert rcpt_reply(moat, "new@sender.example", "bob@ours.test").code == 250

        # Allow-listed senders and relay-authorised clients are never greylisted.
        moat.ctl("list", "add", "allow", "sender", "vip@sender.example", "--domain", "ours.test")
        eventually(lambda: rcpt_reply(moat, "vip@sender.example", "bob@ours.test").code == 250, "allow entry")
        moat.ctl("relaynet", "add", "127.0.0.3/32")
        eventually(lambda: rcpt_reply(moat, "x@elsewhere.example", "bob@ours.test", source="127.0.0.3").code == 250,
                   "relay network")

        # Another domain without greylisting is not affected.
        moat.ctl("domain", "add", "plain.test", "--backend", ours.address)
        eventually(lambda: rcpt_reply(moat, "fresh@sender.example", "bob@plain.test").code == 250, "plain domain")


def test_message_log_explains_every_decision():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as moat:
        moat.ctl("list", "add", "deny", "sender", "bad@spam.example", "--domain", "ours.test")
        eventually(lambda: rcpt_reply(moat, "bad@spam.example", "bob@ours.test").code == 550, "deny entry")
        assert send(moat, "good@ham.example", "bob@ours.test").code == 250
        ours.wait_for(1)
        time.sleep(0.5)
        db = Path(moat.config["store"]["url"].removeprefix("sqlite:"))
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT sender, outcome, checks FROM message_log ORDER BY id").fetchall()
        by_sender = {}
        for sender, outcome, checks in rows:
            by_sender.setdefault(sender, []).append((outcome, json.loads(checks)))
        outcome, checks = by_sender["bad@spam.example"][-1]
        assert outcome == "rejected"
        assert any(c["check"] == "list" and c["result"] == "reject" and "deny list" in c["detail"] for c in checks)
        outcome, checks = by_sender["good@ham.example"][-1]
        assert outcome == "accepted"
        assert any(c["check"] == "relay" and c["result"] == "pass" for c in checks)
