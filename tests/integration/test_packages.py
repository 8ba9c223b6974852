"""The Debian packages as an administrator meets them (issue 13): firmware-build/build-packages.sh
builds moat, moat-scand and moat-webui (lintian clean of errors), mmdebstrap installs them with
their dependencies from Debian's mirror into a throw-away bookworm root, and the root then has
the system users, the directories with their owners and modes, the files and the enabled units
(moat-firewall, moat-tarpit and moat-sshwatch with the moat package);
every library resolves, and the installed moat-smtpd and moat-webui, run as their own users with
the units' umask, answer SMTP and HTTPS (the console's TLS works without libssl-dev). Then, if
systemd-nspawn is installed (package systemd-container), the root boots with systemd as PID 1:
every moat unit is active with its sandbox in force (seccomp, no new privileges, capabilities,
moat-scand's user namespace), a message to a protected domain reaches a sink on the host through
moat-smtpd and moat-scand (whose attachment policy refuses an .exe), the console answers, and
moat-retrain.service runs to completion. This is the check that the hardened units really run.

Needs root (mmdebstrap, chroot) and the Debian mirror (MOAT_DEBIAN_MIRROR, default
http://deb.debian.org/debian); skipped without either. About 4 minutes cold, 1-2 with the apt
cache it keeps in the build directory (package-test-apt-cache) and the boot; ctest label "packages".
"""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import (BUILD_DIR, SOURCE_DIR, Backend, free_port, make_workdir, remove_workdir,  # noqa: E402
                  wait_until)

from debian_mirror import MIRROR, mirror_reachable  # noqa: E402
PACKAGES = ("moat", "moat-scand", "moat-webui")
PROGRAMS = ("moat-smtpd", "moat-scand", "moat-webui", "moatctl", "moat-firewall", "moat-tarpit", "moat-sshwatch")


def run(*args, timeout=60, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture(scope="module")
def root():
    if os.geteuid() != 0:
        pytest.skip("installing into a bookworm root needs root (mmdebstrap, chroot)")
    if not shutil.which("mmdebstrap"):
        pytest.skip("mmdebstrap not installed (apt-get install mmdebstrap)")
    if not mirror_reachable():
        pytest.skip(f"Debian mirror {MIRROR} not reachable")
    workdir = make_workdir("packages")
    out = workdir / "debs"
    cp = run(str(SOURCE_DIR / "firmware-build" / "build-packages.sh"), str(BUILD_DIR), str(out), timeout=900)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    debs = [next(out.glob(f"{p}_*.deb")) for p in PACKAGES]
    cache = BUILD_DIR / "package-test-apt-cache"
    cache.mkdir(exist_ok=True)
    target = workdir / "root"
    inside = " ".join(f"/tmp/moat-debs/{d.name}" for d in debs)
    cp = run("mmdebstrap", "--variant=apt", "--skip=download/empty", "--dpkgopt=force-unsafe-io",
             "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives",
             f"--setup-hook=sync-in {cache} /var/cache/apt/archives",
             "--customize-hook=mkdir -p \"$1\"/tmp/moat-debs",
             "--customize-hook=copy-in " + " ".join(str(d) for d in debs) + " /tmp/moat-debs",
             "--customize-hook=chroot \"$1\" env DEBIAN_FRONTEND=noninteractive "
             f"apt-get install -y --no-install-recommends {inside}",
             f"--customize-hook=sync-out /var/cache/apt/archives {cache}",
             "bookworm", str(target), MIRROR, timeout=1200)
    assert cp.returncode == 0, cp.stderr[-4000:]
    try:
        yield target
    finally:
        remove_workdir(workdir)


def chroot(root: Path, *args, **kw):
    return run("chroot", str(root), *args, **kw)


def test_users_each_daemon_its_own_in_group_moat(root):
    for user in ("moat", "moat-scan", "moat-web"):
        cp = chroot(root, "id", user)
        assert cp.returncode == 0, f"user {user} missing"
        assert "(moat)" in cp.stdout.split("groups=")[1], cp.stdout
    assert chroot(root, "getent", "passwd", "moat").stdout.rstrip().endswith("/usr/sbin/nologin")


def test_files_directories_and_modes(root):
    for prog in PROGRAMS:
        assert os.access(root / "usr/sbin" / prog, os.X_OK), prog
    for f in ("etc/moat/moat.ini", "usr/share/moat/webui/index.html", "usr/lib/moat/openssl-compat/libssl.so",
              "usr/lib/sysusers.d/moat.conf", "usr/lib/tmpfiles.d/moat.conf", "usr/share/doc/moat/gateway.md",
              "usr/share/doc/moat-scand/copyright", "usr/share/doc/moat-webui/changelog.gz"):
        assert (root / f).is_file(), f
    assert (root / "usr/lib/moat/openssl-compat/libcrypto.so").resolve().is_file()
    stat = chroot(root, "stat", "-c", "%n %U:%G %a", "/var/lib/moat", "/var/lib/moat/moat.db",
                  "/var/lib/moat/archive", "/var/spool/moat", "/var/spool/moat/tls").stdout.split("\n")
    assert stat[:5] == ["/var/lib/moat moat:moat 770", "/var/lib/moat/moat.db moat:moat 660",
                        "/var/lib/moat/archive moat:moat 750", "/var/spool/moat moat:moat 750",
                        "/var/spool/moat/tls moat:moat 770"]
    conffiles = chroot(root, "dpkg-query", "-W", "-f=${Conffiles}", "moat").stdout
    assert "/etc/moat/moat.ini" in conffiles


SERVICES = ("moat-smtpd", "moat-scand", "moat-webui", "moat-firewall", "moat-tarpit", "moat-sshwatch")


def test_units_installed_and_enabled(root):
    for unit in [f"{s}.service" for s in SERVICES] + ["moat-retrain.service", "moat-retrain.timer"]:
        assert (root / "lib/systemd/system" / unit).is_file(), unit
    wants = root / "etc/systemd/system"
    for link in [f"multi-user.target.wants/{s}.service" for s in SERVICES] + ["timers.target.wants/moat-retrain.timer"]:
        assert (wants / link).is_symlink(), link
        assert os.readlink(wants / link).endswith("/" + link.split("/")[1]), link
    # The firewall, tarpit and SSH watch belong to the moat package, with its users and a tarpit port.
    files = chroot(root, "dpkg-query", "-L", "moat").stdout.split()
    for unit in ("moat-firewall.service", "moat-tarpit.service", "moat-sshwatch.service"):
        assert f"/lib/systemd/system/{unit}" in files, unit
    for user in ("moat-fw", "moat-sshwatch"):
        assert chroot(root, "id", user).returncode == 0, f"user {user} missing"
    assert "\ntarpit_port = 2526\n" in (root / "etc/moat/moat.ini").read_text()


def test_every_library_resolves(root):
    for prog in PROGRAMS:
        cp = chroot(root, "ldd", f"/usr/sbin/{prog}")
        assert cp.returncode == 0 and "not found" not in cp.stdout, cp.stdout
    assert not (root / "usr/lib/x86_64-linux-gnu/libssl.so").exists(), "libssl-dev should not be needed"


def test_installed_gateway_and_console_answer(root):
    """The units' user, group and umask (0007) without systemd: setpriv in the chroot."""
    smtp_port, web_port = free_port(), free_port()
    (root / "tmp/test.ini").write_text(
        f"[smtp]\nlisten = 127.0.0.1:{smtp_port}\nhostname = mx.packages.test\n[scan]\nsocket =\n"
        f"[web]\nlisten = 127.0.0.1:{web_port}\n[dns]\nservers = 127.0.0.1:53\n")
    procs, mounts = [], []
    try:
        for fs in ("proc", "dev"):
            subprocess.run(["mount", "--bind", f"/{fs}", str(root / fs)], check=True)
            mounts.append(root / fs)
        for user, prog in (("moat", "moat-smtpd"), ("moat-web", "moat-webui")):
            log = open(root / f"tmp/{prog}.log", "wb")
            procs.append(subprocess.Popen(
                ["chroot", str(root), "sh", "-c", f"umask 0007; exec setpriv --reuid={user} --regid=moat "
                 f"--init-groups /usr/sbin/{prog} --config /tmp/test.ini"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
            log.close()
            wait_until(lambda: procs[-1].poll() is not None or b"listening on" in
                       (root / f"tmp/{prog}.log").read_bytes(), 30, what=f"{prog} to listen")
            assert procs[-1].poll() is None, (root / f"tmp/{prog}.log").read_text()
        with socket.create_connection(("127.0.0.1", smtp_port), timeout=10) as s:
            assert s.recv(512).startswith(b"220 mx.packages.test ")
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(f"https://127.0.0.1:{web_port}/", context=ctx, timeout=10) as resp:
            assert resp.status == 200
        assert b"first-run" in (root / "tmp/moat-webui.log").read_bytes()
    finally:
        for p in procs:
            os.killpg(p.pid, 15)
            p.wait(timeout=15)
        for m in reversed(mounts):
            subprocess.run(["umount", "-l", str(m)])
        for f in ("var/lib/moat/moat.db-wal", "var/lib/moat/moat.db-shm", "var/lib/moat/moat.db.smtpd.lock"):
            (root / f).unlink(missing_ok=True)
        (root / "var/lib/moat/moat.db").write_bytes(b"")  # as tmpfiles left it, for the boot below


def in_container(leader: int, *args, timeout=60):
    return run("nsenter", "-t", str(leader), "-a", *args, timeout=timeout)


def test_units_run_under_systemd(root):
    """Boots the root with systemd-nspawn (host network) and checks the units as systemd runs them."""
    if not shutil.which("systemd-nspawn"):
        pytest.skip("systemd-nspawn not installed (apt-get install systemd-container)")
    smtp_port, web_port = free_port(), free_port()
    ini = root / "etc/moat/moat.ini"
    text = ini.read_text().replace("listen = 0.0.0.0:25", f"listen = 127.0.0.1:{smtp_port}")
    text = text.replace("listen = 0.0.0.0:443", f"listen = 127.0.0.1:{web_port}")
    text = text.replace("tarpit_port = 2526", f"tarpit_port = {free_port()}")  # the host's network, shared
    # No signatures in a fresh root (freshclam has not run): pass mail with the attachment policy only.
    text = text.replace("status_file = /run/moat/scand.status", "status_file = /run/moat/scand.status\n"
                        "no_signatures = accept")
    ini.write_text(text)
    # The container shares the host's network: moat-firewall (enabled, as checked above) would put
    # its ruleset on the host's, so it stays out of this boot; tests/integration/test_firewall.py
    # runs it in a network namespace of its own.
    assert chroot(root, "systemctl", "mask", "moat-firewall.service").returncode == 0
    log = open(root.parent / "nspawn.log", "wb")
    nspawn = subprocess.Popen(["systemd-nspawn", "-D", str(root), "-b", "--register=no", "--keep-unit",
                               "-M", "moat-packages-test", "--console=passive"],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    try:
        def leader():
            if nspawn.poll() is not None:
                raise AssertionError((root.parent / "nspawn.log").read_text())
            kids = run("pgrep", "-P", str(nspawn.pid), "-x", "systemd").stdout.split()
            return int(kids[0]) if kids else None
        pid1 = wait_until(leader, 30, what="the container's systemd")
        wait_until(lambda: in_container(pid1, "systemctl", "is-system-running").stdout.strip()
                   in ("running", "degraded"), 120, interval=1, what="the container to boot")
        units = ("moat-smtpd.service", "moat-scand.service", "moat-webui.service", "moat-retrain.timer",
                 "moat-tarpit.service", "moat-sshwatch.service")
        wait_until(lambda: all(in_container(pid1, "systemctl", "is-active", u).stdout.strip() == "active"
                               for u in units), 30, interval=1, what="the moat units to be active")
        for unit in ("moat-smtpd", "moat-scand", "moat-webui"):
            pid = in_container(pid1, "systemctl", "show", "-P", "MainPID", unit).stdout.strip()
            status = in_container(pid1, "cat", f"/proc/{pid}/status").stdout
            assert "\nNoNewPrivs:\t1" in status and "\nSeccomp:\t2" in status, f"{unit}: {status}"
            caps = "0000000000000000" if unit == "moat-scand" else "0000000000000400"  # CAP_NET_BIND_SERVICE
            assert f"\nCapBnd:\t{caps}" in status, f"{unit}: {status}"
        scand = in_container(pid1, "systemctl", "show", "-P", "MainPID", "moat-scand").stdout.strip()
        assert "4294967295" not in in_container(pid1, "cat", f"/proc/{scand}/uid_map").stdout, "no user namespace"

        with Backend("packages") as backend:
            cp = in_container(pid1, "runuser", "-u", "moat", "--", "moatctl", "--config", "/etc/moat/moat.ini",
                              "domain", "add", "packages.test", "--backend", backend.address)
            assert cp.returncode == 0, cp.stdout + cp.stderr

            def swaks(*extra):
                return run("swaks", "--server", f"127.0.0.1:{smtp_port}", "--helo", "client.example",
                           "--from", "sender@example.org", "--to", "user@packages.test", "--timeout", "30",
                           *extra, timeout=90).stdout
            wait_until(lambda: "250 2.0.0" in swaks("--header", "Subject: through the units"), 30, interval=2,
                       what="moat-smtpd to accept for packages.test (policy reload)")
            backend.wait_for(1, timeout=60)
            exe = root.parent / "payload.exe"
            exe.write_bytes(b"MZ not really a program\n")
            out = swaks("--attach", f"@{exe}")
            assert "\n<** 5" in out and "exe" in out.lower(), out
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(f"https://127.0.0.1:{web_port}/", context=ctx, timeout=10) as resp:
            assert resp.status == 200
        cp = in_container(pid1, "systemctl", "start", "moat-retrain.service", timeout=120)
        assert cp.returncode == 0, cp.stdout + cp.stderr + in_container(
            pid1, "journalctl", "--no-pager", "-u", "moat-retrain").stdout
    finally:
        os.killpg(nspawn.pid, 15)
        try:
            nspawn.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(nspawn.pid, 9)
            nspawn.wait()
