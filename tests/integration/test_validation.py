"""Recipient validation through the real daemon: the valid-address list (pasted in the forms
administrators paste, changed while the daemon runs) and SMTP validation against a real backend
that knows its users (tests/fixtures/user_backend.py): 550 5.1.1 for unknown users, 450 4.1.1 when
the backend cannot be asked, the callout cache (memory and store, TTLs on the policy clock, flush),
and the message log explaining each decision."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import MOATCTL, Backend, Moat, wait_until  # noqa: E402
from user_backend import UserBackend  # noqa: E402

CLOCK = Path(tempfile.mkdtemp(prefix="moat-clock-")) / "offset"
CLOCK.write_text("0")
os.environ["MOAT_CLOCK_OFFSET_FILE"] = str(CLOCK)

PASTE = """# the sales team, exported from the address book
Jane Doe <Jane@ours.test>, "Doe, John" <john@ours.test>; mailto:info@ours.test?subject=hi
"Bob" bob@ours.test
   <alice@ours.test>   # Alice, part time
carol@OURS.test (Carol)

not an address
stranger@elsewhere.test
"""


def advance_clock(seconds: int):
    CLOCK.write_text(str(int(CLOCK.read_text()) + seconds))
    time.sleep(1.2)  # the daemon re-reads the offset at most once a second


def rcpt_reply(moat, rcpt, sender="someone@sender.example"):
    with moat.client() as c:
        c.read_reply()
        c.command("EHLO client.example")
        assert c.command(f"MAIL FROM:<{sender}>").code == 250
        return c.command(f"RCPT TO:<{rcpt}>")


def send(moat, rcpt, sender="someone@sender.example", subject="validation test"):
    with moat.client() as c:
        c.read_reply()
        c.command("EHLO client.example")
        c.command(f"MAIL FROM:<{sender}>")
        r = c.command(f"RCPT TO:<{rcpt}>")
        if r.code != 250:
            c.command("QUIT")
            return r
        assert c.command("DATA").code == 354
        c.send(f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n\r\nhello\r\n.\r\n".encode())
        return c.read_reply()


def paste(moat, text, *extra):
    return subprocess.run([str(MOATCTL), "--config", str(moat.config_path), "valid", "paste", "ours.test", *extra],
                          input=text, capture_output=True, text=True, timeout=30)


def settings(moat, **values):
    # The methods (list, smtp) last: the daemon may reload between two of these
    # writes, and a test that waits for validation to apply must then find the
    # TTLs and reject_nonvalidated loaded with it (a reload reads one snapshot).
    order = {"reject_nonvalidated": 1, "list": 2, "smtp": 2}
    for key, value in sorted(values.items(), key=lambda kv: order.get(kv[0], 0)):
        moat.ctl("setting", "set", f"validation.{key}", value, "--domain", "ours.test")


def eventually(predicate, what):
    wait_until(predicate, 5, interval=0.1, what=what)


def message_log(moat):
    db = Path(moat.config["store"]["url"].removeprefix("sqlite:"))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT outcome, reason, checks FROM message_log ORDER BY id").fetchall()
    return [(outcome, reason, json.loads(checks or "[]")) for outcome, reason, checks in rows]


def validation_checks(moat):
    return [c for _, _, checks in message_log(moat) for c in checks if c["check"] == "validation"]


def test_list_validation_with_a_pasted_list_applies_without_restart():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as moat:
        cp = paste(moat, PASTE)
        assert cp.returncode == 1, cp  # unreadable items make the status 1; the rest is added
        assert "6 addresses added to ours.test" in cp.stdout and "2 items skipped" in cp.stdout, cp.stdout
        assert "line 7: 'not an address': no address" in cp.stderr, cp.stderr
        assert "line 8: 'stranger@elsewhere.test' is not an address of ours.test" in cp.stderr, cp.stderr
        assert moat.ctl("valid", "count", "ours.test").stdout.strip() == "6"
        assert moat.ctl("valid", "list", "ours.test").stdout.split() == [
            "alice@ours.test", "bob@ours.test", "carol@ours.test", "info@ours.test", "jane@ours.test",
            "john@ours.test"]
        assert "0 addresses added to ours.test, 6 already listed" in paste(moat, PASTE).stdout

        # The list alone accepts everyone until reject_nonvalidated is on.
        settings(moat, list="yes")
        eventually(lambda: rcpt_reply(moat, "nobody@ours.test").code == 250
                   and any(c["result"] == "unverified" for c in validation_checks(moat)), "the setting to apply")
        settings(moat, reject_nonvalidated="yes")
        eventually(lambda: rcpt_reply(moat, "nobody@ours.test").code == 550, "reject_nonvalidated to apply")
        r = rcpt_reply(moat, "nobody@ours.test")
        assert r.enhanced == "5.1.1" and "unknown user" in r.text and "not in the list of valid addresses of ours.test" \
            in r.text, str(r)
        assert rcpt_reply(moat, "jane@ours.test").code == 250
        assert rcpt_reply(moat, "JANE@Ours.Test").code == 250
        assert send(moat, "john@ours.test").code == 250
        ours.wait_for(1)

        # An allow-listed sender skips the spam checks, not recipient validation.
        moat.ctl("list", "add", "allow", "sender", "friend@sender.example", "--domain", "ours.test")
        time.sleep(1)
        assert rcpt_reply(moat, "nobody@ours.test", sender="friend@sender.example").code == 550
        time.sleep(0.5)
        _, _, checks = message_log(moat)[-1]
        assert [(c["check"], c["result"]) for c in checks][-2:] == [("list", "pass"), ("validation", "reject")], checks

        # Changes apply while the daemon runs.
        moat.ctl("valid", "add", "ours.test", "Newcomer <newcomer@ours.test>")
        eventually(lambda: rcpt_reply(moat, "newcomer@ours.test").code == 250, "the new address")
        moat.ctl("valid", "remove", "ours.test", "bob@ours.test")
        eventually(lambda: rcpt_reply(moat, "bob@ours.test").code == 550, "the removal")
        cp = paste(moat, "jane@ours.test\n", "--replace")
        assert cp.returncode == 0 and "5 removed" in cp.stdout, cp
        eventually(lambda: rcpt_reply(moat, "alice@ours.test").code == 550, "the replaced list")
        assert rcpt_reply(moat, "jane@ours.test").code == 250
        # A replace with an unreadable item removes nothing.
        cp = paste(moat, "x@ours.test\nbroken\n", "--replace")
        assert cp.returncode == 1 and "nothing removed" in cp.stderr, cp
        assert moat.ctl("valid", "count", "ours.test").stdout.strip() == "2"

        # Without reject_nonvalidated a recipient off the list is accepted, and the log says so.
        settings(moat, reject_nonvalidated="no")
        eventually(lambda: rcpt_reply(moat, "nobody@ours.test").code == 250, "reject_nonvalidated off")
        assert send(moat, "nobody@ours.test", subject="unlisted").code == 250
        time.sleep(0.5)
        checks = validation_checks(moat)
        assert any(c["result"] == "unverified" and "not in the list" in c["detail"] for c in checks), checks
        assert any(c["result"] == "pass" and "<john@ours.test> is in the list" in c["detail"] for c in checks), checks


def test_smtp_validation_asks_the_backend_once_and_caches_both_answers():
    with UserBackend(users=["jane@ours.test", "john@ours.test"]) as users, \
            Moat(domains={"ours.test": users.address}) as moat:
        settings(moat, smtp="yes", negative_ttl="60")
        eventually(lambda: rcpt_reply(moat, "ghost@ours.test").code == 550, "SMTP validation to apply")
        r = rcpt_reply(moat, "ghost@ours.test")
        assert r.code == 550 and r.enhanced == "5.1.1" and "Recipient address rejected: unknown user" in r.text, str(r)
        assert "local recipient table" not in r.text  # the backend's own words stay in the log
        assert users.asked("ghost@ours.test") == 1  # the second RCPT came from the cache
        assert users.mail_froms == ["FROM:<>"] * len(users.mail_froms), users.mail_froms
        assert "mx.moat.test" in users.helos

        assert rcpt_reply(moat, "Jane@ours.test").code == 250
        assert send(moat, "jane@ours.test").code == 250
        assert users.asked("jane@ours.test") >= 1
        asked = users.asked("jane@ours.test")
        assert rcpt_reply(moat, "jane@ours.test").code == 250
        assert users.asked("jane@ours.test") == asked

        # The negative answer expires after validation.negative_ttl; the positive one does not.
        advance_clock(61)
        assert rcpt_reply(moat, "ghost@ours.test").code == 550
        assert users.asked("ghost@ours.test") == 2
        assert rcpt_reply(moat, "jane@ours.test").code == 250
        assert users.asked("jane@ours.test") == asked

        # A restart keeps the cache (callout_cache in the store); flush forgets it.
        moat.restart()
        assert rcpt_reply(moat, "jane@ours.test").code == 250
        assert users.asked("jane@ours.test") == asked
        assert "1 cached callout result forgotten" in moat.ctl("callout", "flush", "<Jane@ours.test>").stdout
        eventually(lambda: rcpt_reply(moat, "jane@ours.test").code == 250 and users.asked("jane@ours.test") > asked,
                   "the flush to reach the daemon")

        # A listed address is not asked about at all.
        moat.ctl("valid", "add", "ours.test", "listed@ours.test")
        settings(moat, list="yes")
        time.sleep(1)  # the daemon reloads within 250 ms; asking earlier would make a callout
        assert rcpt_reply(moat, "listed@ours.test").code == 250
        assert users.asked("listed@ours.test") == 0

        time.sleep(0.5)
        log = message_log(moat)
        rejected = [checks for outcome, _, checks in log if outcome == "rejected"]
        assert any(c["check"] == "validation" and c["result"] == "reject" and "User unknown in local recipient table"
                   in c["detail"] for checks in rejected for c in checks), rejected
        accepted = [checks for outcome, _, checks in log if outcome == "accepted"]
        assert any(c["check"] == "validation" and c["result"] == "pass" and "accepts <jane@ours.test>" in c["detail"]
                   for checks in accepted for c in checks), accepted
        assert "User unknown in local recipient table" in moat.log_text()


def test_backend_down_gives_4xx_only_with_reject_nonvalidated():
    with UserBackend(users=["jane@ours.test"], deferred=["busy@ours.test"]) as users, \
            Moat(domains={"ours.test": users.address}) as moat:
        settings(moat, smtp="yes", reject_nonvalidated="yes")
        eventually(lambda: rcpt_reply(moat, "ghost@ours.test").code == 550, "SMTP validation to apply")
        assert rcpt_reply(moat, "jane@ours.test").code == 250

        # A 4xx from the backend is not an answer: 450 4.1.1, never a 5xx, and not cached.
        r = rcpt_reply(moat, "busy@ours.test")
        assert r.code == 450 and r.enhanced == "4.1.1" and "cannot reach the mail server of ours.test" in r.text, str(r)
        assert rcpt_reply(moat, "busy@ours.test").code == 450
        assert users.asked("busy@ours.test") == 2

        users.stop()
        r = rcpt_reply(moat, "someone-new@ours.test")
        assert r.code == 450 and r.enhanced == "4.1.1" and "try again later" in r.text, str(r)
        # Cached answers still hold while the backend is down.
        assert rcpt_reply(moat, "jane@ours.test").code == 250
        assert rcpt_reply(moat, "ghost@ours.test").code == 550
        # A down backend is not hammered: the failure is remembered for a while (checked below in
        # the log: a connection refused by a closed port cannot be counted at the backend).
        for _ in range(3):
            assert rcpt_reply(moat, "another@ours.test").code == 450

        # Without reject_nonvalidated the recipient is accepted and the log says why.
        settings(moat, reject_nonvalidated="no")
        eventually(lambda: rcpt_reply(moat, "another@ours.test").code == 250, "reject_nonvalidated off")
        assert send(moat, "another@ours.test", subject="unverified").code == 250
        users.start()
        time.sleep(0.5)
        log = message_log(moat)
        assert any(outcome == "tempfail" and "450 4.1.1" in reason for outcome, reason, _ in log), log
        checks = validation_checks(moat)
        assert any(c["result"] == "tempfail" and "could not verify" in c["detail"] for c in checks), checks
        remembered = [c for c in checks if c["result"] == "tempfail" and "another@ours.test" in c["detail"]
                      and "not asked again" in c["detail"]]
        assert len(remembered) >= 3, checks
        assert any(c["result"] == "unverified" and "<another@ours.test>" in c["detail"] for c in checks), checks
