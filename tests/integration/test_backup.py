"""moatctl backup / restore end to end: one gateway configured with moatctl (domain, relay network,
lists, settings, zones, valid addresses, a console account) is backed up while it runs and
restored onto a fresh gateway, which then lists the same configuration and takes the same
decisions. The restore happens while the fresh gateway runs: its moat-smtpd reloads the restored
configuration as after any change. A damaged file is refused and changes nothing."""
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import MOATCTL, Backend, Moat, wait_until  # noqa: E402

LISTINGS = (
    ("domain", "list"),
    ("relaynet", "list"),
    ("list", "show"),
    ("setting", "show"),
    ("user", "list"),
    ("zone", "list"),
    ("valid", "list", "ours.test"),
)


def without_hit_counters(text: str) -> str:
    """A list listing without its HITS and LAST-HIT columns: statistics that moat-smtpd drains into
    the store on its own schedule, so a backup taken while it runs may hold a few more hits than a
    listing taken just before it. Column widths follow the values, so spacing is collapsed too."""
    return "\n".join(re.sub(r" \d+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|-)( |$)", r" H\2", " ".join(line.split()))
                     for line in text.splitlines())


def listings(moat):
    out = {}
    for args in LISTINGS:
        cp = moat.ctl(*args, check=False)
        stdout = without_hit_counters(cp.stdout) if args[0] == "list" else cp.stdout
        out[args] = (cp.returncode, stdout, cp.stderr)
    return out


def rcpt_code(moat, sender, rcpt):
    with moat.client() as c:
        c.read_reply()
        c.command("EHLO client.example")
        assert c.command(f"MAIL FROM:<{sender}>").code == 250
        return c.command(f"RCPT TO:<{rcpt}>").code


def decisions(moat):
    return [rcpt_code(moat, "someone@spam.example", "bob@ours.test"),
            rcpt_code(moat, "friend@good.example", "bob@ours.test"),
            rcpt_code(moat, "friend@good.example", "nobody@ours.test"),
            rcpt_code(moat, "friend@good.example", "bob@elsewhere.example")]


def configure(moat):
    moat.ctl("relaynet", "add", "192.0.2.0/24", "--note", "office")
    moat.ctl("list", "add", "deny", "sender_domain", "spam.example", "--domain", "ours.test", "--note", "t")
    moat.ctl("list", "add", "allow", "sender", "boss@partner.example")
    moat.ctl("setting", "set", "content.tag_score", "4")
    moat.ctl("setting", "set", "validation.list", "yes", "--domain", "ours.test")
    moat.ctl("zone", "add", "dnsbl", "bl.example", "--weight", "3")
    moat.ctl("valid", "add", "ours.test", "bob@ours.test", "alice@ours.test")
    for name, role in (("admin2", "admin"), ("ours-admin", "domain_admin")):
        extra = ["--domain", "ours.test"] if role == "domain_admin" else []
        cp = subprocess.run([str(MOATCTL), "--config", str(moat.config_path), "user", "add", name, "--role", role,
                             *extra, "--password-stdin"], input="correct horse battery\n", capture_output=True,
                            text=True, timeout=60)
        assert cp.returncode == 0, cp.stderr


def test_backup_restore_onto_a_fresh_gateway(tmp_path):
    backup = tmp_path / "moat.backup"
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}, name="original") as a:
        configure(a)
        wait_until(lambda: decisions(a)[0] == 550, 5, interval=0.2, what="the deny entry to apply")
        expected = decisions(a)
        before = listings(a)
        out = a.ctl("backup", str(backup)).stdout
        assert "backup written to" in out and "without the message log" in out, out
        assert backup.stat().st_mode & 0o777 == 0o600

        with Moat(name="fresh") as b:
            fresh = listings(b)
            assert fresh != before
            # Not a damaged file.
            damaged = tmp_path / "damaged.backup"
            data = bytearray(backup.read_bytes())
            data[len(data) // 2] ^= 0xFF
            damaged.write_bytes(bytes(data))
            cp = b.ctl("restore", str(damaged), check=False)
            assert cp.returncode == 1 and "SHA-256" in cp.stderr, cp.stderr
            truncated = tmp_path / "truncated.backup"
            truncated.write_bytes(backup.read_bytes()[:-100])
            cp = b.ctl("restore", str(truncated), check=False)
            assert cp.returncode == 1 and "truncated" in cp.stderr, cp.stderr
            assert listings(b) == fresh

            assert "good backup" in b.ctl("restore", "--check", str(backup)).stdout
            out = b.ctl("restore", str(backup)).stdout
            assert "restored" in out and "reload" in out, out
            assert listings(b) == before
            # The running moat-smtpd picks the restored policy up by itself.
            wait_until(lambda: decisions(b) == expected, 5, interval=0.2, what="the restored policy to apply")
            assert expected[0] == 550 and expected[1] == 250
