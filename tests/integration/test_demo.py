"""The demo as a newcomer meets it (issue 10): scripts/demo-setup.sh configures the demo, and the
README's swaks commands do what the README says. Loopback is not a relay network, so GTUBE sent
from 127.0.0.1 is refused and ordinary mail is delivered to the demo backend; outbound mail comes
from the demo's one relay network, 127.0.0.2/32 (swaks --local-interface 127.0.0.2), and only
from there may it go to other domains. The demo runs on free ports in a temporary directory.
"""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import (BUILD_DIR, LOCALHOST, MOATCTL, SMTPD, SOURCE_DIR, Backend, free_port,  # noqa: E402
                  make_workdir, remove_workdir, wait_until)

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


@pytest.fixture(scope="module")
def demo():
    workdir = make_workdir("demo")
    port = free_port()
    with Backend("demo") as backend:
        env = dict(os.environ, MOAT_DEMO_DIR=str(workdir), MOAT_BUILD_DIR=str(BUILD_DIR),
                   MOAT_DEMO_SMTP=f"{LOCALHOST}:{port}", MOAT_DEMO_BACKEND=backend.address,
                   MOAT_DEMO_WEB=f"{LOCALHOST}:{free_port()}")
        subprocess.run([str(SOURCE_DIR / "scripts" / "demo-setup.sh")], env=env, check=True, timeout=60)
        config = workdir / "moat.ini"
        log = open(workdir / "smtpd.log", "wb")
        proc = subprocess.Popen([str(SMTPD), "--config", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until(lambda: proc.poll() is not None or b"smtpd: listening on " in
                       (workdir / "smtpd.log").read_bytes(), 20, what="moat-smtpd to listen")
            assert proc.poll() is None, (workdir / "smtpd.log").read_text()
            yield {"port": port, "config": config, "backend": backend, "env": env}
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
            remove_workdir(workdir)


def swaks(demo, *args: str) -> str:
    cp = subprocess.run(["swaks", "--server", f"{LOCALHOST}:{demo['port']}", "--helo", "client.example",
                         "--timeout", "20", *args], capture_output=True, text=True, timeout=60)
    return cp.stdout + cp.stderr


def test_loopback_is_not_a_relay_network(demo):
    nets = subprocess.run([str(MOATCTL), "--config", str(demo["config"]), "relaynet", "list"],
                          capture_output=True, text=True, check=True).stdout
    cidrs = [line.split()[0] for line in nets.splitlines()[1:] if line.strip()]
    assert cidrs == ["127.0.0.2/32"], nets


def test_gtube_from_loopback_is_refused(demo):
    out = swaks(demo, "--to", "user@demo.test", "--body", GTUBE)
    assert re.search(r"<\*\* +550 5\.7\.1 Message rejected as spam", out), out


def test_ordinary_mail_from_loopback_is_delivered(demo):
    out = swaks(demo, "--to", "user@demo.test", "--header", "Subject: demo hello")
    assert re.search(r"<- +250 2\.0\.0 Ok: queued as", out), out
    demo["backend"].wait_for(1, timeout=20, predicate=lambda m: m.header("Subject") == "demo hello")


def test_outbound_comes_from_the_relay_network(demo):
    out = swaks(demo, "--local-interface", "127.0.0.2", "--from", "user@demo.test",
                "--to", "someone@example.net", "--quit-after", "RCPT")
    assert re.search(r"-> RCPT TO:<someone@example.net>\n<- +250 2\.1\.5", out), out
    out = swaks(demo, "--from", "user@demo.test", "--to", "someone@example.net", "--quit-after", "RCPT")
    assert re.search(r"<\*\* +554 5\.7\.1 .*Relay access denied", out), out
