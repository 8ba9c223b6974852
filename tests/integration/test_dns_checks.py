"""The DNS-based SMTP-time checks through the real daemon, against a real nsd serving test zones.

Clients connect from 127.0.0.x source addresses, each with its own story in the zones below:
  127.0.0.2  listed by bl.test (with a TXT reason); out.test answers 127.0.0.200, outside its mask
  127.0.0.3  no PTR; only out.test "lists" it, outside the mask
  127.0.0.4  no PTR; listed by bl.test and bl2.test (for scores)
  127.0.0.5  PTR good.client.test, which resolves back: forward-confirmed, clean
  127.0.0.6  PTR liar.client.test, which resolves elsewhere
  127.0.0.8  in China according to the country zone
  127.0.0.9  listed by late.test, a zone the daemon only learns of while running
Reply texts are checked exactly; the message log's checks column must explain each decision.
"""
import json
import sqlite3
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402
from nsd_server import NsdServer  # noqa: E402

ZONES = {
    "bl.test": """
2.0.0.127   IN A   127.0.0.2
2.0.0.127   IN TXT "listed for testing"
4.0.0.127   IN A   127.0.0.2
""",
    "out.test": """
2.0.0.127   IN A   127.0.0.200
3.0.0.127   IN A   127.0.0.200
""",
    "bl2.test": "4.0.0.127   IN A   127.0.0.3\n",
    "late.test": "9.0.0.127   IN A   127.0.0.2\n",
    "dbl.test": """
spammer.test   IN A 127.0.1.2
badhelo.test   IN A 127.0.1.2
""",
    "zz.countries.test": "8.0.0.127   IN A   127.0.0.156\n",
    "0.0.127.in-addr.arpa": """
2   IN PTR listed.client.test.
5   IN PTR good.client.test.
6   IN PTR liar.client.test.
""",
    "client.test": """
listed  IN A 127.0.0.2
good    IN A 127.0.0.5
liar    IN A 127.0.0.99
""",
    "good.test": """
@       IN MX 10 mx
mx      IN A  127.0.0.1
client  IN A  127.0.0.5
""",
    "nomx.test": "@ IN A 127.0.0.1\n",
    "nullmx.test": "@ IN MX 0 .\n",
    "spammer.test": "@ IN MX 10 mx.good.test.\n",
    "badhelo.test": "@ IN A 127.0.0.1\n",
}

DOMAINS = ["ours.test", "strict.test", "score.test", "exc.test"]


def rcpt(moat, source, to="bob@ours.test", sender="alice@good.test", helo="client.good.test"):
    """One transaction up to RCPT; returns the first non-2xx reply, or the RCPT reply."""
    with moat.client(source=source) as c:
        assert c.read_reply().code == 220
        r = c.command(f"EHLO {helo}")
        assert r.code == 250, r
        r = c.command(f"MAIL FROM:<{sender}>")
        if r.code != 250:
            return r
        reply = c.command(f"RCPT TO:<{to}>")
        c.command("QUIT")
        return reply


def send(moat, source, to="bob@ours.test", sender="alice@good.test", subject="dns test"):
    with moat.client(source=source) as c:
        assert c.read_reply().code == 220
        c.command("EHLO client.good.test")
        assert c.command(f"MAIL FROM:<{sender}>").code == 250
        r = c.command(f"RCPT TO:<{to}>")
        assert r.code == 250, r
        assert c.command("DATA").code == 354
        c.send(f"From: <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n\r\nhello\r\n.\r\n".encode())
        r = c.read_reply()
        c.command("QUIT")
        return r


def log_rows(moat):
    db = Path(moat.config["store"]["url"].removeprefix("sqlite:"))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT client_ip, client_name, sender, recipients, outcome, reason, checks "
                            "FROM message_log ORDER BY id").fetchall()
    return [dict(zip(("ip", "name", "sender", "recipients", "outcome", "reason", "checks"), r),
                 checks=json.loads(r[6] or "[]")) for r in rows]


def last_log(moat, ip, predicate=lambda row: True):
    def find():
        rows = [r for r in log_rows(moat) if r["ip"] == ip and predicate(r)]
        return rows[-1] if rows else None
    return wait_until(find, 10, interval=0.1, what=f"a message log row for {ip}")


def text(reply):
    return f"{reply.code} {reply.text}"


@pytest.fixture(scope="module")
def env():
    with NsdServer(ZONES) as dns, Backend("ours") as ours, \
            Moat(domains={d: ours.address for d in DOMAINS}, dns_port=dns.port) as moat:
        moat.ctl("zone", "add", "dnsbl", "bl.test", "--url", "https://bl.test/lookup?ip={ip}&zone={zone}")
        moat.ctl("zone", "add", "dnsbl", "out.test", "--mask", "127.0.0.2-127.0.0.11")
        moat.ctl("zone", "add", "dnsbl", "bl2.test", "--weight", "3")
        moat.ctl("zone", "add", "rhsbl", "dbl.test", "--url", "https://dbl.test/{domain}")
        moat.ctl("zone", "add", "country", "zz.countries.test")
        # The production settings docs/checks.md recommends (the defaults only score these).
        moat.ctl("setting", "set", "sender_domain.action", "reject")
        moat.ctl("setting", "set", "helo.action", "reject")
        moat.ctl("setting", "set", "rdns.action", "score")
        moat.ctl("setting", "set", "fcrdns.action", "score")
        moat.ctl("setting", "set", "fcrdns.action", "reject", "--domain", "strict.test")
        moat.ctl("setting", "set", "dnsbl.action", "score", "--domain", "score.test")
        moat.ctl("list", "add", "exception", "client", "127.0.0.2", "--domain", "exc.test", "--note", "partner")
        moat.ctl("list", "add", "exception", "domain", "spammer.test", "--domain", "exc.test")
        moat.ctl("list", "add", "exception", "domain", "client.test", "--domain", "strict.test")
        time.sleep(1)  # the running daemon reloads within 250 ms
        yield moat, ours, dns


def test_dnsbl_listing_names_zone_and_url(env):
    moat, _, _ = env
    r = rcpt(moat, "127.0.0.2")
    assert text(r) == ("554 5.7.1 Service unavailable; client [127.0.0.2] listed by bl.test; "
                       "see https://bl.test/lookup?ip=127.0.0.2&zone=bl.test")
    row = last_log(moat, "127.0.0.2")
    assert row["outcome"] == "rejected"
    dnsbl = [c for c in row["checks"] if c["check"] == "dnsbl"]
    listed = [c for c in dnsbl if c["result"] == "reject"]
    assert len(listed) == 1 and "bl.test" in listed[0]["detail"] and "listed for testing" in listed[0]["detail"]
    assert any(c["result"] == "pass" and "out.test" in c["detail"] and "outside" in c["detail"] for c in dnsbl)


def test_answer_outside_the_mask_is_no_listing(env):
    moat, _, _ = env
    assert rcpt(moat, "127.0.0.3").code == 250


def test_forward_confirmed_name_in_received_header_and_log(env):
    moat, ours, _ = env
    assert send(moat, "127.0.0.5", subject="fcrdns-good").code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.header("Subject") == "fcrdns-good")
    received = msg.header("Received")
    assert "(good.client.test [127.0.0.5])" in received, received
    row = last_log(moat, "127.0.0.5", lambda r: r["outcome"] == "accepted")
    assert row["name"] == "good.client.test"
    results = {c["check"]: c["result"] for c in row["checks"]}
    assert results["rdns"] == "pass" and results["fcrdns"] == "pass" and results["helo"] == "pass"
    assert results["sender_domain"] == "pass"


def test_unconfirmed_name_is_unknown_and_a_domain_can_reject_it(env):
    moat, ours, _ = env
    # Scored by default (fcrdns +1) and accepted; strict.test rejects it.
    assert send(moat, "127.0.0.6", subject="fcrdns-liar").code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.header("Subject") == "fcrdns-liar")
    assert "(unknown [127.0.0.6])" in msg.header("Received")
    r = rcpt(moat, "127.0.0.6", to="bob@strict.test")
    assert text(r) == ("550 5.7.1 Client host rejected: reverse hostname liar.client.test "
                       "does not resolve back to [127.0.0.6]")


def test_scores_add_up_over_the_threshold(env):
    moat, _, _ = env
    # ours.test rejects the bl.test listing outright ...
    assert rcpt(moat, "127.0.0.4").code == 554
    # ... score.test scores it: rdns 2 + fcrdns 1 + bl.test 5 + bl2.test 3 = 11 >= 10.
    r = rcpt(moat, "127.0.0.4", to="bob@score.test")
    assert text(r) == ("550 5.7.1 Message refused: spam score 11 reaches the limit of 10 "
                       "(rdns +2, fcrdns +1, dnsbl +5, dnsbl +3)")
    row = last_log(moat, "127.0.0.4", lambda r: "score.test" in r["reason"] or "spam score" in r["reason"])
    scored = [(c["check"], c["score"]) for c in row["checks"] if c["result"] == "score"]
    assert scored == [("rdns", 2), ("fcrdns", 1), ("dnsbl", 5), ("dnsbl", 3)]
    assert any(c["check"] == "score" and c["result"] == "reject" and c["score"] == 11 for c in row["checks"])
    # Raising the domain's threshold lets it through.
    moat.ctl("setting", "set", "score.reject", "12", "--domain", "score.test")
    wait_until(lambda: rcpt(moat, "127.0.0.4", to="bob@score.test").code == 250, 5, what="new threshold")


@pytest.mark.parametrize("sender,expected", [
    ("alice@missing.good.test", "550 5.1.8 Sender address rejected: domain missing.good.test not found"),
    ("alice@nullmx.test", "550 5.7.27 Sender address rejected: domain nullmx.test accepts no mail (null MX)"),
    ("alice@spammer.test",
     "554 5.7.1 Service unavailable; sender domain spammer.test listed by dbl.test; see https://dbl.test/spammer.test"),
    ("alice@nomx.test", "250 2.1.5 Ok"),
    ("", "250 2.1.5 Ok"),
])
def test_sender_domain_and_rhsbl(env, sender, expected):
    moat, _, _ = env
    assert text(rcpt(moat, "127.0.0.5", sender=sender)) == expected


@pytest.mark.parametrize("helo,expected", [
    ("localhost", "550 5.7.1 Client host rejected: HELO name localhost is not a fully qualified domain name"),
    ("mx.moat.test", "550 5.7.1 Client host rejected: HELO name mx.moat.test is this gateway's own name"),
    ("127.0.0.5", "550 5.7.1 Client host rejected: HELO name 127.0.0.5 is an IP address without the brackets "
                  "of an address literal"),
    ("[127.0.0.9]", "550 5.7.1 Client host rejected: HELO address [127.0.0.9] is not the client's address "
                    "[127.0.0.5]"),
    ("[127.0.0.1]", "550 5.7.1 Client host rejected: HELO address [127.0.0.1] is an address of this gateway"),
    ("bad_helo.test", "250 2.1.5 Ok"),
    ("[127.0.0.5]", "250 2.1.5 Ok"),
    ("badhelo.test", "554 5.7.1 Service unavailable; HELO name badhelo.test listed by dbl.test; "
                     "see https://dbl.test/badhelo.test"),
])
def test_helo(env, helo, expected):
    moat, _, _ = env
    assert text(rcpt(moat, "127.0.0.5", helo=helo)) == expected


def test_country(env):
    moat, _, _ = env
    assert rcpt(moat, "127.0.0.8").code == 250  # no blocked countries yet
    moat.ctl("setting", "set", "country.blocked", "cn")
    expected = "554 5.7.1 Service unavailable; client [127.0.0.8] is in a blocked country (CN)"
    wait_until(lambda: text(rcpt(moat, "127.0.0.8")) == expected, 5, what="country.blocked cn")
    # The numeric code works too, and a domain can have its own list.
    moat.ctl("setting", "set", "country.blocked", "156", "--domain", "exc.test")
    moat.ctl("setting", "set", "country.blocked", "de, fr", "--domain", "score.test")
    wait_until(lambda: rcpt(moat, "127.0.0.8", to="bob@score.test").code == 250, 5, what="score.test list")
    assert text(rcpt(moat, "127.0.0.8", to="bob@exc.test")) == expected
    row = last_log(moat, "127.0.0.8", lambda r: r["recipients"] == "bob@score.test")
    assert any(c["check"] == "country" and c["result"] == "pass" and "China (CN)" in c["detail"]
               for c in row["checks"])


def test_exception_skips_the_dns_checks(env):
    moat, _, _ = env
    assert rcpt(moat, "127.0.0.2", to="bob@exc.test").code == 250
    row = last_log(moat, "127.0.0.2", lambda r: r["recipients"] == "bob@exc.test")
    checks = row["checks"]
    assert any(c["check"] == "list" and c["result"] == "exception" and "partner" in c["detail"] for c in checks)
    assert not [c for c in checks if c["check"] in ("rdns", "fcrdns", "dnsbl", "rhsbl", "sender_domain")]
    assert [c["result"] for c in checks if c["check"] == "helo"] == ["pass"]  # not DNS-based: still runs


def test_exception_by_domain(env):
    moat, _, _ = env
    # The sender domain is excepted for exc.test only.
    assert rcpt(moat, "127.0.0.5", sender="alice@spammer.test").code == 554
    assert rcpt(moat, "127.0.0.5", sender="alice@spammer.test", to="bob@exc.test").code == 250
    # A client name counts only when forward-confirmed: liar.client.test is not.
    assert rcpt(moat, "127.0.0.6", to="bob@strict.test").code == 550
    row = last_log(moat, "127.0.0.6", lambda r: "strict.test" in r["reason"] or "liar" in r["reason"])
    assert not [c for c in row["checks"] if c["result"] == "exception"]


def test_moatctl_zone_refuses_bad_input(env):
    moat, _, _ = env
    for args, words in [
        (("zone", "add", "dnsbl", "bl.test"), "already exists"),
        (("zone", "add", "country", "zz2.test"), "already a country zone"),
        (("zone", "add", "dnsbl", "x.test", "--mask", "127.0.0.9-127.0.0.2"), "invalid mask"),
        (("zone", "add", "dnsbl", "x.test", "--url", "ftp://x.test/"), "http"),
        (("zone", "add", "dnsbl", "x.test", "--weight", "lots"), "invalid weight"),
        (("zone", "add", "blocklist", "x.test"), "unknown zone kind"),
        (("zone", "remove", "dnsbl", "never.test"), "no dnsbl zone"),
    ]:
        cp = moat.ctl(*args, check=False)
        assert cp.returncode == 1 and words in cp.stderr, (args, cp.stderr)
    cp = moat.ctl("zone", "add", "dnsbl", check=False)
    assert cp.returncode == 2 and "usage: moatctl zone add KIND ZONE" in cp.stderr
    listing = moat.ctl("zone", "list").stdout.splitlines()
    assert listing[0].split()[:3] == ["KIND", "ZONE", "WEIGHT"]
    assert any(line.split()[:4] == ["dnsbl", "bl2.test", "3", "any"] for line in listing), listing
    assert any(line.split()[:3] == ["dnsbl", "out.test", "5"] and "127.0.0.2-127.0.0.11" in line
               for line in listing), listing


def test_zone_added_while_running_applies_without_restart(env):
    moat, _, _ = env
    assert rcpt(moat, "127.0.0.9").code == 250
    moat.ctl("zone", "add", "dnsbl", "late.test", "--note", "added while running")
    wait_until(lambda: rcpt(moat, "127.0.0.9").code == 554, 5, what="the new zone")
    assert text(rcpt(moat, "127.0.0.9")) == "554 5.7.1 Service unavailable; client [127.0.0.9] listed by late.test"
    moat.ctl("zone", "remove", "dnsbl", "late.test")
    wait_until(lambda: rcpt(moat, "127.0.0.9").code == 250, 5, what="the zone's removal")


def test_dns_down_never_gives_5xx():
    """nsd stopped: lookups fail; no check may turn that into a permanent refusal."""
    with NsdServer(ZONES) as dns, Backend("ours") as ours, \
            Moat(domains={"ours.test": ours.address}, dns_port=dns.port) as moat:
        moat.ctl("zone", "add", "dnsbl", "bl.test")
        moat.ctl("zone", "add", "rhsbl", "dbl.test")
        moat.ctl("setting", "set", "sender_domain.action", "reject")
        moat.ctl("setting", "set", "rdns.action", "score")
        time.sleep(1)
        dns.stop()
        started = time.monotonic()
        # The listed client and sender domain are not refused: every lookup fails, nothing is known.
        assert text(rcpt(moat, "127.0.0.2", sender="alice@spammer.test")) == (
            "450 4.1.8 Sender address rejected: cannot resolve domain spammer.test; try again later")
        assert time.monotonic() - started < 5, "a closed DNS port must fail at once"
        assert rcpt(moat, "127.0.0.2", sender="").code == 250  # dns.failure = skip
        row = last_log(moat, "127.0.0.2", lambda r: r["sender"] == "")
        skipped = {c["check"] for c in row["checks"] if c["result"] == "skip"}
        assert {"rdns", "fcrdns", "dnsbl"} <= skipped
        assert row["name"] == "unknown"
        moat.ctl("setting", "set", "dns.failure", "tempfail")
        expected = "451 4.4.3 Temporary DNS failure during the rdns check; try again later"
        wait_until(lambda: text(rcpt(moat, "127.0.0.2", sender="")) == expected, 5, what="dns.failure tempfail")
        # Sender domain check in score mode: the DNS failure follows dns.failure too.
        moat.ctl("setting", "set", "sender_domain.action", "score")
        moat.ctl("setting", "set", "dns.failure", "skip")
        wait_until(lambda: rcpt(moat, "127.0.0.2", sender="alice@spammer.test").code == 250, 5,
                   what="sender_domain score")
        dns.start()
        moat.ctl("setting", "set", "sender_domain.action", "reject")
        # The same lookups succeed again once DNS is back (failures are never cached).
        wait_until(lambda: rcpt(moat, "127.0.0.2").code == 554, 10, what="DNS back")
