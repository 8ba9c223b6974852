"""Two-factor login against the real moat-webui: enrol with the API (QR code as SVG, secret, confirm
with a TOTP code computed here per RFC 6238), a right password alone asks for the code, a code logs in
once, a recovery code works once, enforcement restricts an unenrolled session, and
`moatctl user 2fa reset NAME` turns it off.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Moat, WebUI, previous_step_totp, totp  # noqa: E402

PASSWORD = "second-factor-password"


@pytest.fixture
def env():
    with Moat() as moat, WebUI(moat) as web:
        web.add_user("carol", PASSWORD)
        yield moat, web


def test_enrol_login_recovery_and_reset(env):
    moat, web = env
    carol = web.login("carol", PASSWORD)
    enrol = carol.post("/api/v1/2fa/enrol").json()
    assert enrol["qr_svg"].startswith("<svg ") and "<script" not in enrol["qr_svg"]
    assert enrol["uri"].startswith("otpauth://totp/Moat:carol?secret=" + enrol["secret"])
    assert carol.post("/api/v1/2fa/confirm", json={"code": "000000"}).status == 422
    # Confirmed with the previous step's code (a phone a little behind), so the current step is
    # still unused for the login below.
    confirmation_code = previous_step_totp(enrol["secret"])
    confirmed = carol.post("/api/v1/2fa/confirm", json={"code": confirmation_code})
    assert confirmed.status == 200, confirmed.text
    recovery = confirmed.json()["recovery_codes"]
    assert len(recovery) == 10
    assert carol.get("/api/v1/2fa").json() == {"enabled": True, "required": False, "recovery_codes_left": 10}

    asked = web.client().login("carol", PASSWORD)
    assert asked.status == 401 and asked.json()["second_factor"] is True
    wrong = web.client().post("/api/v1/login", json={"name": "carol", "password": PASSWORD, "totp": "000000"},
                              csrf=False)
    assert wrong.status == 401 and "second_factor" not in wrong.json()
    used = web.client().post("/api/v1/login", json={"name": "carol", "password": PASSWORD,
                                                    "totp": confirmation_code}, csrf=False)
    assert used.status == 401  # the confirmation's step is spent
    code = totp(enrol["secret"])
    ok = web.client().post("/api/v1/login", json={"name": "carol", "password": PASSWORD, "totp": code}, csrf=False)
    assert ok.status == 200, ok.text
    replay = web.client().post("/api/v1/login", json={"name": "carol", "password": PASSWORD, "totp": code},
                               csrf=False)
    assert replay.status == 401
    by_recovery = web.client().post("/api/v1/login", json={"name": "carol", "password": PASSWORD,
                                                           "totp": recovery[0].upper()}, csrf=False)
    assert by_recovery.status == 200
    again = web.client().post("/api/v1/login", json={"name": "carol", "password": PASSWORD, "totp": recovery[0]},
                              csrf=False)
    assert again.status == 401

    moat.ctl("user", "2fa", "reset", "carol")
    assert web.client().login("carol", PASSWORD).status == 200
    actions = [e["action"] for e in web.admin().get("/api/v1/audit?limit=100").json()]
    assert "2fa.enrol" in actions and "2fa.reset" in actions


def test_enforced_account_may_only_enrol(env):
    _, web = env
    admin = web.admin()
    carol_id = next(u["id"] for u in admin.get("/api/v1/users").json() if u["name"] == "carol")
    assert admin.put(f"/api/v1/users/{carol_id}", json={"second_factor_required": True}).status == 200
    carol = web.login("carol", PASSWORD)
    assert carol.get("/api/v1/domains").status == 403
    assert carol.get("/api/v1/session").status == 200
    enrol = carol.post("/api/v1/2fa/enrol").json()
    assert carol.post("/api/v1/2fa/confirm", json={"code": totp(enrol["secret"])}).status == 200
    assert carol.get("/api/v1/domains").status == 200
