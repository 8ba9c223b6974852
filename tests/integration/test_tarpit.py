"""moat-tarpit (issue 12) answers a held client as OpenBSD spamd answers a blacklisted one: a greeting
and replies sent one byte per tarpit_stutter_ms, 250 to HELO/EHLO/MAIL/RCPT, then 451 at DATA (421 at
QUIT, or once tarpit_hold is over) and the connection closes; every held client is logged with how
long it was held and the bytes it sent. Checked with a real SMTP client (smtplib) and raw sockets: the
pace of the bytes, the final replies, many clients at once, a line that never ends (bounded), beyond
tarpit_max a new client refused while the held ones stay, and no start without a tarpit port."""
import re
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import BUILD_DIR, LOCALHOST, free_port, make_workdir, remove_workdir, wait_until  # noqa: E402

TARPIT = BUILD_DIR / "services" / "moat-tarpit"
GREETING = b"220 mx.tarpit.test ESMTP\r\n"


class Tarpit:
    def __init__(self, stutter_ms: int = 10, hold: int = 60, max_clients: int = 1000):
        self.work = make_workdir("tarpit")
        self.port = free_port()
        self.log = self.work / "tarpit.log"
        config = self.work / "moat.ini"
        config.write_text(f"[smtp]\nhostname = mx.tarpit.test\n[firewall]\ntarpit_port = {self.port}\n"
                          f"tarpit_stutter_ms = {stutter_ms}\ntarpit_hold = {hold}\ntarpit_max = {max_clients}\n"
                          "[log]\nlevel = info\n")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([str(TARPIT), "--config", str(config)], stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: "holding clients" in self.log_text() or self.proc.poll() is not None, 10,
                   what="moat-tarpit listening")
        assert self.proc.poll() is None, self.log_text()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def connect(self) -> socket.socket:
        return socket.create_connection((LOCALHOST, self.port), timeout=10)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)
        remove_workdir(self.work)


def read_until_closed(s: socket.socket, deadline: float) -> bytes:
    got = b""
    s.settimeout(max(0.1, deadline - time.time()))
    while time.time() < deadline:
        chunk = s.recv(4096)
        if not chunk:
            return got
        got += chunk
    raise AssertionError(f"not closed; got {got!r}")


def test_a_real_smtp_client_gets_a_slow_greeting_and_a_final_451():
    with Tarpit(stutter_ms=20) as tarpit:
        t0 = time.monotonic()
        client = smtplib.SMTP(LOCALHOST, tarpit.port, timeout=20)
        greeting_s = time.monotonic() - t0
        # 26 bytes, one every 20 ms: about half a second for the greeting alone.
        assert greeting_s >= 0.8 * len(GREETING) * 0.020, greeting_s
        assert client.ehlo("bot.example")[0] == 250
        assert client.mail("spammer@bot.example")[0] == 250
        assert client.rcpt("victim@example.com")[0] == 250
        assert client.rcpt("victim2@example.com")[0] == 250
        try:
            client.data(b"Subject: buy\r\n\r\nnow\r\n")
            raise AssertionError("DATA was answered with something else than 451")
        except smtplib.SMTPDataError as e:
            assert e.smtp_code == 451, e
        # Closed after the final reply.
        client.sock.settimeout(5)
        assert client.sock.recv(10) == b""
        client.close()
        wait_until(lambda: "451 at DATA" in tarpit.log_text(), 5, what="the held client logged")
        line = next(x for x in tarpit.log_text().splitlines() if "451 at DATA" in x)
        sent = len(b"ehlo bot.example\r\nmail FROM:<spammer@bot.example>\r\nrcpt TO:<victim@example.com>\r\n"
                   b"rcpt TO:<victim2@example.com>\r\ndata\r\n")
        m = re.search(r"tarpit: 127\.0\.0\.1 held (\d+) s, sent (\d+) bytes, got (\d+)", line)
        assert m, line
        assert int(m.group(2)) == sent, line
        assert int(m.group(1)) >= 1, line


def test_one_byte_at_a_time_and_quit_and_hold_time_end_with_421():
    with Tarpit(stutter_ms=40, hold=2) as tarpit:
        s = tarpit.connect()
        pieces, times = [], []
        while b"".join(pieces) != GREETING:
            pieces.append(s.recv(4096))
            times.append(time.monotonic())
        assert all(len(p) == 1 for p in pieces), pieces
        gaps = sorted(b - a for a, b in zip(times, times[1:]))
        assert 0.03 <= gaps[len(gaps) // 2] <= 0.2, gaps
        s.sendall(b"QUIT\r\n")
        assert read_until_closed(s, time.time() + 10).startswith(b"421 ")
        # A client that says nothing after the greeting is let go once the hold time is over.
        idle = tarpit.connect()
        t0 = time.monotonic()
        got = read_until_closed(idle, time.time() + 15)
        assert got.startswith(GREETING) and got[len(GREETING):].startswith(b"421 "), got
        assert time.monotonic() - t0 >= 2
        wait_until(lambda: "421 at QUIT" in tarpit.log_text() and "hold time over" in tarpit.log_text(), 5,
                   what="both logged")


def test_many_clients_at_once_and_an_endless_line_is_bounded():
    with Tarpit(stutter_ms=5) as tarpit:
        clients = [tarpit.connect() for _ in range(300)]
        for c in clients:
            c.settimeout(10)
            got = b""
            while not got.endswith(b"\r\n"):
                got += c.recv(4096)
            assert got == GREETING
        # One of them pipelines commands; each gets its answer in turn.
        clients[0].sendall(b"EHLO a\r\nMAIL FROM:<x@y>\r\nNOOP\r\n")
        got = b""
        while got.count(b"\r\n") < 3:
            got += clients[0].recv(4096)
        assert got.split(b"\r\n")[:3] == [b"250 mx.tarpit.test", b"250 2.0.0 OK", b"250 2.0.0 OK"], got
        # Another sends an over-long line: read in bounded pieces (the tarpit keeps five bytes of it and
        # its length; its receive buffer is the kernel's smallest, so a bigger flood only slows the
        # sender down), answered 500 when it ends.
        junk = clients[1]
        junk.settimeout(30)
        junk.sendall(b"MAIL FROM:<" + b"x" * 3000 + b">\r\n")
        got = b""
        while not got.endswith(b"\r\n"):
            got += junk.recv(4096)
        assert got.startswith(b"500 5.5.2"), got
        assert tarpit.proc.poll() is None
        for c in clients:
            c.close()


def test_beyond_its_limit_a_new_client_is_refused_and_the_held_ones_stay():
    with Tarpit(stutter_ms=10, max_clients=5) as tarpit:
        clients = [tarpit.connect() for _ in range(5)]
        time.sleep(0.3)
        # The refusal is a close with a reset; on loopback it can reach the client before its
        # connect() has returned, so a reset there is the same refusal.
        try:
            newer = tarpit.connect()
            newer.settimeout(5)
            assert newer.recv(4096) == b""
        except ConnectionResetError:
            pass
        for c in clients:
            c.settimeout(5)
            assert c.recv(4096).startswith(b"2"), "the held clients keep their greeting"
        wait_until(lambda: "full" in tarpit.log_text(), 5, what="the refusal logged")


def test_refuses_to_start_without_a_tarpit_port():
    work = make_workdir("tarpit")
    try:
        config = work / "moat.ini"
        config.write_text("[log]\nlevel = info\n")
        cp = subprocess.run([str(TARPIT), "--config", str(config)], capture_output=True, text=True, timeout=20)
        assert cp.returncode != 0 and "tarpit_port" in cp.stdout + cp.stderr
    finally:
        remove_workdir(work)
