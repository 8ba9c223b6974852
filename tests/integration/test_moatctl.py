"""moatctl end to end: every verb against a fresh store, the relay dump/load
round trip, and bad input giving a non-zero exit and a one-line message."""

import os
import sqlite3
import subprocess
import time

import pytest

BUILD_DIR = os.environ.get("MOAT_BUILD_DIR")
MOATCTL = (
    os.path.join(BUILD_DIR, "services", "moatctl")
    if BUILD_DIR
    else "/work/main/build/services/moatctl"
)


@pytest.fixture
def env(tmp_path):
    config = tmp_path / "moat.ini"
    db = tmp_path / "db" / "moat.db"
    spool = tmp_path / "spool"
    config.write_text(
        f"[store]\nurl = sqlite:{db}\n"
        f"[spool]\ndir = {spool}\n"
        "[smtp]\nhostname = mx.test.example\n"
        "[relay]\npop_before_smtp_window = 30\n"
    )

    def run(*args, stdin=None, expect=0):
        proc = subprocess.run(
            [MOATCTL, "--config", str(config), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == expect, (args, proc.returncode, proc.stdout, proc.stderr)
        if expect:
            assert proc.stderr.startswith("moatctl: "), proc.stderr
        return proc

    run.db = db
    run.spool = spool
    run.config = config
    return run


def error_lines(proc):
    return [line for line in proc.stderr.splitlines() if line]


def test_help_needs_no_config():
    for args in (["help"], ["--help"]):
        proc = subprocess.run([MOATCTL, *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0
        assert "usage: moatctl" in proc.stdout
        for verb in ("domain add", "relaynet add", "relay load", "queue delete"):
            assert verb in proc.stdout


def test_usage_errors(env):
    for args in (["bogus"], ["domain"], ["domain", "frobnicate"], ["relay", "add"],
                 ["domain", "add", "example.com"], ["domain", "list", "extra"],
                 ["relaynet", "add", "10.0.0.0/8", "--colour", "red"]):
        proc = env(*args, expect=2)
        assert len(error_lines(proc)) == 1, proc.stderr
    proc = subprocess.run([MOATCTL], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    # Usage is checked before the configuration is read.
    proc = subprocess.run([MOATCTL, "--config", "/nonexistent/moat.ini", "relay", "add"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("moatctl: usage: moatctl relay add")


def test_missing_config_is_an_error(tmp_path):
    proc = subprocess.run([MOATCTL, "--config", str(tmp_path / "none.ini"), "domain", "list"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("moatctl: ") and "not found" in proc.stderr


def test_domains(env):
    assert env("domain", "list").stdout.split() == ["NAME", "BACKEND"]
    env("domain", "add", "Example.COM", "--backend", "mail.internal")
    env("domain", "add", "other.org", "--backend=[2001:db8::25]:2525")
    env("domain", "add", "third.net", "--backend", "10.0.0.9:26")
    lines = env("domain", "list").stdout.splitlines()
    assert lines[0].split() == ["NAME", "BACKEND"]
    assert [line.split() for line in lines[1:]] == [
        ["example.com", "mail.internal:25"],
        ["other.org", "[2001:db8::25]:2525"],
        ["third.net", "10.0.0.9:26"],
    ]

    assert "already exists" in env("domain", "add", "EXAMPLE.com", "--backend", "x", expect=1).stderr
    assert "invalid domain name" in env("domain", "add", "bad_name.com", "--backend", "x", expect=1).stderr
    assert "port" in env("domain", "add", "ok.com", "--backend", "x:99999", expect=1).stderr

    env("domain", "remove", "EXAMPLE.com")
    assert "no such domain" in env("domain", "remove", "example.com", expect=1).stderr
    assert "example.com" not in env("domain", "list").stdout


def test_relay_networks(env):
    out = env("relaynet", "add", "192.0.2.77/24", "--note", "office LAN").stdout
    assert "192.0.2.0/24" in out
    env("relaynet", "add", "2001:DB8::/32")
    env("relaynet", "add", "198.51.100.1")
    lines = env("relaynet", "list").stdout.splitlines()
    assert lines[0].split() == ["CIDR", "NOTE"]
    assert [line.split(None, 1) for line in lines[1:]] == [
        ["192.0.2.0/24", "office LAN"],
        ["198.51.100.1/32"],
        ["2001:db8::/32"],
    ]
    for bad in ("192.0.2.0/33", "300.1.2.3", "127.1", "example.com/8", "10.0.0.0/"):
        proc = env("relaynet", "add", bad, expect=1)
        assert "invalid network" in proc.stderr and len(error_lines(proc)) == 1
    assert "already exists" in env("relaynet", "add", "192.0.2.0/24", expect=1).stderr

    env("relaynet", "remove", "192.0.2.1/24")
    assert "no such relay network" in env("relaynet", "remove", "192.0.2.0/24", expect=1).stderr
    assert "invalid network" in env("relaynet", "remove", "garbage", expect=1).stderr
    assert "192.0.2.0/24" not in env("relaynet", "list").stdout


def test_pop_relayers(env):
    now = int(time.time())
    env("relay", "add", "192.0.2.1")
    env("relay", "add", "::ffff:198.51.100.7", str(now - 3600))
    env("relay", "add", "2001:DB8::0:5", str(now - 120))
    env("relay", "add", "203.0.113.9", "1000")
    env("relay", "add", "192.0.2.1", str(now))  # upsert, not a duplicate

    dump = env("relay", "dump").stdout.splitlines()
    assert [line.split("\t") for line in dump] == [
        ["203.0.113.9", "1000"],
        ["198.51.100.7", str(now - 3600)],
        ["2001:db8::5", str(now - 120)],
        ["192.0.2.1", str(now)],
    ]

    listed = env("relay", "list").stdout.splitlines()
    assert len(listed) == 4
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1000))
    assert listed[0] == "203.0.113.9  " + stamp
    recent = [line.split()[0] for line in env("relay", "list", "10").stdout.splitlines()]
    assert recent == ["2001:db8::5", "192.0.2.1"]

    # Default window from the configuration: 30 minutes.
    assert env("relay", "expire").stdout.split()[0] == "2"
    assert [line.split()[0] for line in env("relay", "list").stdout.splitlines()] == ["2001:db8::5", "192.0.2.1"]
    assert env("relay", "expire", "1").stdout.split()[0] == "1"

    env("relay", "delete", "::ffff:192.0.2.1")
    assert env("relay", "dump").stdout == ""

    for bad in (["relay", "add", "127.1"], ["relay", "add", "host.example"],
                ["relay", "add", "192.0.2.1", "yesterday"], ["relay", "delete", "nonsense"],
                ["relay", "expire", "-5"], ["relay", "list", "ten"]):
        proc = env(*bad, expect=1)
        assert len(error_lines(proc)) == 1, proc.stderr
    assert "no entry" in env("relay", "delete", "192.0.2.200", expect=1).stderr


def test_relay_dump_load_round_trip(env, tmp_path):
    now = int(time.time())
    for i in range(1, 6):
        env("relay", "add", f"192.0.2.{i}", str(now - i))
    env("relay", "add", "2001:db8::1", str(now))
    dump = env("relay", "dump").stdout
    (tmp_path / "relays.txt").write_text("# saved relayers\n\n" + dump)

    for line in dump.splitlines():
        env("relay", "delete", line.split("\t")[0])
    assert env("relay", "dump").stdout == ""

    out = env("relay", "load", str(tmp_path / "relays.txt")).stdout
    assert out.split()[0] == "6"
    assert env("relay", "dump").stdout == dump

    # stdin, CRLF and an upsert of an existing entry
    env("relay", "load", stdin=f"192.0.2.1\t{now + 10}\r\n")
    assert f"192.0.2.1\t{now + 10}" in env("relay", "dump").stdout


def test_relay_load_reports_bad_lines(env):
    text = "10.0.0.1\t100\nnot-an-ip\t5\n\n# comment\n10.0.0.2 x\n10.0.0.3\n10.0.0.4\t7\textra\n10.0.0.5  200\n"
    proc = env("relay", "load", stdin=text, expect=1)
    errors = error_lines(proc)
    assert [e.split(":")[2] for e in errors] == ["2", "5", "6", "7"], errors
    assert all(e.startswith("moatctl: stdin:") for e in errors)
    assert env("relay", "dump").stdout == "10.0.0.1\t100\n10.0.0.5\t200\n"
    assert "cannot open" in env("relay", "load", "/nonexistent/file", expect=1).stderr


def add_queued(env, qid, sender, created, rcpts):
    env("queue", "list")  # creates the store
    with sqlite3.connect(env.db) as db:
        db.execute("INSERT INTO queue (id, sender, size, created, next_attempt, attempts)"
                   " VALUES (?, ?, ?, ?, ?, ?)", (qid, sender, 1234, created, created + 9999, 3))
        for rcpt, status, reply in rcpts:
            db.execute("INSERT INTO queue_rcpt (queue_id, rcpt, status, last_reply) VALUES (?, ?, ?, ?)",
                       (qid, rcpt, status, reply))
    (env.spool / "msg").mkdir(parents=True, exist_ok=True)
    (env.spool / "msg" / qid).write_text("Subject: hi\r\n\r\nbody\r\n")


def test_queue(env):
    assert "queue is empty" in env("queue", "list").stdout
    now = int(time.time())
    add_queued(env, "0000000000000AAA", "alice@example.com", now - 7200,
               [("bob@example.org", 0, "451 4.7.1 greylisted"), ("carol@example.org", 1, "250 ok")])
    add_queued(env, "0000000000000BBB", "", now - 30, [("dave@example.net", 2, "550 5.1.1 no such user")])

    out = env("queue", "list").stdout
    assert "0000000000000AAA" in out and "0000000000000BBB" in out
    assert out.index("0000000000000AAA") < out.index("0000000000000BBB")
    assert "<alice@example.com>" in out and "<>" in out and "1234" in out
    assert "2h00m" in out or "1h59m" in out
    assert "<bob@example.org>  pending  451 4.7.1 greylisted" in out
    assert "<carol@example.org>  delivered" in out
    assert "<dave@example.net>  failed  550 5.1.1 no such user" in out

    assert env("queue", "flush").stdout.split()[0] == "2"
    with sqlite3.connect(env.db) as db:
        assert db.execute("SELECT DISTINCT next_attempt FROM queue").fetchall() == [(0,)]

    env("queue", "delete", "0000000000000AAA")
    assert not (env.spool / "msg" / "0000000000000AAA").exists()
    assert (env.spool / "msg" / "0000000000000BBB").exists()
    with sqlite3.connect(env.db) as db:
        assert db.execute("SELECT COUNT(*) FROM queue_rcpt WHERE queue_id = '0000000000000AAA'").fetchone() == (0,)
    assert "0000000000000AAA" not in env("queue", "list").stdout

    proc = env("queue", "delete", "0000000000000AAA", "../../etc/passwd", "0000000000000BBB", expect=1)
    assert "no queued message" in proc.stderr and "invalid queue id" in proc.stderr
    assert not (env.spool / "msg" / "0000000000000BBB").exists()
    assert "queue is empty" in env("queue", "list").stdout
