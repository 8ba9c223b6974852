"""The console's authentication over real HTTPS against the real moat-webui: the self-signed
certificate, login and its cookie, sessions (new id at every login, logout, idle expiry), 401 on
every API route without a session (walked from `moat-webui --list-routes`, so routes other parts add
are covered too), CSRF token and Origin checks, the login lockout and per-address limit, API tokens,
the first-run link, accounts, security headers, static files without path traversal, and SQL
metacharacters in the login name.

Argon2id hashing takes about 0.1 s per login attempt; tests keep the number of attempts small.
"""
import concurrent.futures
import http.client
import json
import re
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import LOCALHOST, MOATCTL, Moat, WebUI  # noqa: E402

PASSWORD = "correct-horse-battery"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
PUBLIC = {("POST", "/api/v1/login"), ("POST", "/api/v1/first-run")}


def make_assets(moat: Moat) -> Path:
    assets = moat.dir / "assets"
    (assets / "js").mkdir(parents=True)
    (assets / "index.html").write_text("<!doctype html><title>Moat</title><script src=\"js/app.js\"></script>")
    (assets / "js" / "app.js").write_text("console.log('moat');")
    (moat.dir / "secret.txt").write_text("TOP-SECRET-OUTSIDE-ASSETS")
    return assets


@pytest.fixture
def env():
    with Moat() as moat:
        with WebUI(moat, assets=str(make_assets(moat))) as web:
            yield moat, web


def raw_get(web: WebUI, target: str) -> tuple[int, bytes]:
    """GET with the request target sent exactly as given (no client-side normalisation)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((LOCALHOST, web.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(f"GET {target} HTTP/1.1\r\nHost: {LOCALHOST}:{web.port}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


# ---- TLS, headers, static files


def test_https_with_self_signed_certificate(env):
    moat, web = env
    pem = ssl.get_server_certificate((LOCALHOST, web.port))
    assert "BEGIN CERTIFICATE" in pem
    assert (moat.dir / "spool" / "tls" / "webui-selfsigned.crt").exists()
    key = moat.dir / "spool" / "tls" / "webui-selfsigned.key"
    assert key.stat().st_mode & 0o077 == 0, "the private key must be readable by its owner only"
    # Plain HTTP is not served.
    with socket.create_connection((LOCALHOST, web.port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        try:
            data = s.recv(100)
        except (ConnectionResetError, socket.timeout):
            data = b""
        assert b"200 OK" not in data


def test_security_headers_on_every_answer(env):
    _, web = env
    anon = web.client()
    for r, api in ((anon.get("/"), False), (anon.get("/js/app.js"), False), (anon.get("/nope"), False),
                   (anon.get("/api/v1/users"), True), (anon.post("/api/v1/login", json={}), True)):
        assert r.header("Content-Security-Policy") == CSP
        assert r.header("X-Content-Type-Options") == "nosniff"
        assert r.header("Referrer-Policy") == "no-referrer"
        assert r.header("X-Frame-Options") == "DENY"
        assert r.header("Strict-Transport-Security", ).startswith("max-age=")
        if api:
            assert r.header("Cache-Control") == "no-store"


def test_static_files_and_content_types(env):
    _, web = env
    anon = web.client()
    r = anon.get("/")
    assert r.status == 200 and r.header("Content-Type").startswith("text/html") and b"<title>Moat" in r.body
    r = anon.get("/js/app.js")
    assert r.status == 200 and r.header("Content-Type").startswith("text/javascript")
    assert anon.get("/missing.css").status == 404
    assert anon.post("/index.html").status == 405


@pytest.mark.parametrize("target", [
    "/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/js/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt", "/js%2f..%2f..%2fsecret.txt", "/%2e%2e%5csecret.txt", "/..\\secret.txt",
    "/%252e%252e/secret.txt", "/index.html%00.js", "/%zz", "//etc/passwd", "/../../../../etc/passwd",
])
def test_path_traversal_refused(env, target):
    _, web = env
    status, data = raw_get(web, target)
    assert status in (400, 404), f"{target}: {status}"
    assert b"TOP-SECRET" not in data and b"root:" not in data


# ---- login, sessions


def test_login_cookie_and_session(env):
    _, web = env
    web.add_user("alice", PASSWORD)
    c = web.client()
    r = c.login("alice", PASSWORD)
    assert r.status == 200
    body = r.json()
    assert body["user"]["name"] == "alice" and body["user"]["role"] == "admin" and body["user"]["domains"] == []
    assert len(body["csrf"]) >= 32
    cookie = r.header("Set-Cookie")
    assert re.match(r"moat_session=[A-Za-z0-9_-]{43};", cookie)
    attrs = [a.strip().lower() for a in cookie.split(";")[1:]]
    assert "secure" in attrs and "httponly" in attrs and "samesite=strict" in attrs and "path=/" in attrs
    s = c.get("/api/v1/session")
    assert s.status == 200 and s.json()["user"]["name"] == "alice" and s.json()["csrf"] == body["csrf"]


def test_wrong_password_and_unknown_user_look_the_same(env):
    _, web = env
    web.add_user("alice", PASSWORD)
    wrong = web.client().login("alice", "not-the-password")
    unknown = web.client().login("nobody", "not-the-password")
    assert wrong.status == unknown.status == 401
    assert wrong.json() == unknown.json()
    assert web.client().login("alice", "").status == 401
    assert web.client().post("/api/v1/login", json={"name": "alice"}).status == 400
    assert web.client().post("/api/v1/login", body="not json", headers={"Content-Type": "application/json"}).status == 400


def test_new_session_id_at_every_login_and_logout(env):
    _, web = env
    web.add_user("alice", PASSWORD)
    c = web.client()
    c.login("alice", PASSWORD)
    first = c.cookies["moat_session"]
    old = web.client()
    old.cookies = dict(c.cookies)
    c.login("alice", PASSWORD)
    second = c.cookies["moat_session"]
    assert first != second
    # The session the browser held before logging in again has ended.
    assert old.get("/api/v1/session").status == 401
    assert c.get("/api/v1/session").status == 200
    r = c.post("/api/v1/logout")
    assert r.status == 204
    assert "max-age=0" in r.header("Set-Cookie").lower().replace(" ", "")
    stale = web.client()
    stale.cookies = {"moat_session": second}
    assert stale.get("/api/v1/session").status == 401


def test_session_idle_expiry():
    with Moat() as moat, WebUI(moat, session_idle="2") as web:
        web.add_user("alice", PASSWORD)
        c = web.login("alice", PASSWORD)
        assert c.get("/api/v1/session").status == 200
        time.sleep(3.2)
        assert c.get("/api/v1/session").status == 401


def test_every_api_route_needs_a_session(env):
    _, web = env
    routes = web.routes()
    assert ("GET", "/api/v1/users") in routes and ("POST", "/api/v1/login") in routes
    anon = web.client()
    forged = web.client()
    forged.cookies = {"moat_session": "A" * 43}
    bogus_token = web.client()
    bogus_token.token = "not-a-token"
    checked = 0
    for method, pattern in routes:
        if (method, pattern) in PUBLIC:
            continue
        path = re.sub(r"\{[^}]+\}", "1", pattern)
        for client in (anon, forged, bogus_token):
            r = client.request(method, path, json={} if method in ("POST", "PUT", "PATCH") else None)
            assert r.status == 401, f"{method} {path} answered {r.status} without a session"
            assert r.json() == {"error": "not logged in"}
        checked += 1
    assert checked >= 10
    # Paths no route knows are not revealed either.
    assert anon.get("/api/v1/no-such-thing").status == 401
    assert anon.get("/api/v2/users").status == 401


# ---- CSRF and Origin


def test_state_change_needs_csrf_token_and_same_origin(env):
    _, web = env
    admin = web.admin()
    no_token = admin.post("/api/v1/tokens", json={"name": "x"}, csrf=False)
    assert no_token.status == 403 and "CSRF" in no_token.json()["error"]
    wrong = admin.post("/api/v1/tokens", json={"name": "x"}, csrf=False, headers={"X-CSRF-Token": "A" * 43})
    assert wrong.status == 403
    foreign = admin.post("/api/v1/tokens", json={"name": "x"}, headers={"Origin": "https://evil.example"})
    assert foreign.status == 403
    other_port = admin.post("/api/v1/tokens", json={"name": "x"},
                            headers={"Origin": f"https://{LOCALHOST}:{web.port + 1}"})
    assert other_port.status == 403
    plain_http = admin.post("/api/v1/tokens", json={"name": "x"}, headers={"Origin": f"http://{LOCALHOST}:{web.port}"})
    assert plain_http.status == 403
    for method in ("PUT", "DELETE"):
        assert admin.request(method, "/api/v1/users/1", json={}, csrf=False).status == 403
    assert admin.get("/api/v1/tokens").json() == []  # nothing was created
    same = admin.post("/api/v1/tokens", json={"name": "x"}, headers={"Origin": f"https://{LOCALHOST}:{web.port}"})
    assert same.status == 201
    assert admin.post("/api/v1/tokens", json={"name": "y"}).status == 201  # no Origin (not a browser)


def test_login_from_a_foreign_origin_refused(env):
    _, web = env
    web.add_user("alice", PASSWORD)
    r = web.client().post("/api/v1/login", json={"name": "alice", "password": PASSWORD},
                          headers={"Origin": "https://evil.example"})
    assert r.status == 403 and "moat_session" not in (r.header("Set-Cookie") or "")


# ---- lockout


def test_lockout_after_five_failures(env):
    moat, web = env
    web.add_user("alice", PASSWORD)
    for _ in range(5):
        assert web.client().login("alice", "wrong-password!").status == 401
    locked = web.client().login("alice", PASSWORD)
    assert locked.status == 429 and "too many failed logins for this name" in locked.json()["error"]
    moat.ctl("user", "unlock", "alice")
    assert web.client().login("alice", PASSWORD).status == 200
    audit = web.admin().get("/api/v1/audit?limit=50").json()
    actions = [e["action"] for e in audit]
    assert "login.failure" in actions and "login.refused" in actions and "login" in actions


def raw_login(web: WebUI, name: str, password: str, source: str = LOCALHOST) -> tuple[int, bytes]:
    """POST /api/v1/login from a chosen loopback source address; (status, body)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(LOCALHOST, web.port, context=ctx, timeout=60, source_address=(source, 0))
    try:
        conn.request("POST", "/api/v1/login", body=json.dumps({"name": name, "password": password}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_sixth_failure_answers_alike_for_real_and_unknown_names(env):
    _, web = env
    web.add_user("alice", PASSWORD)
    for i in range(8):
        real = raw_login(web, "alice", "wrong-password!", "127.0.0.2")
        unknown = raw_login(web, "nobody-here", "wrong-password!", "127.0.0.3")
        assert real == unknown, f"attempt {i + 1}: {real} != {unknown}"
        assert real[0] == (401 if i < 5 else 429)


def test_real_admin_logs_in_while_an_attacker_keeps_failing(env):
    _, web = env
    web.add_user("alice", PASSWORD)
    for _ in range(12):
        assert raw_login(web, "alice", "wrong-password!", "127.0.0.5")[0] in (401, 429)
    assert raw_login(web, "alice", PASSWORD, "127.0.0.5")[0] == 429  # the attacker's address is done
    assert raw_login(web, "alice", PASSWORD, "127.0.0.1")[0] == 200  # the administrator is not


@pytest.mark.parametrize("spread", [True, False])
def test_forty_parallel_wrong_passwords_check_at_most_the_limit(env, spread):
    moat, web = env
    web.add_user("alice", PASSWORD)
    sources = [f"127.0.1.{i + 1}" if spread else "127.0.0.9" for i in range(40)]
    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(lambda src: raw_login(web, "alice", "wrong-password!", src)[0], sources))
    checked = statuses.count(401)
    limit = 10 if spread else 5
    assert set(statuses) <= {401, 429, 503}, statuses
    # A 503 (no turn at hashing within 4 s on a busy machine) used its reservation unchecked.
    assert checked <= limit and checked + statuses.count(503) == limit, statuses
    failures = subprocess.run(["sqlite3", moat.config["store"]["url"].removeprefix("sqlite:"),
                               "SELECT COUNT(*) FROM audit_log WHERE action = 'login.failure'"],
                              capture_output=True, text=True).stdout.strip()
    assert int(failures) == checked


def test_success_resets_the_failure_count(env):
    _, web = env
    web.add_user("alice", PASSWORD)
    for _ in range(4):
        assert web.client().login("alice", "wrong-password!").status == 401
    assert web.client().login("alice", PASSWORD).status == 200
    for _ in range(4):
        assert web.client().login("alice", "wrong-password!").status == 401
    assert web.client().login("alice", PASSWORD).status == 200


def test_address_limit_after_twenty_failures(env):
    _, web = env
    web.add_user("alice", PASSWORD)
    for i in range(20):
        assert web.client().login(f"nobody{i}", "wrong-password!").status == 401
    r = web.client().login("alice", PASSWORD)
    assert r.status == 429 and "address" in r.json()["error"]
    assert raw_login(web, "alice", PASSWORD, "127.0.0.4")[0] == 200  # another address is not blocked


@pytest.mark.parametrize("name", [
    "alice' OR '1'='1", "alice'--", "' OR 1=1; DROP TABLE users; --", "alice\" OR \"\"=\"", "%' OR name LIKE '%",
    "alice'; UPDATE users SET role='admin'; --", "\\'; SELECT * FROM users; --",
])
def test_sql_metacharacters_in_login_name(env, name):
    moat, web = env
    web.add_user("alice", PASSWORD)
    r = web.client().login(name, PASSWORD)
    assert r.status == 401
    assert "alice" in moat.ctl("user", "list").stdout
    assert web.client().login("alice", PASSWORD).status == 200


# ---- API tokens


def test_api_token_without_csrf(env):
    _, web = env
    admin = web.admin()
    r = admin.post("/api/v1/tokens", json={"name": "backup script"})
    assert r.status == 201
    secret, token_id = r.json()["token"], r.json()["id"]
    assert len(secret) >= 40
    script = web.client()
    script.token = secret
    s = script.get("/api/v1/session")
    assert s.status == 200 and s.json()["user"]["name"] == "admin"
    # State changes with a token need no CSRF token.
    assert script.post("/api/v1/tokens", json={"name": "second"}).status == 201
    listed = admin.get("/api/v1/tokens").json()
    assert {t["name"] for t in listed} == {"backup script", "second"}
    assert all("token" not in t for t in listed)
    assert next(t for t in listed if t["id"] == token_id)["last_used"] > 0
    assert admin.delete(f"/api/v1/tokens/{token_id}").status == 204
    assert script.get("/api/v1/session").status == 401


def test_tokens_are_per_account(env):
    _, web = env
    admin = web.admin()
    web.add_user("bob", PASSWORD)
    bob = web.login("bob", PASSWORD)
    token_id = admin.post("/api/v1/tokens", json={"name": "mine"}).json()["id"]
    assert bob.get("/api/v1/tokens").json() == []
    assert bob.delete(f"/api/v1/tokens/{token_id}").status == 404


# ---- first run


def test_first_run_link(env):
    moat, web = env
    token = web.first_run_token()
    assert token, "no first-run link in the log"
    assert re.search(r"webui: no administrator yet .* https://127\.0\.0\.1:\d+/#/first-run/", web.run_log())
    anon = web.client()
    assert anon.post("/api/v1/first-run", json={"token": "wrong", "name": "root", "password": PASSWORD}).status == 403
    assert anon.post("/api/v1/first-run", json={"token": token, "name": "root", "password": "short"}).status == 422
    r = anon.post("/api/v1/first-run", json={"token": token, "name": "root", "password": PASSWORD})
    assert r.status == 201 and r.json()["user"]["role"] == "admin"
    # Logged in at once (the setup wizard goes on): the cookie works, with the CSRF token it came with.
    assert "moat_session" in anon.cookies
    anon.csrf = r.json()["csrf"]
    assert anon.get("/api/v1/session").json()["user"]["name"] == "root"
    assert anon.get("/api/v1/zones/known").status == 200
    again = web.client().post("/api/v1/first-run", json={"token": token, "name": "root2", "password": PASSWORD})
    assert again.status == 403
    assert web.login("root", PASSWORD).get("/api/v1/session").status == 200
    web.restart()
    assert web.first_run_token() is None


def test_no_first_run_link_once_an_admin_exists():
    with Moat() as moat:
        cp = subprocess.run([str(MOATCTL), "--config", str(moat.config_path), "user", "add", "root", "--role",
                             "admin", "--password-stdin"], input=PASSWORD + "\n", capture_output=True, text=True)
        assert cp.returncode == 0, cp.stderr
        with WebUI(moat) as web:
            assert web.first_run_token() is None
            assert "no administrator" not in web.run_log()


# ---- accounts


def test_users_api(env):
    moat, web = env
    moat.ctl("domain", "add", "a.test", "--backend", "127.0.0.1:2525")
    admin = web.admin()
    r = admin.post("/api/v1/users", json={"name": "dom", "password": PASSWORD, "role": "domain_admin",
                                          "domains": ["A.test"]})
    assert r.status == 201 and r.json()["domains"] == ["a.test"]
    dom_id = r.json()["id"]
    assert admin.post("/api/v1/users", json={"name": "DOM", "password": PASSWORD, "role": "admin"}).status == 409
    assert admin.post("/api/v1/users", json={"name": "x", "password": "short", "role": "admin"}).status == 422
    assert admin.post("/api/v1/users", json={"name": "x", "password": PASSWORD, "role": "root"}).status == 422
    assert admin.post("/api/v1/users", json={"name": "x", "password": PASSWORD, "role": "domain_admin",
                                             "domains": ["nope.test"]}).status == 422
    assert admin.post("/api/v1/users", json={"name": "bad name", "password": PASSWORD, "role": "admin"}).status == 422
    dom = web.login("dom", PASSWORD)
    assert dom.user["role"] == "domain_admin"
    for method, path in (("GET", "/api/v1/users"), ("POST", "/api/v1/users"), ("PUT", f"/api/v1/users/{dom_id}"),
                         ("DELETE", "/api/v1/users/1"), ("GET", "/api/v1/audit")):
        assert dom.request(method, path, json={} if method in ("POST", "PUT") else None).status == 403
    # A password change by an administrator ends the account's sessions.
    assert admin.put(f"/api/v1/users/{dom_id}", json={"password": "another-password"}).status == 200
    assert dom.get("/api/v1/session").status == 401
    assert admin.put("/api/v1/users/999", json={}).status == 404
    me = admin.user["id"]
    assert admin.put(f"/api/v1/users/{me}", json={"role": "domain_admin"}).status == 409  # the last admin
    assert admin.delete(f"/api/v1/users/{me}").status == 409
    assert admin.delete(f"/api/v1/users/{dom_id}").status == 204
    assert [u["name"] for u in admin.get("/api/v1/users").json()] == ["admin"]
    actions = [e["action"] for e in admin.get("/api/v1/audit").json()]
    assert "user.add" in actions and "user.change" in actions and "user.remove" in actions


def test_body_size_limit(env):
    _, web = env
    admin = web.admin()
    r = admin.post("/api/v1/tokens", body=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                   headers={"Content-Type": "application/json"})
    assert r.status == 413


def test_moatctl_user_commands(env):
    moat, web = env
    cp = subprocess.run([str(MOATCTL), "--config", str(moat.config_path), "user", "add", "carol", "--role", "admin",
                         "--password-stdin"], input="short\n", capture_output=True, text=True)
    assert cp.returncode == 1 and "10 characters" in cp.stderr
    cp = subprocess.run([str(MOATCTL), "--config", str(moat.config_path), "user", "add", "carol", "--role", "admin"],
                        stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert cp.returncode == 1 and "--password-stdin" in cp.stderr
    web.add_user("carol", PASSWORD)
    c = web.login("carol", PASSWORD)
    cp = subprocess.run([str(MOATCTL), "--config", str(moat.config_path), "user", "passwd", "carol",
                         "--password-stdin"], input="a-new-password\n", capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr
    assert c.get("/api/v1/session").status == 401
    assert web.client().login("carol", PASSWORD).status == 401
    web.login("carol", "a-new-password")
    moat.ctl("user", "remove", "carol")
    assert "carol" not in moat.ctl("user", "list").stdout
