"""The appliance image as a new user meets it (issue 13): firmware-build/build-image.sh builds the
disk, qemu boots it (TCG, user-mode networking with port forwards) with UEFI (OVMF) and with BIOS,
and it comes up serving: the SMTP banner on port 25, the first-run link on the serial console, the
console's login page over HTTPS, every moat unit active once the maintenance network is set, the
root file system read-only and the data partition mounted, the production defaults in the store,
the hostname from DHCP, and a message to a protected domain reaching a sink on the host (through
moat-smtpd, moat-scand with a signature database put on the data partition, and the queue);
then a reboot, after which the data (domain, settings, signatures, SSH host key) is still there
and mail still flows. Boot-to-banner times are printed (docs/benchmarks.md, issue 13).

The full test needs root, the Debian mirror, qemu-system-x86 and ovmf, and about 15-20 minutes
(image build about 5-10, each boot about 1-2 under TCG): it runs only with MOAT_IMAGE_TEST=1
(ctest -L image; see docs/image.md, "Testing"). MOAT_IMAGE_REUSE=1 boots the image an earlier run
left in BUILD_DIR/image-test instead of building it again. Without MOAT_IMAGE_TEST, only the light
part runs (CI): the image's own scripts parse, freshclam's configuration from the mirror setting,
and the hostname from a DHCP lease.
"""
import email.policy
import hashlib
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import BUILD_DIR, SOURCE_DIR, Backend, free_port, make_workdir, remove_workdir, wait_until  # noqa: E402

IMAGE_SCRIPTS = SOURCE_DIR / "firmware-build" / "image" / "overlay" / "usr" / "lib" / "moat" / "image"
FULL = os.environ.get("MOAT_IMAGE_TEST") == "1"
from debian_mirror import MIRROR, mirror_reachable  # noqa: E402
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
MOAT_UNITS = ("moat-smtpd", "moat-scand", "moat-webui", "moat-firewall", "moat-tarpit", "moat-sshwatch")
IMAGE_UNITS = ("moat-firstboot", "moat-growdata", "moat-hostname")
DEBIAN_SERVICES = ("unbound", "clamav-freshclam", "ssh", "chrony")
BANNER_BUDGET = float(os.environ.get("MOAT_BOOT_BUDGET", "300"))
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def run(*args, timeout=60, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)


# --------------------------------------------------------------------------------------------
# Light part (every run): the image's scripts
# --------------------------------------------------------------------------------------------


def test_image_scripts_parse():
    for script in sorted(IMAGE_SCRIPTS.glob("*.sh")) + [SOURCE_DIR / "firmware-build" / "build-image.sh"]:
        cp = run("sh" if script.parent == IMAGE_SCRIPTS else "bash", "-n", str(script))
        assert cp.returncode == 0, f"{script}: {cp.stderr}"


def freshclam_conf(tmp_path: Path, mirrors: str | None) -> str:
    base = tmp_path / "base"
    base.write_text("DatabaseOwner clamav\nUpdateLogFile /var/log/clamav/freshclam.log\n"
                    "NotifyClamd /etc/clamav/clamd.conf\nDatabaseDirectory /var/lib/clamav\n"
                    "DatabaseMirror db.local.clamav.net\nDatabaseMirror database.clamav.net\n")
    setting = tmp_path / "freshclam-mirrors"
    if mirrors is not None:
        setting.write_text(mirrors)
    out = tmp_path / "run" / "freshclam.conf"
    env = dict(os.environ, MOAT_FRESHCLAM_BASE=str(base), MOAT_FRESHCLAM_MIRRORS=str(setting),
               MOAT_FRESHCLAM_CONF=str(out))
    cp = run("sh", str(IMAGE_SCRIPTS / "write-freshclam-conf.sh"), env=env)
    assert cp.returncode == 0, cp.stderr
    return out.read_text()


def test_freshclam_mirror_setting(tmp_path):
    # No setting, or one with comments only: Debian's mirrors; never a log file or clamd.
    for mirrors in (None, "# freshclam's mirrors\n\n"):
        conf = freshclam_conf(tmp_path, mirrors)
        assert "DatabaseMirror db.local.clamav.net\nDatabaseMirror database.clamav.net\n" in conf
        assert "UpdateLogFile" not in conf and "NotifyClamd" not in conf
        assert "DatabaseOwner clamav\n" in conf and "DatabaseDirectory /var/lib/clamav\n" in conf
    # A bare name is a DatabaseMirror; whole lines are kept; malformed lines are dropped.
    conf = freshclam_conf(tmp_path, "# ours\n  clamav.example.net  \nPrivateMirror http://10.1.2.3/clamav # LAN\n"
                                    "DatabaseMirror second.example.net\nPrivateMirror\nnot a mirror line\n")
    mirror_lines = [line for line in conf.splitlines() if "Mirror" in line]
    assert mirror_lines == ["DatabaseMirror clamav.example.net", "PrivateMirror http://10.1.2.3/clamav",
                            "DatabaseMirror second.example.net"]


def hostname_from(tmp_path: Path, lease: str | None) -> str:
    leases = tmp_path / "leases"
    leases.mkdir(exist_ok=True)
    for f in leases.iterdir():
        f.unlink()
    if lease is not None:
        (leases / "2").write_text(lease)
    # In a UTS namespace of its own: the host's name stays as it is.
    cp = run("unshare", "--uts", "sh", "-c", f"hostname moat && sh {IMAGE_SCRIPTS / 'set-hostname.sh'} && hostname",
             env=dict(os.environ, MOAT_LEASES_DIR=str(leases)))
    assert cp.returncode == 0, cp.stderr
    return cp.stdout.splitlines()[-1]


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root (a UTS namespace)")
def test_hostname_from_dhcp_lease(tmp_path):
    assert hostname_from(tmp_path, "ADDRESS=10.0.2.15\nHOSTNAME=gw1.example.net\n") == "gw1.example.net"
    assert hostname_from(tmp_path, "ADDRESS=10.0.2.15\n") == "moat"
    assert hostname_from(tmp_path, None) == "moat"
    for bad in ("-bad", "a b", "x;reboot", "under_score", "a" * 64):
        assert hostname_from(tmp_path, f"HOSTNAME={bad}\n") == "moat", bad


# --------------------------------------------------------------------------------------------
# Full part (MOAT_IMAGE_TEST=1): build, boot with UEFI and BIOS, mail, reboot
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def image():
    """The image (qcow2) and the SSH key that may log in as root, built once for the module."""
    if not FULL:
        pytest.skip("the full image test runs with MOAT_IMAGE_TEST=1 (ctest -L image)")
    if os.geteuid() != 0:
        pytest.skip("building the image needs root (loop devices, mounts)")
    for tool in ("mmdebstrap", "qemu-system-x86_64", "qemu-img", "mcopy", "grub-mkimage", "ssh"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not installed (docs/image.md)")
    out = BUILD_DIR / "image-test"
    key = out / "test-key"
    qcow2 = out / "moat.qcow2"
    if os.environ.get("MOAT_IMAGE_REUSE") == "1" and qcow2.is_file() and key.is_file():
        return qcow2, key
    if not mirror_reachable():
        pytest.skip(f"Debian mirror {MIRROR} not reachable")
    out.mkdir(parents=True, exist_ok=True)
    for f in (key, key.with_suffix(".pub")):
        f.unlink(missing_ok=True)
    assert run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)).returncode == 0
    started = time.monotonic()
    cp = run(str(SOURCE_DIR / "firmware-build" / "build-image.sh"), str(out), timeout=2400,
             env=dict(os.environ, MOAT_BUILD_DIR=str(BUILD_DIR), MOAT_IMAGE_AUTHORIZED_KEYS=str(key) + ".pub"))
    assert cp.returncode == 0, cp.stdout[-3000:] + cp.stderr[-5000:]
    print(f"image built in {time.monotonic() - started:.0f} s:\n{cp.stdout[-1500:]}")
    (out / "moat.raw").unlink(missing_ok=True)  # the qcow2 is what is booted
    return qcow2, key


class Machine:
    """One qemu (TCG) of the image: -snapshot (the image file stays as built; a reboot inside the
    same qemu keeps what was written), user-mode networking with the DHCP server naming the
    machine, SMTP, HTTPS and SSH forwarded to free loopback ports, the serial console to a file."""

    def __init__(self, qcow2: Path, key: Path, firmware: str, workdir: Path, hostname: str):
        self.key, self.firmware, self.workdir = key, firmware, workdir
        self.smtp, self.https, self.ssh_port = free_port(), free_port(), free_port()
        self.serial = workdir / f"serial-{firmware}.log"
        fw = []
        if firmware == "uefi":
            shutil.copy(OVMF_VARS, workdir / "vars.fd")
            fw = ["-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                  "-drive", f"if=pflash,format=raw,file={workdir / 'vars.fd'}"]
        netdev = (f"user,id=n0,hostname={hostname},hostfwd=tcp:127.0.0.1:{self.smtp}-:25,"
                  f"hostfwd=tcp:127.0.0.1:{self.https}-:443,hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", os.environ.get("MOAT_QEMU_MEMORY", "2048"),
             "-smp", "2", *fw, "-drive", f"file={qcow2},if=virtio,snapshot=on",
             "-netdev", netdev, "-device", "virtio-net-pci,netdev=n0",
             "-display", "none", "-serial", f"file:{self.serial}", "-monitor", "none"],
            stdout=subprocess.DEVNULL, stderr=open(workdir / f"qemu-{firmware}.log", "wb"))

    def console(self) -> str:
        try:
            return self.serial.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def banner(self) -> str | None:
        assert self.proc.poll() is None, "qemu exited:\n" + self.console()[-3000:]
        try:
            with socket.create_connection(("127.0.0.1", self.smtp), timeout=5) as s:
                s.settimeout(5)
                line = s.recv(512).decode("ascii", "replace")
                return line.strip() if line.startswith("220 ") else None
        except OSError:
            return None

    def wait_banner(self, since: float) -> tuple[str, float]:
        try:
            banner = wait_until(self.banner, BANNER_BUDGET - (time.monotonic() - since), interval=1,
                                what=f"the SMTP banner ({self.firmware})")
        except TimeoutError:
            raise AssertionError(f"no SMTP banner within {BANNER_BUDGET:.0f} s ({self.firmware}); serial console:\n"
                                 + self.console()[-4000:])
        return banner, time.monotonic() - since

    def sh(self, command: str, check: bool = True, timeout: float = 60) -> str:
        cp = run("ssh", "-i", str(self.key), "-p", str(self.ssh_port), "-o", "StrictHostKeyChecking=no",
                 "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20",
                 "-o", "BatchMode=yes", "root@127.0.0.1", command, timeout=timeout)
        if check:
            assert cp.returncode == 0, f"{command}: {cp.returncode}\n{cp.stdout}{cp.stderr}"
        return cp.stdout

    def wait_ssh(self, timeout: float = 120) -> None:
        def ok():
            try:
                return self.sh("true", check=False, timeout=30) == "" and \
                    self.sh("echo up", check=False, timeout=30).strip() == "up"
            except subprocess.TimeoutExpired:
                return False
        wait_until(ok, timeout, interval=2, what=f"SSH ({self.firmware})")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def https_get(port: int, path: str = "/") -> tuple[int, str]:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(f"https://127.0.0.1:{port}{path}", context=ctx, timeout=30) as resp:
        return resp.status, resp.read().decode("utf-8", "replace")


def send(machine: Machine, rcpt: str, body: bytes) -> None:
    """One message over the forwarded port 25: null sender (the sender-domain check has nothing
    to look up without the internet), a well-formed HELO name (helo.action is reject)."""
    with smtplib.SMTP("127.0.0.1", machine.smtp, local_hostname="client.example.org", timeout=60) as smtp:
        smtp.sendmail("<>", [rcpt], body)


def message(subject: str, attachment: bytes | None = None) -> bytes:
    m = MIMEMultipart()
    m["From"] = "tester@example.org"
    m["To"] = "user@protected.test"
    m["Subject"] = subject
    m["Message-ID"] = f"<{subject.replace(' ', '-')}@example.org>"
    m.attach(MIMEText("Hello from the image test.\n"))
    if attachment is not None:
        part = MIMEApplication(attachment, Name="test.txt")
        part["Content-Disposition"] = 'attachment; filename="test.txt"'
        m.attach(part)
    return m.as_bytes(policy=email.policy.SMTP)  # CRLF line ends


@pytest.mark.parametrize("firmware", ["uefi", "bios"])
def test_image_boots_serves_mail_and_keeps_data(image, firmware):
    qcow2, key = image
    if firmware == "uefi" and not (OVMF_CODE.is_file() and OVMF_VARS.is_file()):
        pytest.skip("ovmf not installed")
    workdir = make_workdir(f"image-{firmware}")
    machine = Machine(qcow2, key, firmware, workdir, hostname=f"gw-{firmware}")
    try:
        with Backend("image") as sink:
            banner, seconds = machine.wait_banner(machine.started)
            print(f"{firmware}: SMTP banner {seconds:.0f} s after power-on: {banner}")

            # The first-run link and the console's address on the serial console, the login page.
            wait_until(lambda: "#/first-run/" in machine.console(), 300, interval=2,
                       what="the first-run link on the serial console")
            assert "Console: https://10.0.2.15/" in machine.console()
            first_run = [ln for ln in machine.console().splitlines() if "First run (one time): https://10.0.2.15/#/first-run/" in ln]
            assert first_run, machine.console()[-2000:]
            status, page = https_get(machine.https)
            assert status == 200 and "<html" in page.lower(), page[:300]

            # Inside: read-only root, data partition, hostname from DHCP, production defaults.
            machine.wait_ssh()
            assert "ro" in machine.sh("findmnt -no OPTIONS /").strip().split(","), machine.sh("findmnt /")
            assert machine.sh("findmnt -no SOURCE,FSTYPE /data").split() == ["/dev/vda5", "ext4"]
            assert machine.sh("findmnt -no SOURCE -T /var/lib/moat/moat.db").strip().endswith("[/moat]")
            # moat.ini on the data partition, writable by root on the running box.
            assert machine.sh("findmnt -no SOURCE -T /etc/moat/moat.ini").strip().endswith("[/config/moat]")
            machine.sh("touch /etc/moat/moat.ini")
            assert machine.sh("touch /usr/x 2>&1 || echo refused").strip().endswith("refused")
            assert machine.sh("hostname").strip() == f"gw-{firmware}"
            settings = machine.sh("moatctl setting show")
            for line in ("rdns.action score (global)", "fcrdns.action score (global)",
                         "helo.action reject (global)", "sender_domain.action reject (global)"):
                assert line in settings, settings
            ini = machine.sh("cat /etc/moat/moat.ini")
            assert "socket = /run/moat/scand.sock\nno_signatures = tempfail\n" in ini
            assert "DatabaseMirror" in machine.sh("cat /etc/clamav/freshclam.conf")

            # The administrator's first steps from the shell: the maintenance network (so that
            # moat-firewall takes over), the protected domain with the host's sink as its
            # backend, and a signature database (freshclam cannot reach the internet here).
            machine.sh("moatctl setting set firewall.maintenance_networks 10.0.2.0/24")
            machine.sh(f"moatctl domain add protected.test --backend 10.0.2.2:{sink.port}")
            hdb = f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Moat-Image-Test-EICAR\n"
            machine.sh(f"printf '%s' '{hdb}' > /var/lib/clamav/moat-image-test.hdb")
            wait_until(lambda: all(machine.sh(f"systemctl is-active {u}", check=False).strip() == "active"
                                   for u in MOAT_UNITS), 120, interval=3, what="every moat unit active")
            for unit in DEBIAN_SERVICES:
                assert machine.sh(f"systemctl is-active {unit}", check=False).strip() == "active", unit
            failed = machine.sh("systemctl --failed --no-legend --plain", check=False)
            assert not any(u in failed for u in MOAT_UNITS + IMAGE_UNITS), failed
            # (No nft in the image: moat-firewall's own word that its table is in the kernel and
            # that it listens for reports; still active a while later.)
            wait_until(lambda: "firewall: listening on" in machine.sh("journalctl -b -u moat-firewall -o cat"), 60,
                       interval=3, what="moat-firewall to listen")
            assert "firewall: ruleset applied" in machine.sh("journalctl -b -u moat-firewall -o cat")
            time.sleep(5)
            assert machine.sh("systemctl is-active moat-firewall", check=False).strip() == "active"
            time.sleep(3)  # moat-scand's signature watcher picks up the database

            send(machine, "user@protected.test", message(f"image test {firmware}"))
            got = sink.wait_for(1, timeout=120)
            assert got[0].message_id == f"<image-test-{firmware}@example.org>"
            with pytest.raises(smtplib.SMTPDataError) as refused:
                send(machine, "user@protected.test", message("eicar", EICAR))
            assert refused.value.smtp_code == 554 and b"Moat-Image-Test-EICAR" in refused.value.smtp_error, refused.value
            host_key = machine.sh("ssh-keygen -lf /data/ssh/ssh_host_ed25519_key.pub")

            # A reboot inside the same qemu: what was written stays (the -snapshot overlay lives
            # as long as qemu does), so the data partition's contents must survive it.
            mark = len(machine.console())
            rebooted = time.monotonic()
            machine.sh("systemctl reboot", check=False, timeout=30)
            wait_until(lambda: "Restarting system" in machine.console()[mark:], 300, interval=1,
                       what="the shutdown")
            down = time.monotonic() - rebooted
            banner, seconds = machine.wait_banner(rebooted)
            print(f"{firmware}: reboot: shut down in {down:.0f} s, SMTP banner {seconds:.0f} s after systemctl reboot")
            machine.wait_ssh()
            assert "protected.test" in machine.sh("moatctl domain list")
            assert "10.0.2.0/24" in machine.sh("moatctl setting show")
            assert machine.sh("ssh-keygen -lf /data/ssh/ssh_host_ed25519_key.pub") == host_key
            assert machine.sh("cat /var/lib/clamav/moat-image-test.hdb") == hdb
            # An administrator does not exist yet, so a new first-run link is offered again.
            wait_until(lambda: all(machine.sh(f"systemctl is-active {u}", check=False).strip() == "active"
                                   for u in MOAT_UNITS), 120, interval=3, what="every moat unit active after the reboot")
            send(machine, "user@protected.test", message(f"after reboot {firmware}"))
            sink.wait_for(2, timeout=120)
    finally:
        machine.stop()
        remove_workdir(workdir)
