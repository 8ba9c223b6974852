"""Issue 11, findings 1 and 2, re-run against the real daemons: a GTUBE message to alice3@a.test and
bobvictim@b.test is refused and archived; alice, domain administrator of a.test, releases it through
the console and only a.test's backend receives it (b.test's backend receives nothing); her searches
by recipient and by domain, her log and archive views and the .eml never show b.test's recipient.
"""
import sqlite3
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, WebUI, wait_until  # noqa: E402

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
ALICE_PASSWORD = "alice-long-password"


def send_gtube(moat, tag):
    data = (f"From: spammer@bad.test\r\nTo: alice3@a.test, bobvictim@b.test\r\nSubject: offer {tag}\r\n"
            f"Message-ID: <{tag}@bad.test>\r\n\r\n{GTUBE}\r\n")
    with moat.client() as c:
        assert c.read_reply().code == 220
        assert c.command("EHLO client.bad.test").code == 250
        assert c.command("MAIL FROM:<spammer@bad.test>").code == 250
        assert c.command("RCPT TO:<alice3@a.test>").code == 250
        assert c.command("RCPT TO:<bobvictim@b.test>").code == 250
        assert c.command("DATA").code == 354
        c.send(data.encode() + b".\r\n")
        assert c.read_reply().code == 550
        c.command("QUIT")


@pytest.fixture(scope="module")
def env():
    with Backend("a") as a, Backend("b") as b, \
            Moat(domains={"a.test": a.address, "b.test": b.address}) as moat, WebUI(moat) as web:
        for check in ("rdns", "fcrdns", "helo", "sender_domain", "bot"):
            moat.ctl("setting", "set", f"{check}.action", "off")
        time.sleep(1)
        web.add_user("alice", ALICE_PASSWORD, role="domain_admin", domains=["a.test"])
        yield moat, web, a, b


def archive_id(moat, tag):
    db = Path(moat.config["store"]["url"].removeprefix("sqlite:"))

    def find():
        with sqlite3.connect(db, timeout=10) as conn:
            row = conn.execute("SELECT archive_id FROM message_log WHERE message_id = ?", (f"<{tag}@bad.test>",)).fetchone()
        return row[0] if row and row[0] else None
    return wait_until(find, 10, what="the archived GTUBE message")


def test_domain_admin_release_reaches_only_its_own_recipients(env):
    moat, web, a, b = env
    send_gtube(moat, "gtube1")
    entry = archive_id(moat, "gtube1")
    alice = web.login("alice", ALICE_PASSWORD)
    r = alice.post(f"/api/v1/archive/{entry}/release")
    assert r.status == 202, r.text
    request = r.json()["request_id"]

    def finished():
        s = alice.get(f"/api/v1/releases/{request}").json()
        return s if s["status"] != "pending" else None
    status = wait_until(finished, 10, what="the release to finish")
    assert status["status"] == "done", status
    assert status["recipients"] == ["alice3@a.test"]
    got = a.wait_for(predicate=lambda m: m.message_id == "<gtube1@bad.test>", timeout=10)[0]
    assert got.rcpts == ["alice3@a.test"]
    assert got.data.startswith(b"X-Moat-Released: by alice on ")
    time.sleep(2)  # anything wrongly queued for b.test would have been delivered by now
    assert not any(m.message_id == "<gtube1@bad.test>" for m in b.messages())

    # An administrator may still release to everyone.
    admin = web.admin()
    r = admin.post(f"/api/v1/archive/{entry}/release")
    assert r.status == 202, r.text
    b.wait_for(predicate=lambda m: m.message_id == "<gtube1@bad.test>", timeout=10)


def test_domain_admin_never_sees_other_domains_recipients(env):
    moat, web, a, b = env
    send_gtube(moat, "gtube2")
    entry = archive_id(moat, "gtube2")
    alice = web.login("alice", ALICE_PASSWORD)
    for path in ("/api/v1/log", "/api/v1/archive"):
        for prefix in ("b", "bo", "bobs", "bobvictim", "b.test", "@b"):
            r = alice.get(f"{path}?recipient={prefix}")
            assert r.status == 200
            assert r.json()["entries"] == [], (path, prefix, r.text)
        assert alice.get(f"{path}?domain=b.test").json()["entries"] == []
        listing = alice.get(path)
        assert listing.json()["entries"], path
        assert "bobvictim" not in listing.text and "b.test" not in listing.text
    view = alice.get(f"/api/v1/archive/{entry}")
    assert view.status == 200 and "bobvictim" not in view.text
    assert alice.get(f"/api/v1/archive/{entry}/eml").status == 403
    admin = web.admin()
    assert "bobvictim@b.test" in admin.get(f"/api/v1/archive/{entry}/eml").text
