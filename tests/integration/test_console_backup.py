"""Backup and restore through the console's API (docs/backup.md, docs/console-api.md): a backup
downloaded from one gateway is the same file `moatctl backup` writes; uploaded to a fresh gateway
that keeps running, it is checked, confirmed and restored, after which moatctl lists the same
configuration, moat-smtpd takes the same decisions and every console session has ended. A
corrupted file, a file from a newer Moat, a restore without the checked file's digest and one
without the CSRF token are refused and change nothing; only an administrator may do any of it, and
only an administrator's upload may be larger than the console's usual 1 MiB."""
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from moat import Backend, Moat, WebUI, wait_until  # noqa: E402
from test_backup import configure, decisions, listings  # noqa: E402

OCTETS = {"Content-Type": "application/octet-stream"}


def upload(client, path, data, **headers):
    return client.request("POST", path, body=data, headers={**OCTETS, **headers})


def audit_actions(client):
    return [e["action"] for e in client.get("/api/v1/audit").json()]


def test_console_backup_and_restore_onto_a_fresh_gateway(tmp_path):
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}, name="original") as a, \
            WebUI(a) as web_a:
        configure(a)
        admin_a = web_a.admin()
        web_a.add_user("dom", "domain-admin-password", role="domain_admin", domains=["ours.test"])
        dom_a = web_a.login("dom", "domain-admin-password")
        wait_until(lambda: decisions(a)[0] == 550, 5, interval=0.2, what="the deny entry to apply")
        expected = decisions(a)
        before = listings(a)

        assert dom_a.get("/api/v1/system/backup").status == 403
        assert web_a.client().get("/api/v1/system/backup").status == 401
        assert admin_a.get("/api/v1/system/backup?with_log=maybe").status == 400

        r = admin_a.get("/api/v1/system/backup")
        assert r.status == 200, r.text
        assert r.header("Content-Type") == "application/octet-stream"
        assert r.header("Content-Disposition").startswith('attachment; filename="moat-')
        data = r.body
        assert data[:8] == b"MOATBAK\n" and struct.unpack(">I", data[12:16])[0] == 0  # without the log
        with_log = admin_a.get("/api/v1/system/backup?with_log=true").body
        assert struct.unpack(">I", with_log[12:16])[0] == 1
        backup = tmp_path / "console.backup"
        backup.write_bytes(data)
        assert "good backup" in a.ctl("restore", "--check", str(backup)).stdout  # moatctl's format
        assert "system.backup" in audit_actions(admin_a)

        with Moat(domains={"other.test": ours.address}, name="fresh") as b, WebUI(b) as web_b:
            admin_b = web_b.admin()
            web_b.add_user("dom", "domain-admin-password", role="domain_admin", domains=["other.test"])
            dom_b = web_b.login("dom", "domain-admin-password")
            fresh = listings(b)
            assert fresh != before

            corrupted = bytearray(data)
            corrupted[len(data) // 2] ^= 0xFF
            future_schema = bytearray(data)
            future_schema[16:20] = struct.pack(">I", struct.unpack(">I", data[16:20])[0] + 1)
            future_format = bytearray(data)
            future_format[8:12] = struct.pack(">I", 2)
            for bad, why in ((corrupted, "SHA-256"), (future_schema, "newer"), (future_format, "format version"),
                             (data[:-100], "truncated")):
                r = upload(admin_b, "/api/v1/system/backup/check", bytes(bad))
                assert r.status == 422 and why in r.json()["error"], (why, r.status, r.text)
                digest = r.json().get("sha256") or bytes(bad)[36:68].hex()
                r = upload(admin_b, f"/api/v1/system/restore?confirm={digest}", bytes(bad))
                assert r.status == 422 and why in r.json()["error"], (why, r.status, r.text)
            assert listings(b) == fresh
            assert "system.restore_refused" in audit_actions(admin_b)

            r = upload(admin_b, "/api/v1/system/backup/check", data)
            assert r.status == 200, r.text
            summary = r.json()
            assert summary["with_log"] is False and summary["size"] == len(data)
            assert summary["sha256"] == data[36:68].hex()

            # The confirmation names the checked file; the CSRF token and an administrator are required.
            assert upload(admin_b, "/api/v1/system/restore", data).status == 400
            assert upload(admin_b, "/api/v1/system/restore?confirm=" + "0" * 64, data).status == 422
            assert admin_b.request("POST", "/api/v1/system/restore?confirm=" + summary["sha256"], body=data,
                                   headers=OCTETS, csrf=False).status == 403
            assert upload(dom_b, "/api/v1/system/restore?confirm=" + summary["sha256"], data).status == 403
            # More than 1 MiB only from an administrator: others are cut off before their body is read.
            big = b"x" * (1024 * 1024 + 10)
            assert upload(dom_b, "/api/v1/system/backup/check", big).status == 413
            assert upload(web_b.client(), "/api/v1/system/backup/check", big).status == 413
            r = upload(admin_b, "/api/v1/system/backup/check", big)
            assert r.status == 422 and "magic" in r.json()["error"], r.text
            assert listings(b) == fresh

            r = upload(admin_b, "/api/v1/system/restore?confirm=" + summary["sha256"], data)
            assert r.status == 200, r.text
            assert r.json()["signed_out"] is True
            assert admin_b.get("/api/v1/system").status == 401  # every session ended
            assert dom_b.get("/api/v1/domains").status == 401

            assert listings(b) == before
            wait_until(lambda: decisions(b) == expected, 5, interval=0.2, what="the restored policy to apply")
            # The restored accounts log in; the restore is in the audit log.
            again = web_b.login("admin", WebUI.ADMIN_PASSWORD)
            assert "system.restore" in audit_actions(again)
