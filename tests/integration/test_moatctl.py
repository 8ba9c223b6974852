"""moatctl end to end: every verb against a fresh store, the relay dump/load
round trip, and bad input giving a non-zero exit and a one-line message."""

import os
import re
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
        for verb in ("domain add", "relaynet add", "relay load", "queue delete", "list add",
                     "list paste", "list show", "list remove"):
            assert verb in proc.stdout


def test_usage_errors(env):
    for args in (["bogus"], ["domain"], ["domain", "frobnicate"], ["relay", "add"],
                 ["domain", "add", "example.com"], ["domain", "list", "extra"],
                 ["relaynet", "add", "10.0.0.0/8", "--colour", "red"],
                 ["list", "add", "allow", "sender"], ["list", "paste", "deny"],
                 ["list", "remove"], ["list", "show", "allow", "deny"],
                 ["list", "show", "--global", "--domain", "example.com"],
                 ["list", "add", "allow", "sender_domain", "x.test", "--subdomains=yes"],
                 ["list", "add", "allow", "sender", "a@b.test", "--global"]):
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


SHOW_ROW = re.compile(r"^\s*(\d+)  (\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)  "
                      r"(-|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\s+(.*))?$")


def list_show(env, *args):
    """`list show` as dicts, after checking the header."""
    lines = env("list", "show", *args).stdout.splitlines()
    assert lines[0].split() == ["ID", "LIST", "KIND", "VALUE", "SCOPE", "HITS", "LAST-HIT", "NOTE"]
    rows = []
    for line in lines[1:]:
        m = SHOW_ROW.match(line)
        assert m, line
        rows.append(dict(zip(("id", "list", "kind", "value", "scope", "hits", "last", "note"),
                             m.groups(default=""))))
    return rows


def test_lists(env):
    env("domain", "add", "example.com", "--backend", "mail.internal")
    env("domain", "add", "other.org", "--backend", "mail.internal")
    assert list_show(env) == []

    out = env("list", "add", "allow", "sender", "<Boss@Partner.EXAMPLE>", "--note", "the boss").stdout
    assert out.startswith("added allow sender Boss@partner.example (entry ")
    assert out.rstrip().endswith(", global)")
    env("list", "add", "deny", "sender_domain", "*.Spam.TEST.", "--domain", "EXAMPLE.com")
    env("list", "add", "allow", "sender_domain", "partner.test", "--subdomains", "--domain", "other.org")
    env("list", "add", "deny", "client", "192.0.2.77/24")
    env("list", "add", "deny", "client", "2001:DB8::/32", "--domain", "other.org")
    env("list", "add", "pass", "recipient", "postmaster@example.com", "--domain", "example.com")
    env("list", "add", "passthrough", "recipient", "abuse@other.org")
    env("list", "add", "except", "client", "::ffff:198.51.100.1")
    env("list", "add", "exception", "domain", "google.com", "--note", "big sender")

    rows = list_show(env)
    assert [(r["list"], r["kind"], r["value"], r["scope"], r["note"]) for r in rows] == [
        ("allow", "sender", "Boss@partner.example", "global", "the boss"),
        ("deny", "client", "192.0.2.0/24", "global", ""),
        ("exception", "client", "198.51.100.1/32", "global", ""),
        ("exception", "domain", "*.google.com", "global", "big sender"),
        ("passthrough", "recipient", "abuse@other.org", "global", ""),
        ("deny", "sender_domain", "*.spam.test", "example.com", ""),
        ("passthrough", "recipient", "postmaster@example.com", "example.com", ""),
        ("allow", "sender_domain", "*.partner.test", "other.org", ""),
        ("deny", "client", "2001:db8::/32", "other.org", ""),
    ]
    assert all(r["hits"] == "0" and r["last"] == "-" for r in rows)
    ids = {(r["list"], r["value"]): int(r["id"]) for r in rows}

    # Filters: by list, by scope, both.
    assert {r["value"] for r in list_show(env, "deny")} == {"192.0.2.0/24", "*.spam.test", "2001:db8::/32"}
    assert {r["scope"] for r in list_show(env, "--global")} == {"global"}
    assert len(list_show(env, "--global")) == 5
    assert [r["value"] for r in list_show(env, "pass", "--domain", "example.com")] == ["postmaster@example.com"]
    assert [r["value"] for r in list_show(env, "allow", "--domain=other.org")] == ["*.partner.test"]

    # Hit counters as moat-smtpd writes them.
    with sqlite3.connect(env.db) as db:
        db.execute("UPDATE list_entries SET hits = 42, last_hit = 1000 WHERE id = ?",
                   (ids[("deny", "192.0.2.0/24")],))
    row = [r for r in list_show(env, "deny", "--global")][0]
    assert row["hits"] == "42"
    assert row["last"] == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1000))

    # Refusals: one line on stderr, exit 1.
    for args, why in [
        (["allow", "sender", "boss@partner.example"], "already listed"),
        (["allow", "sender", "BOSS@partner.example"], "already listed"),
        (["deny", "sender_domain", "spam.test", "--domain", "example.com"], "already listed"),
        (["allow", "recipient", "a@b.test"], "sender, sender_domain or client"),
        (["passthrough", "sender", "a@b.test"], "recipient"),
        (["whitelist", "sender", "a@b.test"], "unknown list"),
        (["allow", "sender", "not-an-address"], "invalid sender address"),
        (["deny", "client", "192.0.2.0/33"], "invalid client"),
        (["deny", "sender_domain", "bad_name.test"], "invalid domain name"),
        (["allow", "sender", "a@b.test", "--subdomains"], "subdomains"),
        (["passthrough", "recipient", "abuse@other.org", "--domain", "example.com"], "not an address in example.com"),
        (["allow", "sender", "a@b.test", "--domain", "nowhere.test"], "no such domain"),
        (["allow", "sender", "a@b.test", "--note", "x" * 201], "note"),
    ]:
        proc = env("list", "add", *args, expect=1)
        assert why in proc.stderr and len(error_lines(proc)) == 1, (args, proc.stderr)
    assert "unknown list" in env("list", "show", "blacklist", expect=1).stderr
    assert "no such domain" in env("list", "show", "--domain", "nowhere.test", expect=1).stderr
    assert len(list_show(env)) == 9

    # Remove: each id on its own; any failure makes the exit status 1.
    victim = ids[("deny", "192.0.2.0/24")]
    assert env("list", "remove", str(victim)).stdout == f"removed list entry {victim}\n"
    proc = env("list", "remove", str(victim), "abc", str(ids[("allow", "Boss@partner.example")]), expect=1)
    assert f"no list entry {victim}" in proc.stderr and "invalid list entry id" in proc.stderr
    assert len(error_lines(proc)) == 2
    values = [r["value"] for r in list_show(env)]
    assert "192.0.2.0/24" not in values and "Boss@partner.example" not in values and len(values) == 7

    # Removing a domain removes its lists.
    env("domain", "remove", "other.org")
    assert [r["scope"] for r in list_show(env)].count("other.org") == 0


def test_list_paste(env):
    env("domain", "add", "example.com", "--backend", "mail.internal")
    text = ("one@spam.test\n"
            "\n"
            "# a comment\n"
            "  <Two@SPAM.test>\r\n"
            "not an address\n"
            "one@spam.test\n"
            "three@spam.test")
    proc = env("list", "paste", "deny", "sender", "--note", "pasted", stdin=text, expect=1)
    assert proc.stdout == "3 entries added, 2 bad lines skipped\n"
    errors = error_lines(proc)
    assert len(errors) == 2, errors
    assert errors[0].startswith("moatctl: line 5: invalid sender address")
    assert errors[1].startswith("moatctl: line 6: ") and "already listed" in errors[1]
    rows = list_show(env, "deny")
    assert [(r["value"], r["note"]) for r in rows] == [
        ("one@spam.test", "pasted"), ("three@spam.test", "pasted"), ("Two@spam.test", "pasted")]

    out = env("list", "paste", "allow", "sender_domain", "--domain", "example.com",
              stdin="*.partner.test\nexact.test\n").stdout
    assert out == "2 entries added\n"
    assert [r["value"] for r in list_show(env, "--domain", "example.com")] == ["exact.test", "*.partner.test"]
    assert env("list", "paste", "exception", "client", stdin="").stdout == "0 entries added\n"

    # A bad list, kind or domain refuses the whole paste before reading a line.
    for args, why in [(["allow", "recipient"], "sender, sender_domain or client"),
                      (["deny", "sender", "--domain", "nowhere.test"], "no such domain")]:
        proc = env("list", "paste", *args, stdin="a@b.test\n", expect=1)
        assert why in proc.stderr and len(error_lines(proc)) == 1, proc.stderr
    assert len(list_show(env)) == 5
