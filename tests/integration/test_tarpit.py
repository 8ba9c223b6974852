"""moat-tarpit (issue 12): clients connecting to it get a greeting that never ends — "220-" lines at
the configured interval and never a final "220 " — and nothing they send is read; it holds many at
once, lets the oldest go beyond tarpit_max, and refuses to start without a tarpit port."""
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import BUILD_DIR, LOCALHOST, free_port, make_workdir, port_open, remove_workdir, wait_until  # noqa: E402

TARPIT = BUILD_DIR / "services" / "moat-tarpit"


def start(work: Path, port: int, max_clients: int = 1000):
    config = work / "moat.ini"
    config.write_text(f"[firewall]\ntarpit_port = {port}\ntarpit_interval = 1\ntarpit_max = {max_clients}\n"
                      "[log]\nlevel = info\n")
    proc = subprocess.Popen([str(TARPIT), "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until(lambda: port_open(LOCALHOST, port), 10, what="moat-tarpit listening")
    return proc


def test_held_clients_never_get_a_final_greeting():
    work = make_workdir("tarpit")
    port = free_port()
    proc = start(work, port)
    try:
        clients = [socket.create_connection((LOCALHOST, port), timeout=5) for _ in range(200)]
        for c in clients[:3]:
            c.sendall(b"EHLO bot\r\nMAIL FROM:<x@y>\r\n")  # never read, never answered
        time.sleep(2.5)
        data = clients[0].recv(4096)
        assert data.startswith(b"220-"), data
        assert b"220 " not in data and b"250" not in data
        for c in clients[1:]:
            assert c.recv(4096).startswith(b"220-")
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(10)
        remove_workdir(work)


def test_beyond_its_limit_the_oldest_client_goes():
    work = make_workdir("tarpit")
    port = free_port()
    proc = start(work, port, max_clients=5)
    try:
        clients = [socket.create_connection((LOCALHOST, port), timeout=5) for _ in range(5)]
        time.sleep(0.3)
        newer = socket.create_connection((LOCALHOST, port), timeout=5)
        oldest = clients[0]
        oldest.settimeout(5)
        got = b""
        deadline = time.time() + 5
        while time.time() < deadline:
            chunk = oldest.recv(4096)
            if not chunk:
                break
            got += chunk
        else:
            raise AssertionError("the oldest client was not let go")
        newer.settimeout(3)
        assert newer.recv(4096).startswith(b"220-")
    finally:
        proc.terminate()
        proc.wait(10)
        remove_workdir(work)


def test_refuses_to_start_without_a_tarpit_port():
    work = make_workdir("tarpit")
    try:
        config = work / "moat.ini"
        config.write_text("[log]\nlevel = info\n")
        cp = subprocess.run([str(TARPIT), "--config", str(config)], capture_output=True, text=True, timeout=20)
        assert cp.returncode != 0 and "tarpit_port" in cp.stdout + cp.stderr
    finally:
        remove_workdir(work)
