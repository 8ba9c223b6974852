"""The archive, the enriched message log and the dashboard aggregates through real SMTP
sessions: accepted mail is archived as a hard link of its spool file (the archive copy stays
after delivery), a GTUBE message refused after DATA is archived as rejected with its log row
(category, refused_by, subject, archive_id), a release request inserted into the store with its recipients (as
the console does) delivers the message to the backend with X-Moat-Released, `moatctl archive`
lists and releases, traffic_hourly and mta_stats count, and filtering.enabled = no for a domain
lets GTUBE through; on a disk under archive.min_free nothing new is archived and mail still flows.
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def message(tag: str, subject: str, body: str = "Hello Bob,\r\nsee you at lunch.\r\n") -> str:
    return (f"From: =?UTF-8?Q?Alice_W=C3=B6lfe?= <alice@good.test>\r\nTo: bob@ours.test\r\n"
            f"Subject: {subject}\r\nDate: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
            f"Message-ID: <{tag}@good.test>\r\n\r\n{body}")


def transaction(moat, rcpts, data: str, sender="alice@good.test"):
    """MAIL, RCPTs and DATA; returns the final reply (None when no recipient was accepted)."""
    with moat.client() as c:
        assert c.read_reply().code == 220
        assert c.command("EHLO client.good.test").code == 250
        assert c.command(f"MAIL FROM:<{sender}>").code == 250
        replies = [c.command(f"RCPT TO:<{r}>") for r in rcpts]
        final = None
        if any(r.code == 250 for r in replies):
            assert c.command("DATA").code == 354
            c.send(data.encode() + b".\r\n")
            final = c.read_reply()
        c.command("QUIT")
        return final


def db(moat):
    conn = sqlite3.connect(Path(moat.config["store"]["url"].removeprefix("sqlite:")), timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


def query(moat, sql, *args):
    with db(moat) as conn:
        return conn.execute(sql, args).fetchall()


def request_release(moat, entry) -> int:
    """The console's way: a release_requests row by admin for the entry's recipients; its id."""
    with db(moat) as conn:
        return conn.execute("INSERT INTO release_requests (archive_id, requested_by, requested, recipients)"
                            " VALUES (?, ?, ?, ?)",
                            (entry["id"], "admin", int(time.time()), entry["recipients"])).lastrowid


def finished_release(moat, request, timeout: float = 10):
    """The request's row once moat-smtpd has carried it out (done or failed). It is marked after
    the copy is queued, so the queue may deliver the copy first."""
    def finished():
        rows = query(moat, "SELECT * FROM release_requests WHERE id = ?", request)
        return rows[0] if rows and rows[0]["status"] != "pending" else None
    return wait_until(finished, timeout, what="the release request to finish")


def log_row(moat, message_id):
    def find():
        rows = query(moat, "SELECT * FROM message_log WHERE message_id = ?", f"<{message_id}@good.test>")
        return rows[-1] if rows else None
    return wait_until(find, 10, what=f"the log row of {message_id}")


@pytest.fixture(scope="module")
def env():
    with Backend("ours") as ours, \
            Moat(domains={"ours.test": ours.address, "open.test": ours.address}) as moat:
        for check in ("rdns", "fcrdns", "helo", "sender_domain", "bot"):
            moat.ctl("setting", "set", f"{check}.action", "off")
        moat.ctl("setting", "set", "filtering.enabled", "no", "--domain", "open.test")
        time.sleep(1)  # the running daemon reloads within 250 ms
        yield moat, ours


def archive_dir(moat) -> Path:
    return Path(moat.config["archive"]["dir"])


def test_accepted_message_is_archived_as_a_hard_link(env):
    moat, ours = env
    r = transaction(moat, ["bob@ours.test"], message("acc1", "lunch"))
    assert r.code == 250, r
    queue_id = r.text.rsplit(" ", 1)[-1]
    row = log_row(moat, "acc1")
    assert row["outcome"] == "accepted" and row["category"] == "accepted"
    assert row["subject"] == "lunch"
    assert row["from_header"] == "Alice Wölfe <alice@good.test>"
    assert row["refused_by"] == ""
    assert row["archive_id"] > 0
    entry = query(moat, "SELECT * FROM archive WHERE id = ?", row["archive_id"])[0]
    assert entry["outcome"] == "accepted" and entry["log_id"] == row["id"]
    assert entry["sender"] == "alice@good.test" and entry["recipients"] == "bob@ours.test"
    assert [d[0] for d in query(moat, "SELECT domain FROM archive_domains WHERE archive_id = ?", entry["id"])] == \
        ["ours.test"]
    path = archive_dir(moat) / entry["file"]
    assert entry["file"] == queue_id
    spool = Path(moat.config["spool"]["dir"]) / "msg" / queue_id
    try:
        same_inode = spool.stat().st_ino == path.stat().st_ino
    except FileNotFoundError:
        same_inode = None  # already delivered: the spool name is gone
    assert same_inode in (True, None)
    ours.wait_for(predicate=lambda m: m.message_id == "<acc1@good.test>")
    moat.wait_queue_empty()
    assert not spool.exists()
    data = path.read_bytes()
    assert data.startswith(b"Received: from client.good.test")
    assert b"Message-ID: <acc1@good.test>" in data
    assert entry["size"] == len(data)


def test_gtube_refused_after_data_is_archived_and_released(env):
    moat, ours = env
    r = transaction(moat, ["bob@ours.test", "nobody@elsewhere.test"],
                    message("spam1", "<script>alert(1)</script>", f"{GTUBE}\r\n"))
    assert r.code == 550, r
    row = log_row(moat, "spam1")
    assert row["outcome"] == "rejected" and row["category"] == "rejected"
    assert row["refused_by"] == "content"
    assert row["subject"] == "<script>alert(1)</script>"
    assert row["refused_recipients"] == "nobody@elsewhere.test"
    assert sorted(d[0] for d in query(moat, "SELECT domain FROM message_log_domains WHERE log_id = ?", row["id"])) \
        == ["elsewhere.test", "ours.test"]
    assert row["archive_id"] > 0
    entry = query(moat, "SELECT * FROM archive WHERE id = ?", row["archive_id"])[0]
    assert entry["outcome"] == "rejected"
    assert GTUBE.encode() in (archive_dir(moat) / entry["file"]).read_bytes()
    assert not (Path(moat.config["spool"]["dir"]) / "msg" / entry["file"]).exists()
    assert not ours.messages() or all(m.message_id != "<spam1@good.test>" for m in ours.messages())

    # The console's way; moat-smtpd carries it out within a second.
    request = request_release(moat, entry)
    released = ours.wait_for(predicate=lambda m: m.message_id == "<spam1@good.test>", timeout=10)[0]
    assert released.rcpts == ["bob@ours.test"]
    assert released.mail_from == "alice@good.test"
    assert released.data.startswith(b"X-Moat-Released: by admin on ")
    assert f"(archive id {entry['id']})".encode() in released.data.split(b"\r\n", 1)[0]
    req = finished_release(moat, request)
    assert req["status"] == "done" and len(req["queue_id"]) == 16
    entry = query(moat, "SELECT * FROM archive WHERE id = ?", entry["id"])[0]
    assert entry["released"] == 1 and entry["last_release"] > 0
    audit = query(moat, "SELECT * FROM audit_log WHERE action = 'release'")
    assert any(a["user"] == "admin" and a["target"] == f"archive {entry['id']}" for a in audit)

    # moatctl: list shows it, release re-queues it once more and prints the queue id.
    listing = moat.ctl("archive", "list").stdout
    assert f"{entry['id']}  " in listing and "rejected" in listing
    out = moat.ctl("archive", "release", str(entry["id"]), "--by", "operator").stdout
    assert "queued as" in out
    ours.wait_for(2, predicate=lambda m: m.message_id == "<spam1@good.test>", timeout=10)
    assert moat.ctl("archive", "release", "99999", check=False).returncode != 0


def test_missing_archive_file_fails_the_release(env):
    moat, ours = env
    r = transaction(moat, ["bob@ours.test"], message("gone1", "gone", f"{GTUBE}\r\n"))
    assert r.code == 550
    entry = query(moat, "SELECT * FROM archive WHERE id = ?", log_row(moat, "gone1")["archive_id"])[0]
    os.unlink(archive_dir(moat) / entry["file"])
    req = finished_release(moat, request_release(moat, entry), timeout=5)
    assert req["status"] == "failed" and "missing" in req["detail"]


def test_protocol_refusals_are_not_archived(env):
    moat, ours = env
    with moat.client() as c:
        assert c.read_reply().code == 220
        assert c.command("EHLO client.good.test").code == 250
        assert c.command("MAIL FROM:<alice@good.test>").code == 250
        assert c.command("RCPT TO:<bob@ours.test>").code == 250
        assert c.command("DATA").code == 354
        c.send(b"Message-ID: <barelf@good.test>\r\nSubject: x\r\n\r\nbare\nLF\r\n.\r\n")
        assert c.read_reply().code == 550
        c.command("QUIT")
    row = log_row(moat, "barelf")
    assert row["refused_by"] == "protocol" and row["archive_id"] == 0


def test_traffic_and_mta_statistics(env):
    moat, ours = env
    transaction(moat, ["bob@ours.test"], message("stat1", "stats"))
    log_row(moat, "stat1")
    hour = int(time.time()) // 3600

    def counted():
        rows = query(moat, "SELECT category, n FROM traffic_hourly WHERE hour IN (?, ?)", hour, hour - 1)
        cats = {r["category"]: r["n"] for r in rows}
        return cats if cats.get("accepted", 0) >= 1 and cats.get("rejected", 0) >= 1 else None
    wait_until(counted, 10, what="traffic_hourly rows")
    assert query(moat, "SELECT SUM(n) FROM refusals_hourly WHERE check_name = 'content'")[0][0] >= 1

    def mta():
        rows = query(moat, "SELECT * FROM mta_stats WHERE ip = '127.0.0.1'")
        return rows[0] if rows and rows[0]["wanted"] >= 1 and rows[0]["unwanted"] >= 1 else None
    row = wait_until(mta, 10, what="the mta_stats row")
    assert row["connections"] >= row["wanted"] + row["unwanted"]


def test_filtering_off_for_a_domain_lets_gtube_through(env):
    moat, ours = env
    r = transaction(moat, ["carol@open.test"], message("open1", "unfiltered", f"{GTUBE}\r\n"))
    assert r.code == 250, r
    ours.wait_for(predicate=lambda m: m.message_id == "<open1@good.test>")
    row = log_row(moat, "open1")
    assert row["category"] == "accepted"
    assert "filtering" in row["checks"]


def test_heartbeat(env):
    moat, ours = env

    def beat():
        rows = query(moat, "SELECT * FROM service_status WHERE name = 'moat-smtpd'")
        ok = rows and rows[0]["heartbeat"] >= time.time() - 10 and "sessions" in rows[0]["detail"]
        return rows[0] if ok else None
    # The first row says "starting"; the next beat (every 5 s) carries the counts.
    row = wait_until(beat, 15, what="the moat-smtpd heartbeat with its counts")
    assert row["pid"] == moat.proc.pid
    assert "sessions" in row["detail"] and "queue" in row["detail"]


def test_orphan_files_are_removed_at_start_and_entries_survive(env):
    moat, ours = env
    orphan = archive_dir(moat) / "ORPHAN0000000000"
    orphan.write_bytes(b"no index row\r\n")
    assert transaction(moat, ["bob@ours.test"], message("keep1", "kept")).code == 250
    kept = [query(moat, "SELECT file FROM archive WHERE id = ?", log_row(moat, "keep1")["archive_id"])[0]["file"]]
    moat.restart()
    assert not orphan.exists()
    for name in kept:
        if query(moat, "SELECT 1 FROM archive WHERE file = ?", name):
            assert (archive_dir(moat) / name).exists()


@pytest.fixture
def small_disk():
    """A 32 MB tmpfs (the tests run as root), well under archive.min_free's 1 GiB default."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = Path(tempfile.mkdtemp(prefix="moat-it-smalldisk-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)]).returncode != 0:
        mount.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)])
        mount.rmdir()


def test_archive_leaves_a_small_disk_to_new_mail(small_disk):
    """Issue 10: on a small disk the archive kept every message and new mail got 452. Under the
    free-space reserve the message is delivered but not archived, and the daemon says so once."""
    with Backend("small") as backend, \
            Moat(domains={"ours.test": backend.address}, spool={"dir": str(small_disk / "spool")},
                 archive={"dir": str(small_disk / "archive")}) as moat:
        for check in ("rdns", "fcrdns", "helo", "sender_domain", "bot"):
            moat.ctl("setting", "set", f"{check}.action", "off")
        for tag in ("small1", "small2"):
            r = transaction(moat, ["bob@ours.test"], message(tag, "on a small disk"))
            assert r.code == 250, r
            assert log_row(moat, tag)["archive_id"] == 0
            backend.wait_for(predicate=lambda m, tag=tag: m.message_id == f"<{tag}@good.test>")
        assert query(moat, "SELECT COUNT(*) FROM archive")[0][0] == 0
        assert list(archive_dir(moat).iterdir()) == []
        assert moat.log_text().count("(archive.min_free): new messages are not archived") == 1, moat.log_tail()
