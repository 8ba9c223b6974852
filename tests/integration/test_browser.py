"""The admin console in a real browser: Debian's chromium, driven headless by playwright-core
(tests/browser/*.mjs), against the real moat-webui (HTTPS, self-signed certificate) and a real
moat-smtpd with a Postfix smtp-sink as the backend.

This file starts the daemons, sends the mail the scenarios need over SMTP (smtplib), runs each
scenario with `node` and asserts its exit status, then checks the effects outside the browser:
the released message at the backend sink with its X-Moat-Released header, and the domain, list
entry and valid addresses through the API. Scenarios:
  first-run.mjs  the one-time first-run link (from moat-webui's log) opens the setup wizard: the
                 administrator, the first domain (backend: a real smtp-sink), maintenance networks,
                 DNS blocklists (none preselected), a test message to the backend; then the dashboard
  console.mjs    log in, add a domain, a white-list entry, paste valid addresses (count shown),
                 find the GTUBE-rejected message in the archive and release it; a domain
                 administrator's view; a backup downloaded from the System page (checked here
                 with `moatctl restore --check`), a damaged one refused; a screenshot of every
                 main page
  xss.mjs        script payloads in Subject, From display name, attachment file name and
                 Message-ID stay inert in the log and archive views; SQL metacharacters in searches
  lockout.mjs    repeated failed logins lock the account, visibly
  two-factor.mjs an account with two-factor login on logs in with its TOTP code
  account.mjs    one's own password and two-factor enrolment on the Users & tokens page; an
                 administrator revokes another user's API token
Screenshots go to $MOAT_BUILD_DIR/browser-artifacts/ (not committed).
"""
import os
import re
import shutil
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import (BUILD_DIR, LOCALHOST, SOURCE_DIR, WEBUI, Backend, Moat, WebUI, previous_step_totp,  # noqa: E402
                  wait_until)

BROWSER_DIR = SOURCE_DIR / "tests" / "browser"
ARTIFACTS = BUILD_DIR / "browser-artifacts"
NODE = shutil.which("node")
CHROMIUM = "/usr/bin/chromium"

# The exact GTUBE string of tests/integration/test_content_scoring.py: rejected after DATA (550 5.7.1).
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
GTUBE_SUBJECT = "Quarterly figures GTUBE-release-check"
ADMIN, ADMIN_PASSWORD = "chief", "correct horse battery 1"
DADMIN, DADMIN_PASSWORD = "newdomain-admin", "domain admin password 2"
LOCK_USER, LOCK_PASSWORD = "lock-me", "locked out password 3"
NEW_DOMAIN = "added.test"
WIZARD_DOMAIN = "wizard.test"
XSS_MARK = "xsscheck"
POLICY = SMTP.clone(max_line_length=998)

pytestmark = [
    pytest.mark.skipif(not WEBUI.exists(), reason=f"{WEBUI} not built"),
    pytest.mark.skipif(not NODE or not Path(CHROMIUM).exists(),
                       reason="needs node and chromium (scripts/install-deps.sh)"),
]


# --------------------------------------------------------------------------------------------
# Mail
# --------------------------------------------------------------------------------------------


def send(moat: Moat, msg, sender: str, rcpts: list[str]):
    """Sends one message (EmailMessage or bytes); returns None when accepted, else the
    (code, text) refusal after DATA."""
    data = msg if isinstance(msg, bytes) else msg.as_bytes(policy=POLICY)
    with smtplib.SMTP(LOCALHOST, moat.port, local_hostname="client.sender.test", timeout=30) as s:
        try:
            s.sendmail(sender, rcpts, data)
        except smtplib.SMTPDataError as e:
            return e.smtp_code, e.smtp_error.decode(errors="replace")
    return None


def gtube_message() -> EmailMessage:
    m = EmailMessage(policy=POLICY)
    m["From"] = "Figures <figures@sender.test>"
    m["To"] = "bob@ours.test"
    m["Subject"] = GTUBE_SUBJECT
    m["Date"] = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    m["Message-ID"] = "<gtube-release@sender.test>"
    m.set_content(f"Here are the numbers.\n\n{GTUBE}\n")
    return m


def payload_message(n: int, spam: bool) -> bytes:
    """Script payloads in Subject, From display name, Message-ID and attachment file names;
    the `onerror="window.__xss=1"` ones set a sentinel the browser test checks. The header
    lines are written raw (Python's header classes would repair the Message-ID)."""
    m = EmailMessage(policy=POLICY)
    m.set_content("Hello <b>Bob</b>,\n<script>window.__xss=1</script> see the attachments.\n"
                  + (f"\n{GTUBE}\n" if spam else ""))
    m.add_alternative('<p>Hello <img src=x onerror="window.__xss=1"> <a href="javascript:alert(1)">click</a></p>',
                      subtype="html")
    m.add_attachment(b"plain attachment\n", maintype="text", subtype="plain",
                     filename='"><img src=x onerror=alert(1)>.txt')
    m.add_attachment(b'<script>window.__xss=1</script><img src=x onerror="window.__xss=1">', maintype="text",
                     subtype="html", filename="javascript:alert(1).html")
    headers = (
        'From: "\\"><img src=x onerror=alert(1)>" <evil@sender.test>\r\n'
        "To: bob@ours.test\r\n"
        f'Subject: {XSS_MARK}{n} <script>alert(1)</script><img src=x onerror="window.__xss=1">\r\n'
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
        f'Message-ID: <javascript:alert(1).{n}"><script>alert(1)</script>@sender.test>\r\n'
    )
    return headers.encode() + m.as_bytes(policy=POLICY)


# --------------------------------------------------------------------------------------------
# Fixtures and the node runner
# --------------------------------------------------------------------------------------------


def ensure_playwright():
    if (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        return
    cp = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, capture_output=True, text=True,
                        timeout=300)
    assert cp.returncode == 0, f"npm ci in tests/browser failed:\n{cp.stdout}{cp.stderr}"


def run_scenario(web: WebUI, name: str, **env: str) -> str:
    """Runs tests/browser/<name>.mjs; returns its output, fails the test with it on a non-zero exit."""
    full_env = dict(os.environ, MOAT_URL=web.base_url, MOAT_USER=ADMIN, MOAT_PASSWORD=ADMIN_PASSWORD,
                    MOAT_ARTIFACTS=str(ARTIFACTS), MOAT_CHROMIUM=CHROMIUM, **env)
    cp = subprocess.run([NODE, str(BROWSER_DIR / f"{name}.mjs")], cwd=BROWSER_DIR, env=full_env,
                        capture_output=True, text=True, timeout=300)
    print(f"---- {name}.mjs ----\n{cp.stdout}{cp.stderr}")
    assert cp.returncode == 0, f"browser scenario {name} failed:\n{cp.stdout}{cp.stderr}"
    return cp.stdout


@pytest.fixture(scope="module")
def env():
    ensure_playwright()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # only this run's screenshots
    ARTIFACTS.mkdir(parents=True)
    with Backend("ours") as ours, Backend("added") as added, Backend("wizard") as wizard, \
            Moat(domains={"ours.test": ours.address}) as moat, WebUI(moat) as web:
        for check in ("rdns", "fcrdns", "helo", "sender_domain", "bot"):
            moat.ctl("setting", "set", f"{check}.action", "off")
        time.sleep(1)  # the running daemon reloads within 250 ms
        refused = send(moat, gtube_message(), "figures@sender.test", ["bob@ours.test"])
        assert refused and refused[0] == 550, refused
        assert send(moat, payload_message(1, spam=False), "evil@sender.test", ["bob@ours.test"]) is None
        refused = send(moat, payload_message(2, spam=True), "evil@sender.test", ["bob@ours.test"])
        assert refused and refused[0] == 550, refused
        ours.wait_for(1)
        yield {"moat": moat, "ours": ours, "added": added, "wizard": wizard, "web": web}


@pytest.fixture(scope="module")
def admin(env):
    """The administrator exists — made through the setup wizard by test_first_run_setup_wizard, or
    (when that test is deselected or failed) with moatctl — and is logged in (HttpsClient)."""
    web = env["web"]
    client = web.client()
    if client.login(ADMIN, ADMIN_PASSWORD).status != 200:
        web.add_user(ADMIN, ADMIN_PASSWORD, role="admin")
    return web.login(ADMIN, ADMIN_PASSWORD)


# --------------------------------------------------------------------------------------------
# Tests (in this order: the first one creates the administrator)
# --------------------------------------------------------------------------------------------


def test_webui_source_never_builds_html():
    """The XSS rule of webui/README.md, checked on the source: no HTML parsing of strings
    (innerHTML and friends), no eval, no inline handlers or styles in the HTML."""
    forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|"
                           r"setTimeout\(\s*['\"`]|\bon[a-z]+\s*=\s*['\"]|style\s*=\s*['\"]|"
                           r"setAttribute\(\s*['\"](on|style)")
    offenders = []
    for path in sorted((SOURCE_DIR / "webui").rglob("*")):
        if path.suffix in (".js", ".html"):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if forbidden.search(line) and not line.lstrip().startswith("//"):
                    offenders.append(f"{path.relative_to(SOURCE_DIR)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_first_run_setup_wizard(env):
    web, wizard = env["web"], env["wizard"]
    token = web.first_run_token()
    assert token, "moat-webui logged no first-run link"
    run_scenario(web, "first-run", MOAT_FIRST_RUN_TOKEN=token, MOAT_WIZARD_DOMAIN=WIZARD_DOMAIN,
                 MOAT_WIZARD_BACKEND=wizard.address)

    # The test message came from the gateway itself (not through the queue) to the wizard's backend.
    got = wizard.wait_for(1, timeout=10)
    assert len(got) == 1, [m.rcpts for m in got]
    msg = got[0]
    assert msg.mail_from == "postmaster@mx.moat.test" and msg.rcpts == [f"postmaster@{WIZARD_DOMAIN}"]
    assert msg.header("Subject") == "Moat test message" and msg.header("Auto-Submitted") == "auto-generated"
    assert ADMIN in msg.data.decode()

    # What the wizard saved, as the API tells it.
    admin = web.login(ADMIN, ADMIN_PASSWORD)
    dom = next(d for d in admin.get("/api/v1/domains").json() if d["name"] == WIZARD_DOMAIN)
    assert dom["backend"] == wizard.address
    fw = admin.get("/api/v1/firewall").json()
    assert fw["settings"]["maintenance_networks"] == ["192.0.2.0/24", "127.0.0.1/32"]
    zones = admin.get("/api/v1/zones").json()
    assert [(z["kind"], z["zone"], z["mask"]) for z in zones] == [("dnsbl", "bl.spamcop.net", "127.0.0.2")]
    actions = [(e["action"], e["target"]) for e in admin.get("/api/v1/audit?limit=50").json()]
    assert ("domain.test_message", WIZARD_DOMAIN) in actions and ("user.add", ADMIN) in actions
    # The later scenarios' mail needs no blocklist lookups.
    assert admin.delete(f"/api/v1/zones/{zones[0]['id']}").status == 204


def test_console_flow_and_release(env, admin):
    ours = env["ours"]
    before = len(ours.messages())
    out = run_scenario(env["web"], "console", MOAT_NEW_DOMAIN=NEW_DOMAIN, MOAT_NEW_BACKEND=env["added"].address,
                       MOAT_GTUBE_SUBJECT=GTUBE_SUBJECT, MOAT_DOMAIN_ADMIN=DADMIN,
                       MOAT_DOMAIN_ADMIN_PASSWORD=DADMIN_PASSWORD)
    queue_id = re.search(r"^RELEASED (\S+)", out, re.M).group(1)
    # The backup the System page downloaded is moatctl's format, whole.
    backup = re.search(r"^BACKUP (\S+)", out, re.M).group(1)
    assert "good backup" in env["moat"].ctl("restore", "--check", backup).stdout

    # The released message reached the backend: the original, with the release header.
    def released():
        return [m for m in ours.messages()[before:] if m.header("X-Moat-Released")]
    got = wait_until(released, 60, interval=0.25, what="the released message at the backend")
    msg = got[0]
    assert msg.header("Subject") == GTUBE_SUBJECT
    assert msg.rcpts == ["bob@ours.test"]
    assert ADMIN in msg.header("X-Moat-Released"), msg.header("X-Moat-Released")
    assert GTUBE.encode() in msg.data
    print(f"released as {queue_id}: X-Moat-Released: {msg.header('X-Moat-Released')}")

    # What the browser did is in the store, as the API tells it.
    r = admin.get("/api/v1/domains")
    assert r.status == 200, r.text
    dom = next(d for d in r.json() if d["name"] == NEW_DOMAIN)
    assert dom["backend"] == env["added"].address and dom["list_validation"] is True
    assert dom["valid_addresses"] == 3
    r = admin.get(f"/api/v1/lists?domain_id={dom['id']}&list=allow")
    assert r.status == 200, r.text
    values = {(e["kind"], e["value"]) for e in r.json()}
    assert any(e["value"] == "friend@partner.test" and e["note"] == "our partner's sales desk" for e in r.json())
    assert {("sender", "friend@partner.test"), ("sender_domain", "partner-one.test"),
            ("sender_domain", "partner-two.test")} <= values
    r = admin.get("/api/v1/settings/content.tag_phrase")
    assert r.status == 200 and r.json()["value"] == "[Checked by browser]", r.text
    r = admin.get("/api/v1/relay-networks")
    assert r.status == 200 and any(n["cidr"] == "192.0.2.0/24" for n in r.json()), r.text
    r = admin.get("/api/v1/zones")
    assert r.status == 200 and not any(z["zone"] == "bl.browser.test" for z in r.json()), r.text
    r = admin.get(f"/api/v1/domains/{dom['id']}/valid-addresses")
    assert r.status == 200 and sorted(r.json()["addresses"]) == [f"alice@{NEW_DOMAIN}", f"bob@{NEW_DOMAIN}",
                                                         f"carol@{NEW_DOMAIN}"]


def test_script_payloads_are_inert(env, admin):
    run_scenario(env["web"], "xss", MOAT_XSS_MARK=XSS_MARK, MOAT_XSS_COUNT="2", MOAT_XSS_ARCHIVED="2")


def test_login_lockout_is_shown(env, admin):
    r = admin.post("/api/v1/users", json={"name": LOCK_USER, "password": LOCK_PASSWORD,
                                          "role": "domain_admin", "domains": ["ours.test"]})
    assert r.status == 201, r.text
    run_scenario(env["web"], "lockout", MOAT_LOCK_USER=LOCK_USER, MOAT_LOCK_PASSWORD=LOCK_PASSWORD)
    # the lock is the server's, not the page's
    r = env["web"].client().login(LOCK_USER, LOCK_PASSWORD)
    assert r.status == 429, (r.status, r.text)


def test_two_factor_login_in_the_browser(env, admin):
    """An account with two-factor login on (enrolled through the API here) logs in with its TOTP code."""
    web = env["web"]
    web.add_user("two-factor", "two factor password 4", role="admin")
    client = web.login("two-factor", "two factor password 4")
    secret = client.post("/api/v1/2fa/enrol").json()["secret"]
    # Confirmed with the previous step's code, so the browser's current code is fresh.
    assert client.post("/api/v1/2fa/confirm", json={"code": previous_step_totp(secret)}).status == 200
    run_scenario(web, "two-factor", MOAT_2FA_USER="two-factor", MOAT_2FA_PASSWORD="two factor password 4",
                 MOAT_2FA_SECRET=secret)


def test_own_account_and_token_revocation_in_the_browser(env, admin):
    """Every user's own account on the Users & tokens page: the password changed and two-factor
    login turned on through the page, another user's API token revoked from the administrator's
    list, and the next login asks for the new password and a code."""
    web = env["web"]
    web.add_user("account-owner", "account password 5", role="admin")
    web.add_user("token-owner", "token owner password 6", role="domain_admin", domains=("ours.test",))
    owner = web.login("token-owner", "token owner password 6")
    r = owner.post("/api/v1/tokens", json={"name": "nightly-export"})
    assert r.status in (200, 201), (r.status, r.text)
    secret = r.json()["token"]
    scripted = web.client()
    scripted.token = secret
    assert scripted.get("/api/v1/session").status == 200
    run_scenario(web, "account", MOAT_ACC_USER="account-owner", MOAT_ACC_PASSWORD="account password 5",
                 MOAT_ACC_NEW_PASSWORD="account password 7", MOAT_ACC_TOKEN="nightly-export",
                 MOAT_ACC_TOKEN_OWNER="token-owner")
    assert scripted.get("/api/v1/session").status == 401  # the revoked token no longer works
    r = web.client().login("account-owner", "account password 5")
    assert r.status != 200, "the old password still logs in"
