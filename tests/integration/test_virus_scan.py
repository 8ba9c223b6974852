"""Virus and attachment scanning: moat-smtpd hands every message to a real moat-scand (libclamav).

The signature database is built here with sigtool (.hdb hash signatures) for EICAR and for
ClamAV's own test files (Debian's clamav-testfiles): nothing comes from the network. Checked:
viruses plain, base64 in multipart, zipped, in nested zips and in each archive format ClamAV
unpacks, named in the 554 reply; blocked attachment types, also inside zips; encrypted zips with
block_encrypted; password-protected zips (zip -P, 7z AES) opened with the password the message
gives, a virus inside named, and without it block_encrypted's choice, logged as such; 451 4.7.0 without signatures or without a scanner (and delivery once it is back);
a signature reload while 20 sessions send mail, with no failed session; SIGKILL of scan processes
during scans failing at most the affected messages, with 451.
"""
import io
import json
import os
import re
import shutil
import signal
import smtplib
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import LOCALHOST, Backend, Moat, Scand, wait_until  # noqa: E402

TESTFILES = Path("/usr/share/clamav-testfiles")
# Assembled here so that this file itself is not the EICAR test file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_NAME = "Win.Test.EICAR_HDB-1"
CLAM_NAME = "Clamav.Test.File-6"

pytestmark = pytest.mark.skipif(not shutil.which("sigtool") or not (TESTFILES / "clam.exe").exists(),
                                reason="needs sigtool and clamav-testfiles (scripts/install-deps.sh)")


def hdb_line(data: bytes, name: str, tmp: Path) -> str:
    """An .hdb signature (md5:size:name) for data, made by sigtool."""
    sample = tmp / f"sample-{name}"
    sample.write_bytes(data)
    out = subprocess.run(["sigtool", "--md5", str(sample)], capture_output=True, text=True, check=True).stdout
    md5, size, _ = out.strip().split(":", 2)
    sample.unlink()
    return f"{md5}:{size}:{name}\n"


def write_signatures(scand: Scand, tmp: Path) -> None:
    (scand.sig_dir / "eicar.hdb").write_text(hdb_line(EICAR, EICAR_NAME, tmp))
    (scand.local_dir / "clam.hdb").write_text(hdb_line((TESTFILES / "clam.exe").read_bytes(), CLAM_NAME, tmp))


def message(*attachments: tuple[str, bytes], text: str = "Hello,\nsee attached.\n") -> bytes:
    m = MIMEMultipart()
    m["From"] = "alice@example.org"
    m["To"] = "bob@ours.test"
    m["Subject"] = "files"
    m.attach(MIMEText(text))
    for name, data in attachments:
        part = MIMEApplication(data, Name=name)
        part["Content-Disposition"] = f'attachment; filename="{name}"'
        m.attach(part)
    return m.as_bytes()


def single_part(name: str, data: bytes) -> bytes:
    """A message that is one base64 attachment, no multipart around it."""
    part = MIMEApplication(data, Name=name)
    part["Content-Disposition"] = f'attachment; filename="{name}"'
    part["From"] = "alice@example.org"
    part["To"] = "bob@ours.test"
    part["Subject"] = "one file"
    return part.as_bytes()


def random_payload(size: int) -> bytes:
    """size random bytes that no file-type check takes for a program: plain os.urandom starts with
    "MZ" (an executable's magic) once in 65,536 draws, which made clean-mail assertions flaky."""
    return b"DATA" + os.urandom(size - 4)


def zipped(*files: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
    return buf.getvalue()


def send(moat: Moat, data: bytes, timeout: float = 60) -> tuple[int, str]:
    """Sends one message (lines made CRLF); the reply to the end of DATA as (code, text)."""
    data = re.sub(rb"\r?\n", b"\r\n", data)
    with smtplib.SMTP(LOCALHOST, moat.port, timeout=timeout) as c:
        c.ehlo("client.example.org")
        try:
            c.sendmail("alice@example.org", ["bob@ours.test"], data)
        except smtplib.SMTPDataError as e:
            return e.smtp_code, e.smtp_error.decode()
        return 250, "queued"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sigs")
    with Backend("ours") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat)
        write_signatures(scand, tmp)
        with moat, scand:
            yield moat, ours, scand


VIRUS_CASES = {
    "plain attachment": single_part("eicar.com.txt", EICAR),
    "base64 in multipart": message(("eicar.txt", EICAR)),
    "zipped": message(("eicar.zip", zipped(("eicar.txt", EICAR)))),
    "nested zip": message(("outer.zip", zipped(("inner.zip", zipped(("deep/eicar.txt", EICAR)))))),
}


@pytest.mark.parametrize("case", VIRUS_CASES)
def test_eicar(env, case):
    moat, _, _ = env
    assert send(moat, VIRUS_CASES[case]) == (554, f"5.7.1 Message rejected: virus {EICAR_NAME} found")


def test_virus_is_archived_as_virus_and_logged(env):
    moat, _, _ = env
    data = message(("e.txt", EICAR)).replace(b"Subject: files", b"Subject: archived-virus")
    assert send(moat, data)[0] == 554
    db = Path(moat.config["store"]["url"].removeprefix("sqlite:"))

    def row():
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT category, refused_by, archive_id FROM message_log"
                                " WHERE subject = 'archived-virus'").fetchone()
    category, refused_by, archive_id = wait_until(row, 10, what="the log row")
    assert (category, refused_by) == ("virus", "virus")
    with sqlite3.connect(db) as conn:
        outcome, file = conn.execute("SELECT outcome, file FROM archive WHERE id = ?", (archive_id,)).fetchone()
    assert outcome == "virus"
    assert (Path(moat.config["archive"]["dir"]) / file).exists()


def test_status_file(env):
    moat, _, scand = env
    path = Path(moat.config["scan"]["status_file"])
    status = json.loads(wait_until(lambda: path.exists() and path.read_text(), 10, what="the status file"))
    assert status["pid"] == scand.proc.pid
    assert status["signatures"] >= 1 and status["loaded"] > 0
    assert re.match(r"^\d+\.\d+", status["clamav_version"])
    assert abs(status["heartbeat"] - time.time()) < 60


# ClamAV's test files: clam.exe itself and inside each container format ClamAV unpacks.
CLAM_FILES = ["clam.exe", "clam.zip", "clam.7z", "clam.cab", "clam.tar.gz", "clam.exe.bz2", "clam.arj",
              "clam.bz2.zip", "clam.impl.zip", "clam.exe.rtf", "clam.exe.szdd", "clam.newc.cpio", "clam.chm"]


@pytest.mark.parametrize("name", CLAM_FILES)
def test_clamav_testfiles_attached(env, name):
    moat, _, _ = env
    data = (TESTFILES / name).read_bytes()
    assert send(moat, message((name, data))) == (554, f"5.7.1 Message rejected: virus {CLAM_NAME} found")


@pytest.mark.parametrize("name", ["clam.mail", "clam.exe.mbox.base64", "clam.exe.mbox.uu"])
def test_clamav_test_mails(env, name):
    """Whole test mails from clamav-testfiles sent as the message itself."""
    moat, _, _ = env
    raw = (TESTFILES / name).read_bytes()
    if raw.startswith(b"From "):  # an mbox separator line is not part of a message
        raw = raw.split(b"\n", 1)[1]
    assert send(moat, raw) == (554, f"5.7.1 Message rejected: virus {CLAM_NAME} found")


def test_clean_mail_delivered_unchanged(env):
    moat, ours, _ = env
    pdf = b"%PDF-1.4\n" + os.urandom(20000)
    data = message(("report.pdf", pdf), ("notes.zip", zipped(("notes.txt", b"just text\n"))),
                   text="clean-mail-marker\n")
    assert send(moat, data) == (250, "queued")
    got = ours.wait_for(1, predicate=lambda m: b"clean-mail-marker" in m.data)[0]
    lf = lambda b: b.replace(b"\r\n", b"\n").rstrip(b"\n")  # noqa: E731
    assert lf(got.data).endswith(lf(data))


SCORED_MESSAGE = (b"From: Shop <offers@shop.example>\nTo: bob@ours.test\nSubject: =?UTF-8?Q?Caf=C3=A9?= offer\n"
                  b"Message-ID: <view-1@shop.example>\nMIME-Version: 1.0\n"  # no Date: a heuristic adds points
                  b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n"
                  b"<p>Cheap <a href='http://offers.shop.example/buy'>deals</a> view-marker</p>\n--b\n"
                  b"Content-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\n"
                  + __import__("base64").encodebytes(b"%PDF-1.4\n" + b"x" * 3000) + b"--b--\n")


def test_scorer_uses_the_scan_workers_decode(env, tmp_path):
    """The message is MIME-decoded once, in the confined scan worker: moat-smtpd scores the worker's
    content view, and the score is the one moat-smtpd gives when it decodes the message itself."""
    moat, ours, _ = env

    def score(m: Moat) -> float:
        db = Path(m.config["store"]["url"].removeprefix("sqlite:"))

        def row():
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT score FROM message_log WHERE subject LIKE '%offer'"
                                    " ORDER BY rowid DESC LIMIT 1").fetchone()
        return wait_until(row, 10, what="the log row")[0]

    start = len(moat.log_text())
    assert send(moat, SCORED_MESSAGE) == (250, "queued")
    ours.wait_for(1, predicate=lambda m: b"view-marker" in m.data)
    log = moat.log_text()[start:]
    assert "scoring moat-scand's decode of the message" in log, log[-2000:]
    assert "decoded here" not in log
    scanned = score(moat)
    with Backend("plain") as plain:
        with Moat(domains={"ours.test": plain.address}) as alone:  # no scanner: decoded by moat-smtpd
            assert send(alone, SCORED_MESSAGE) == (250, "queued")
            plain.wait_for(1, predicate=lambda m: b"view-marker" in m.data)
            assert "scoring the message decoded here" in alone.log_text()
            local = score(alone)
    assert scanned >= 1  # at least the missing Date:
    assert scanned == local


def test_no_content_view_when_the_message_is_not_scored(env):
    """With content scoring off for the recipient's domain, moat-smtpd asks the scan worker for no
    decode it would not use; the message is still scanned."""
    moat, ours, _ = env
    moat.ctl("setting", "set", "content.enabled", "no", "--domain", "ours.test")
    time.sleep(1)  # the running daemon reloads its policy within 250 ms
    try:
        start = len(moat.log_text())
        data = SCORED_MESSAGE.replace(b"view-marker", b"unscored-marker")
        assert send(moat, data) == (250, "queued")
        ours.wait_for(1, predicate=lambda m: b"unscored-marker" in m.data)
        log = moat.log_text()[start:]
        assert "no content view asked of moat-scand: the message is not scored" in log, log[-2000:]
        assert "scoring" not in log
        assert send(moat, message(("e.txt", EICAR)))[0] == 554  # scanned all the same
    finally:
        moat.ctl("setting", "unset", "content.enabled", "--domain", "ours.test")
        time.sleep(1)


def test_gtube_through_the_scan_workers_decode(env):
    moat, _, _ = env
    gtube = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    code, text = send(moat, message(("notes.txt", b"plain words\n"), text=gtube.decode() + "\n"))
    assert (code, text.split(":")[0]) == (550, "5.7.1 Message rejected as spam (score GTUBE, limit 10)")
    # In a part the decoder does not read as text (an unknown transfer encoding): the raw bytes answer.
    raw = (b"From: a@example.org\nTo: bob@ours.test\nSubject: raw\nMIME-Version: 1.0\n"
           b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: x-odd\n\n" + gtube + b"\n")
    assert send(moat, raw)[0] == 550


@pytest.mark.parametrize("attachments, detail", [
    ([("invoice.pdf.exe", b"not really a program")], "attachment invoice.pdf.exe is a blocked file type .exe"),
    ([("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200)], "attachment photo.jpg is a blocked file type exe"),
    ([("invoice.zip", zipped(("readme.txt", b"hi"), ("setup.exe", b"not really")))],
     "attachment invoice.zip contains blocked file type .exe (setup.exe)"),
    ([("docs.zip", zipped(("a/b.zip", zipped(("run.VBS", b"x")))))],
     "attachment docs.zip contains blocked file type .vbs (a/b.zip/run.VBS)"),
    ([("tools.zip", zipped(("tool.bin", b"\x7fELF\x02\x01\x01" + b"\x00" * 100)))],
     "attachment tools.zip contains blocked file type elf (tool.bin)"),
])
def test_blocked_attachments(env, attachments, detail):
    moat, _, _ = env
    assert send(moat, message(*attachments)) == (554, f"5.7.1 Message rejected: {detail}")


def test_encrypted_zip(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("confidential\n")
    subprocess.run(["zip", "-q", "-j", "-P", "password", str(tmp_path / "secret.zip"), str(secret)], check=True)
    data = message(("secret.zip", (tmp_path / "secret.zip").read_bytes()))
    with Backend("enc") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, block_encrypted="yes")
        write_signatures(scand, tmp_path)
        with moat, scand:
            assert send(moat, data) == (554, "5.7.1 Message rejected: attachment secret.zip contains an "
                                             "encrypted file (secret.txt); no password in the message opens it")
            # Refusing encrypted archives does not refuse other zips.
            assert send(moat, message(("plain.zip", zipped(("a.txt", b"a"))))) == (250, "queued")
    # Without block_encrypted, an encrypted zip with harmless names passes.
    with Backend("enc2") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat)
        write_signatures(scand, tmp_path)
        with moat, scand:
            assert send(moat, data) == (250, "queued")


PASSWORD_TEXT = "Hello,\nthe invoice is attached. The password is secret123\n"
NO_PASSWORD_TEXT = "Hello,\nthe invoice is attached, you know the password.\n"


def protected(tmp: Path, kind: str, files: dict[str, bytes], password: str = "secret123") -> bytes:
    """An archive of files made by the real tools: zip -P (traditional PKWARE encryption), or 7z
    with AES-256 as a zip ("aes") or as a 7z archive ("7z")."""
    work = tmp / f"{kind}-{len(list(tmp.iterdir()))}"
    work.mkdir()
    for name, data in files.items():
        (work / name).write_bytes(data)
    names = list(files)
    if kind == "zip":
        subprocess.run(["zip", "-q", "-P", password, "out.zip", *names], cwd=work, check=True)
        return (work / "out.zip").read_bytes()
    out = "out.7z" if kind == "7z" else "out.zip"
    method = [] if kind == "7z" else ["-mem=AES256"]
    subprocess.run(["7z", "a", "-bd", "-bso0", f"-p{password}", *method, out, *names], cwd=work, check=True)
    return (work / out).read_bytes()


needs_7z = pytest.mark.skipif(not shutil.which("7z"), reason="needs 7z (p7zip-full, scripts/install-deps.sh)")
ZIP_KINDS = ["zip", pytest.param("aes", marks=needs_7z)]


def subject(data: bytes, text: str) -> bytes:
    return data.replace(b"Subject: files", b"Subject: " + text.encode())


def virus_check(moat: Moat, subj: str) -> dict:
    """The virus check the message log recorded for the message with this Subject."""
    db = Path(moat.config["store"]["url"].removeprefix("sqlite:"))

    def row():
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT checks FROM message_log WHERE subject = ?", (subj,)).fetchone()
    checks = json.loads(wait_until(row, 10, what="the log row")[0])
    return next(c for c in checks if c["check"] in ("virus", "attachment"))


@pytest.mark.parametrize("kind", ZIP_KINDS)
def test_password_zip_opened_with_the_password_in_the_body(env, tmp_path, kind):
    moat, _, _ = env
    infected = protected(tmp_path, kind, {"invoice.txt": EICAR})
    assert send(moat, message(("invoice.zip", infected), text=PASSWORD_TEXT)) == (
        554, f"5.7.1 Message rejected: virus {EICAR_NAME} found")
    # Also when the password is only in the Subject.
    data = subject(message(("invoice.zip", infected)), "Invoice (Passwort: secret123)")
    assert send(moat, data)[0] == 554
    clean = protected(tmp_path, kind, {"notes.txt": b"just notes\n", "empty.txt": b""})
    subj = f"clean-{kind}-protected"
    assert send(moat, subject(message(("notes.zip", clean), text=PASSWORD_TEXT), subj)) == (250, "queued")
    check = virus_check(moat, subj)
    assert check["result"] == "pass"
    assert "encrypted archive notes.zip opened with a password found in the message" in check["detail"]


def test_password_zip_without_the_password_follows_block_encrypted(env, tmp_path):
    moat, _, _ = env
    infected = protected(tmp_path, "zip", {"invoice.txt": EICAR})
    subj = "no-password-in-body"
    data = subject(message(("invoice.zip", infected), text=NO_PASSWORD_TEXT), subj)
    assert send(moat, data) == (250, "queued")  # block_encrypted is off here
    check = virus_check(moat, subj)
    assert check["result"] == "pass"
    assert "encrypted archive invoice.zip not opened: no password in the message opens it" in check["detail"]

    with Backend("blockenc") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, block_encrypted="yes")
        write_signatures(scand, tmp_path)
        with moat, scand:
            assert send(moat, data) == (554, "5.7.1 Message rejected: attachment invoice.zip contains an "
                                             "encrypted file (invoice.txt); no password in the message opens it")
            check = virus_check(moat, subj)
            assert (check["check"], check["result"]) == ("attachment", "reject")
            # With the password in the body it is opened: the virus is named, a clean one passes
            # (ClamAV's encrypted-archive heuristic gives way once every encrypted archive was opened).
            assert send(moat, message(("invoice.zip", infected), text=PASSWORD_TEXT)) == (
                554, f"5.7.1 Message rejected: virus {EICAR_NAME} found")
            clean = protected(tmp_path, "zip", {"notes.txt": b"just notes\n"})
            assert send(moat, message(("notes.zip", clean), text=PASSWORD_TEXT)) == (250, "queued")
            # zip adds a second file with another password: the message's password opens only the first.
            mixed = tmp_path / "mixed"
            mixed.mkdir()
            (mixed / "notes.txt").write_bytes(b"just notes\n")
            (mixed / "eicar.txt").write_bytes(EICAR)
            subprocess.run(["zip", "-q", "-P", "secret123", "m.zip", "notes.txt"], cwd=mixed, check=True)
            subprocess.run(["zip", "-q", "-P", "other", "m.zip", "eicar.txt"], cwd=mixed, check=True)
            assert send(moat, message(("m.zip", (mixed / "m.zip").read_bytes()), text=PASSWORD_TEXT)) == (
                554, "5.7.1 Message rejected: attachment m.zip contains an encrypted file (eicar.txt); "
                     "no password in the message opens it")


def test_damaged_zip_passes_and_is_named_in_the_log(env, tmp_path):
    """A zip cut short: not refused for that (ClamAV's archive heuristics decide), but the log says
    it could not be read to the end, so what lies past the damage was not checked."""
    moat, _, _ = env
    work = tmp_path / "damaged"
    work.mkdir()
    (work / "a.txt").write_bytes(b"quarterly figures\n" * 300)
    (work / "b.txt").write_bytes(b"more\n")
    subprocess.run(["zip", "-q", "report.zip", "a.txt", "b.txt"], cwd=work, check=True)
    whole = (work / "report.zip").read_bytes()
    subj = "damaged-zip"
    data = subject(message(("report.zip", whole[: len(whole) // 2])), subj)
    assert send(moat, data) == (250, "queued")
    check = virus_check(moat, subj)
    assert check["result"] == "pass"
    assert "archive report.zip could not be read to the end (damaged or an unknown method)" in check["detail"]


@needs_7z
def test_password_7z_is_not_opened(env, tmp_path):
    """libarchive cannot decrypt 7z: with the password in the body it stays block_encrypted's choice."""
    moat, _, _ = env
    infected = protected(tmp_path, "7z", {"invoice.txt": EICAR})
    subj = "encrypted-7z"
    assert send(moat, subject(message(("invoice.7z", infected), text=PASSWORD_TEXT), subj)) == (250, "queued")
    check = virus_check(moat, subj)
    assert "encrypted archive invoice.7z not opened: its encryption cannot be opened" in check["detail"]


def test_no_signatures_tempfails(tmp_path):
    with Backend("nosig") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat)
        with moat, scand:
            code, text = send(moat, message(("a.txt", b"hello")))
            assert code == 451 and text.startswith("4.7.0 "), text
            # Signatures arriving are picked up without a restart.
            write_signatures(scand, tmp_path)
            wait_until(lambda: scand.signatures_loaded() >= 1, 20, what="signatures to load")
            assert send(moat, message(("a.txt", b"hello"))) == (250, "queued")
            assert send(moat, message(("e.txt", EICAR)))[0] == 554


def test_no_signatures_accept(tmp_path):
    with Backend("nosigok") as ours:
        moat = Moat(domains={"ours.test": ours.address})
        scand = Scand(moat, no_signatures="accept")
        with moat, scand:
            assert send(moat, message(("a.txt", b"hello"))) == (250, "queued")
            # The attachment policy still applies.
            assert send(moat, message(("x.zip", zipped(("setup.exe", b"x")))))[0] == 554


def test_scanner_down_tempfails_then_recovers(env):
    moat, ours, scand = env
    scand.stop()
    try:
        code, text = send(moat, message(("a.txt", b"scanner-down-marker")))
        assert code == 451 and text == "4.7.0 Virus scanner unavailable, try again later", text
    finally:
        scand.start()
    assert send(moat, message(("a.txt", b"a"), text="scanner-back-marker\n")) == (250, "queued")
    ours.wait_for(1, predicate=lambda m: b"scanner-back-marker" in m.data)


def test_scan_host_killed_is_replaced(env):
    moat, _, scand = env
    hosts = scand.hosts()
    assert hosts and scand.launcher() not in hosts
    for pid in hosts:
        os.kill(pid, signal.SIGKILL)
    code, text = send(moat, message(("a.txt", b"a")))
    assert code == 250 or (code == 451 and text.startswith("4.7.0 ")), (code, text)
    wait_until(lambda: send(moat, message(("a.txt", b"a"))) == (250, "queued"), 30, interval=0.5,
               what="a new scan host")
    assert send(moat, message(("e.txt", EICAR))) == (554, f"5.7.1 Message rejected: virus {EICAR_NAME} found")


def test_sighup_reloads(env):
    moat, _, scand = env
    loads = scand.signatures_loaded()
    scand.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: scand.signatures_loaded() > loads, 20, what="the reload on SIGHUP")
    assert send(moat, message(("e.txt", EICAR))) == (554, f"5.7.1 Message rejected: virus {EICAR_NAME} found")


def run_load(moat: Moat, sessions: int, stop: threading.Event, make_data, results: list, lock: threading.Lock):
    """sessions threads each sending one message per connection until stop is set."""
    def worker(n: int):
        i = 0
        while not stop.is_set():
            i += 1
            try:
                outcome = send(moat, make_data(n, i), timeout=60)
            except (smtplib.SMTPException, OSError) as e:
                outcome = (0, f"{type(e).__name__}: {e}")
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(sessions)]
    for t in threads:
        t.start()
    return threads


def test_reload_under_load(tmp_path):
    marker = b"MOAT-RELOAD-TEST-SAMPLE-" + os.urandom(16).hex().encode()
    removed = b"MOAT-REMOVED-SAMPLE-" + os.urandom(16).hex().encode()
    with Backend("reload") as ours:
        moat = Moat(domains={"ours.test": ours.address}, smtp={"max_sessions": "100"})
        scand = Scand(moat, workers="4")
        write_signatures(scand, tmp_path)
        (scand.local_dir / "old.hdb").write_text(hdb_line(removed, "Moat.Test.Removed-1", tmp_path))
        with moat, scand:
            assert send(moat, message(("r.bin", removed))) == (554, "5.7.1 Message rejected: virus "
                                                                     "Moat.Test.Removed-1 found")
            loads = scand.signatures_loaded()
            stop, lock, results = threading.Event(), threading.Lock(), []
            pdf = b"%PDF-1.4\n" + os.urandom(30000)
            threads = run_load(moat, 20, stop, lambda n, i: message((f"r{n}-{i}.pdf", pdf)), results, lock)
            try:
                time.sleep(2)
                # Add a signature, change one, remove one: one reload, while the sessions send.
                (scand.local_dir / "new.hdb").write_text(hdb_line(marker, "Moat.Test.Reload-1", tmp_path))
                (scand.sig_dir / "eicar.hdb").write_text(hdb_line(EICAR, "Win.Test.EICAR_HDB-2", tmp_path))
                (scand.local_dir / "old.hdb").unlink()
                wait_until(lambda: scand.signatures_loaded() > loads, 30, what="the signature reload")
                time.sleep(2)
            finally:
                stop.set()
                for t in threads:
                    t.join(90)
            failures = [r for r in results if r[0] != 250]
            print(f"reload under load: {len(results)} messages, {len(failures)} failed")
            assert len(results) >= 40, results
            assert not failures, f"{len(failures)} of {len(results)} failed: {failures[:5]}"
            assert send(moat, message(("n.bin", marker))) == (554, "5.7.1 Message rejected: virus "
                                                                   "Moat.Test.Reload-1 found")
            assert send(moat, message(("e.txt", EICAR))) == (554, "5.7.1 Message rejected: virus "
                                                                  "Win.Test.EICAR_HDB-2 found")
            assert send(moat, message(("r.bin", removed))) == (250, "queued")


def test_killed_scan_process_fails_only_its_message(tmp_path):
    with Backend("kill") as ours:
        moat = Moat(domains={"ours.test": ours.address}, smtp={"max_sessions": "100"})
        scand = Scand(moat, workers="4")
        write_signatures(scand, tmp_path)
        with moat, scand:
            stop, lock, results = threading.Event(), threading.Lock(), []
            # Large attachments keep each scan busy long enough to be caught.
            big = random_payload(3 << 20)
            threads = run_load(moat, 8, stop, lambda n, i: message((f"k{n}-{i}.bin", big)), results, lock)
            kills = 0
            deadline = time.monotonic() + 60
            try:
                while kills < 5 and time.monotonic() < deadline:
                    for pid in scand.children()[:1]:
                        try:
                            os.kill(pid, signal.SIGKILL)
                            kills += 1
                        except ProcessLookupError:
                            pass
                    time.sleep(0.3)
            finally:
                stop.set()
                for t in threads:
                    t.join(120)
            print(f"kills: {kills}, messages: {len(results)}, "
                  f"tempfailed: {sum(1 for r in results if r[0] == 451)}")
            assert kills >= 1
            assert scand.proc is not None and scand.proc.poll() is None, "moat-scand died"
            tempfailed = [r for r in results if r[0] == 451]
            others = [r for r in results if r[0] not in (250, 451)]
            assert not others, others[:5]
            assert len(tempfailed) <= kills, (kills, tempfailed)
            assert all(text.startswith("4.7.0 ") for _, text in tempfailed), tempfailed
            assert len(results) - len(tempfailed) >= 1
            # The scanner keeps serving.
            assert send(moat, message(("a.txt", b"after the kills"))) == (250, "queued")


def test_default_socket_without_moat_scand_is_not_a_refusal():
    """No [scan] socket in the INI and no moat-scand installed (no socket file at the default
    path): mail flows, recorded as not scanned. An explicitly configured socket is strict (above)."""
    default = "/run/moat/scand.sock"
    if os.path.exists(default):
        pytest.skip(f"a moat-scand listens at {default} on this machine")
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as moat:
        moat.stop()
        moat.config.pop("scan")
        moat.write_config()
        moat.start()
        assert send(moat, b"Subject: hello\n\n" + EICAR + b"\n")[0] == 250
        ours.wait_for(1)
        db = moat.config["store"]["url"].removeprefix("sqlite:")

        def logged():
            row = sqlite3.connect(db).execute("SELECT checks FROM message_log ORDER BY id DESC LIMIT 1").fetchone()
            return row and "moat-scand is not installed" in row[0]
        wait_until(logged, 10, interval=0.1, what="the message log row")
