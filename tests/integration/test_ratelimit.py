"""Per-IP rate limits through the real daemon: relay refusals from one address are counted over
ratelimit.window; beyond ratelimit.rejects_slow every reply is held back by ratelimit.delay, at
ratelimit.rejects_max the client gets 421 and is disconnected, and a new connection from that
address gets the same 421 at once while another address is served. Both crossings are in
client_events (moatctl events list). The window ends by moving the policy clock forward."""
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402

CLOCK = Path(tempfile.mkdtemp(prefix="moat-clock-")) / "offset"
CLOCK.write_text("0")
os.environ["MOAT_CLOCK_OFFSET_FILE"] = str(CLOCK)


def advance_clock(seconds: int):
    CLOCK.write_text(str(int(CLOCK.read_text()) + seconds))
    time.sleep(1.2)  # the daemon re-reads the offset at most once a second


def timed(c, line):
    start = time.monotonic()
    r = c.command(line)
    return r, time.monotonic() - start


def test_rejections_slow_down_then_shut_out_the_client():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}, ratelimits=True) as moat:
        for key, value in (("rejects_slow", "3"), ("rejects_max", "6"), ("delay", "1"), ("window", "600")):
            moat.ctl("setting", "set", f"ratelimit.{key}", value)
        time.sleep(1)  # the daemon reloads settings within 250 ms
        source = "127.0.0.5"
        with moat.client(source=source) as c:
            assert c.read_reply().code == 220
            assert c.command("EHLO client.example").code == 250
            assert c.command("MAIL FROM:<spammer@example.org>").code == 250
            for i in range(2):
                r, took = timed(c, f"RCPT TO:<victim{i}@elsewhere.example>")
                assert r.code == 554 and took < 0.8, f"{r} after {took:.1f}s"
            r, took = timed(c, "RCPT TO:<victim2@elsewhere.example>")  # the third: slowed from here on
            assert r.code == 554 and took >= 0.9, f"{r} after {took:.1f}s"
            r, took = timed(c, "RCPT TO:<bob@ours.test>")  # even accepted recipients are held back
            assert r.code == 250 and took >= 0.9, f"{r} after {took:.1f}s"
            for i in range(3, 5):
                assert c.command(f"RCPT TO:<victim{i}@elsewhere.example>").code == 554
            assert c.command("RCPT TO:<victim5@elsewhere.example>").code == 554  # the sixth
            r = c.read_reply()
            assert r.code == 421 and r.enhanced == "4.7.0", str(r)
            assert "too many rejected commands from [127.0.0.5]" in r.text and "mx.moat.test" in r.text
            assert c.closed()

        # A new connection from there is refused at once; another address is served.
        with moat.client(source=source) as c:
            r, took = c.read_reply(), 0
            assert r.code == 421 and "too many rejected commands" in r.text, str(r)
            assert c.closed()
        with moat.client(source="127.0.0.6") as c:
            assert c.read_reply().code == 220

        def events():
            return moat.ctl("events", "list").stdout
        wait_until(lambda: "rejections_limit" in events(), 10, interval=0.2, what="client events")
        out = events()
        assert "127.0.0.5  rejections_slow" in out and "127.0.0.5  rejections_limit" in out, out
        assert "127.0.0.6" not in out
        assert "rejections_limit" in moat.ctl("events", "list", "--since", "3600").stdout

        # After the window the address is served again.
        advance_clock(700)
        with moat.client(source=source) as c:
            assert c.read_reply().code == 220
            assert c.command("EHLO client.example").code == 250
        assert "rejections_limit" not in moat.ctl("events", "list", "--since", "60").stdout


def test_directory_harvesting_is_cut_off():
    """Unknown recipients (550 5.1.1 from list validation) count separately from other refusals."""
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}, ratelimits=True) as moat:
        for key, value in (("unknown_slow", "3"), ("unknown_max", "5"), ("rejects_slow", "100"),
                           ("rejects_max", "100"), ("delay", "1"), ("window", "600")):
            moat.ctl("setting", "set", f"ratelimit.{key}", value)
        moat.ctl("setting", "set", "validation.list", "yes")
        moat.ctl("setting", "set", "validation.reject_nonvalidated", "yes")
        moat.ctl("valid", "add", "ours.test", "bob@ours.test")
        time.sleep(1)
        source = "127.0.0.7"
        with moat.client(source=source) as c:
            assert c.read_reply().code == 220
            assert c.command("EHLO harvester.example").code == 250
            assert c.command("MAIL FROM:<list@example.org>").code == 250
            assert c.command("RCPT TO:<bob@ours.test>").code == 250
            for name in ("alice", "carol", "dave", "erin"):
                r = c.command(f"RCPT TO:<{name}@ours.test>")
                assert r.code == 550 and r.enhanced == "5.1.1", str(r)
            r = c.command("RCPT TO:<frank@ours.test>")  # the fifth unknown recipient
            assert r.code == 550, str(r)
            r = c.read_reply()
            assert r.code == 421 and "too many unknown recipients from [127.0.0.7]" in r.text, str(r)
            assert c.closed()
        wait_until(lambda: "unknown_recipients_limit" in moat.ctl("events", "list").stdout, 10, interval=0.2,
                   what="the harvesting event")
