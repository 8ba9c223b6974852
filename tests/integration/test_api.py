"""The console API over real HTTPS (moat-webui + moat-smtpd): an administrator and a domain
administrator log in; the administrator manages a domain, a list entry, valid addresses and a
setting; the domain administrator can reach its own domain's data and gets 404/403 for the other
domain's ids and for administrators-only resources; search fields take SQL metacharacters.

A console change reaches the running moat-smtpd within a second, without a restart.
The unit tests (tests/unit/api_*_test.cpp) are the full matrix; this checks the same rules end to end.
"""
import sqlite3
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import LOCALHOST, Backend, Moat, SmtpClient, WebUI  # noqa: E402

PASSWORD = "correct horse battery"
MESSAGE = b"From: s@x.test\r\nTo: u@two.test\r\nSubject: hi\r\n\r\nbody\r\n"


class Api:
    """A logged-in HttpsClient whose calls answer (status, parsed JSON or raw bytes)."""

    def __init__(self, client):
        self.client = client

    def _call(self, method, path, body=None):
        r = self.client.request(method, path, json=body)
        ctype = r.header("Content-Type") or ""
        return r.status, (r.json() if "json" in ctype and r.body else r.body)

    def get(self, path):
        return self._call("GET", path)

    def post(self, path, body=None):
        return self._call("POST", path, body if body is not None else {})

    def put(self, path, body=None):
        return self._call("PUT", path, body if body is not None else {})

    def delete(self, path):
        return self._call("DELETE", path)


def add_rows(m, domain: str) -> tuple[int, int]:
    """A message log row and an archive entry for `domain`, as moat-smtpd would write them."""
    archive_dir = Path(m.config["archive"]["dir"])
    archive_dir.mkdir(parents=True, exist_ok=True)
    name = f"{domain}-{time.time_ns()}.eml"
    (archive_dir / name).write_bytes(MESSAGE)
    db = sqlite3.connect(m.config["store"]["url"].removeprefix("sqlite:"))
    with db:
        now = int(time.time())
        cur = db.execute(
            "INSERT INTO message_log (ts, client_ip, client_name, helo, tls, sender, recipients, size, queue_id,"
            " outcome, reason, checks, subject, category) VALUES (?, '192.0.2.1', '', 'h', '', 's@x.test', ?, 10,"
            " '', 'rejected', '550 no', '[]', 'hi', 'rejected')", (now, f"u@{domain}"))
        log_id = cur.lastrowid
        db.execute("INSERT INTO message_log_domains (domain, log_id) VALUES (?, ?)", (domain, log_id))
        cur = db.execute(
            "INSERT INTO archive (ts, log_id, file, size, client_ip, sender, recipients, outcome)"
            " VALUES (?, ?, ?, ?, '192.0.2.1', 's@x.test', ?, 'rejected')",
            (now, log_id, name, len(MESSAGE), f"u@{domain}"))
        archive_id = cur.lastrowid
        db.execute("INSERT INTO archive_domains (domain, archive_id) VALUES (?, ?)", (domain, archive_id))
    db.close()
    return log_id, archive_id


def test_roles_and_domains_over_https():
    with Moat(domains={"one.test": "127.0.0.1:2525", "two.test": "127.0.0.1:2525"}) as m, WebUI(m) as w:
        w.add_user("admin1", PASSWORD, role="admin")
        w.add_user("dadmin", PASSWORD, role="domain_admin", domains=["one.test"])
        admin = Api(w.login("admin1", PASSWORD))
        dadmin = Api(w.login("dadmin", PASSWORD))

        status, domains = admin.get("/api/v1/domains")
        assert status == 200
        ids = {d["name"]: d["id"] for d in domains}
        one, two = ids["one.test"], ids["two.test"]

        status, d = admin.put(f"/api/v1/domains/{two}", {"list_validation": True, "tag_score": 4})
        assert status == 200 and d["list_validation"] is True and d["tag_score"] == 4
        status, entry = admin.post("/api/v1/lists", {"domain_id": two, "list": "allow", "kind": "sender",
                                                     "value": "friend@partner.test"})
        assert status == 201
        status, pasted = admin.put(f"/api/v1/domains/{two}/valid-addresses", {"text": "a@two.test\nb@two.test"})
        assert status == 200 and pasted["count"] == 2
        status, setting = admin.put("/api/v1/settings/greylist.enabled", {"value": True})
        assert status == 200 and setting["value"] == "yes"
        log_two, archive_two = add_rows(m, "two.test")
        log_one, archive_one = add_rows(m, "one.test")

        # The fixed words come from the server, the same for every role.
        status, words = dadmin.get("/api/v1/vocabulary")
        assert status == 200
        names = [o["name"] for o in words["outcomes"]]
        assert names == ["accepted", "tagged", "rejected", "tempfailed", "virus", "learnt", "aborted"]
        assert [o["name"] for o in words["outcomes"] if o["archived"]] == ["accepted", "tagged", "rejected", "virus"]
        assert "tempfail" in words["check_results"] and "pass" in words["check_results"]
        assert admin.get("/api/v1/vocabulary") == (status, words)

        # The domain administrator: its own domain works ...
        status, mine = dadmin.get("/api/v1/domains")
        assert status == 200 and [d["name"] for d in mine] == ["one.test"]
        assert dadmin.get(f"/api/v1/log/{log_one}")[0] == 200
        assert dadmin.get(f"/api/v1/archive/{archive_one}")[0] == 200
        status, eml = dadmin.get(f"/api/v1/archive/{archive_one}/eml")
        assert status == 200 and eml == MESSAGE
        # ... the other domain's ids are 404/403 and change nothing.
        for method, path, body in [
            ("get", f"/api/v1/domains/{two}", None),
            ("put", f"/api/v1/domains/{two}", {"filtering": False}),
            ("delete", f"/api/v1/domains/{two}", None),
            ("get", f"/api/v1/domains/{two}/valid-addresses", None),
            ("put", f"/api/v1/domains/{two}/valid-addresses", {"text": ""}),
            ("delete", f"/api/v1/domains/{two}/valid-addresses", None),
            ("get", f"/api/v1/lists/{entry['id']}", None),
            ("delete", f"/api/v1/lists/{entry['id']}", None),
            ("get", f"/api/v1/log/{log_two}", None),
            ("get", f"/api/v1/archive/{archive_two}", None),
            ("get", f"/api/v1/archive/{archive_two}/eml", None),
            ("post", f"/api/v1/archive/{archive_two}/release", {}),
            ("get", "/api/v1/settings", None),
            ("get", "/api/v1/system", None),
            ("get", "/api/v1/audit", None),
        ]:
            send = getattr(dadmin, method)
            status, _ = send(path, body) if body is not None else send(path)
            assert status in (403, 404), (method, path, status)
        assert admin.get(f"/api/v1/domains/{two}/valid-addresses")[1]["count"] == 2
        assert admin.get(f"/api/v1/lists/{entry['id']}")[0] == 200

        # SQL metacharacters in the search fields are plain text.
        for field in ("sender", "recipient", "client_ip", "subject"):
            for nasty in ("'", '"', ";", "--", "%", "_", "\\", "' OR '1'='1"):
                status, page = admin.get(f"/api/v1/log?{field}={nasty_q(nasty)}")
                assert status == 200, (field, nasty)
                assert page["entries"] == [], (field, nasty)

        status, audit = admin.get("/api/v1/audit")
        assert status == 200
        assert {"domain.update", "list.add", "valid.replace", "setting.set"} <= {a["action"] for a in audit}


def test_console_changes_reach_smtpd_within_a_second():
    """A deny-list entry and a domain added through the API apply to the next SMTP transaction."""
    with Backend() as backend, Moat(domains={"one.test": backend.address}) as m, WebUI(m) as w:
        admin = Api(w.admin())
        domains = {d["name"]: d["id"] for d in admin.get("/api/v1/domains")[1]}

        def rcpt_reply(sender, rcpt):
            with SmtpClient(LOCALHOST, m.port) as c:
                c.read_reply()
                c.command("EHLO client.test")
                c.command(f"MAIL FROM:<{sender}>")
                reply = c.command(f"RCPT TO:<{rcpt}>")
                c.command("QUIT")
                return reply

        assert rcpt_reply("spammer@bad.test", "u@one.test").code == 250
        status, _ = admin.post("/api/v1/lists", {"domain_id": domains["one.test"], "list": "deny",
                                                 "kind": "sender", "value": "spammer@bad.test"})
        assert status == 201
        time.sleep(1.0)
        assert rcpt_reply("spammer@bad.test", "u@one.test").code == 550

        assert rcpt_reply("friend@good.test", "u@new.test").code == 554  # not ours: relay refused
        status, _ = admin.post("/api/v1/domains", {"name": "new.test", "backend": backend.address})
        assert status == 201
        time.sleep(1.0)
        assert rcpt_reply("friend@good.test", "u@new.test").code == 250


def nasty_q(text: str) -> str:
    from urllib.parse import quote
    return quote(text, safe="")
