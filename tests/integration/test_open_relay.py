"""Open relay: unauthorised clients can only send to protected domains; authorised ones relay by MX.

The "internet" is a real nsd serving other.test (MX -> 127.0.0.1) and a second smtp-sink on the
daemon's mx_port, so anything Moat relays outwards, by MX or by IP literal, lands there.
Clients: 127.0.0.1 unauthorised, 127.0.0.2 in a relay network, 127.0.0.3 with a fresh
POP-before-SMTP entry, 127.0.0.4 with an expired one.
"""
import smtplib
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import LOCALHOST, Backend, Moat, free_port, wait_until  # noqa: E402

UNAUTHORISED, RELAYNET, POP_FRESH, POP_EXPIRED, POP_LATE = (
    "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")

ZONES = {
    "other.test": """$ORIGIN other.test.
$TTL 60
@   IN SOA ns.other.test. hostmaster.other.test. 1 3600 600 86400 60
@   IN NS  ns.other.test.
@   IN MX  10 mx.other.test.
ns  IN A   127.0.0.1
mx  IN A   127.0.0.1
""",
    # The protected domain exists in DNS (an address, no MX), so the sender-domain check passes
    # for mail from alice@ours.test.
    "ours.test": "@ IN A 127.0.0.1\n",
    "outside.test": """$ORIGIN outside.test.
$TTL 60
@   IN SOA ns.outside.test. hostmaster.outside.test. 1 3600 600 86400 60
@   IN NS  ns.outside.test.
@   IN MX  10 mx.other.test.
ns  IN A   127.0.0.1
""",
}

# The classic relay tests (as in Postfix's and the old relay-test services' lists).
RELAY_FORMS = [
    ("plain", "<user@other.test>"),
    ("upper-case", "<USER@OTHER.TEST>"),
    ("trailing-dot", "<user@other.test.>"),
    ("ip-literal", "<user@[127.0.0.1]>"),
    ("no-brackets", "user@other.test"),
    ("percent-hack", "<user%other.test@ours.test>"),
    ("percent-hack-upper", "<USER%OTHER.TEST@OURS.TEST>"),
    ("percent-to-ip-literal", "<user%[127.0.0.1]@ours.test>"),
    ("quoted-at", '<"user@other.test"@ours.test>'),
    ("quoted-percent", '<"user%other.test"@ours.test>'),
    ("quoted-bang", '<"other.test!user"@ours.test>'),
    ("double-at", "<user@other.test@ours.test>"),
    ("source-route", "<@ours.test:user@other.test>"),
    ("source-route-two-hops", "<@ours.test,@mx.other.test:user@other.test>"),
    ("bang-path", "<other.test!user@ours.test>"),
    ("bang-path-unqualified", "<other.test!user>"),
    ("percent-unqualified", "<user%other.test>"),
    ("ours-ip-literal-percent", "<user%other.test@[127.0.0.1]>"),
]
SENDERS = [("null", "<>"), ("local", "<postmaster@ours.test>"), ("outside", "<someone@outside.test>")]


@pytest.fixture(scope="module")
def env():
    from nsd_server import NsdServer

    with NsdServer(ZONES) as dns, Backend("ours") as ours, Backend("internet", port=free_port()) as internet, \
            Moat(domains={"ours.test": ours.address}, dns_port=dns.port, relaynets=[f"{RELAYNET}/32"],
                 queue={"mx_port": internet.port}) as moat:
        moat.ctl("relay", "add", POP_FRESH)
        moat.ctl("relay", "add", POP_EXPIRED, str(int(time.time()) - 3 * 3600))
        time.sleep(1.5)  # relay data reaches the running daemon within a second
        yield moat, ours, internet


def attempt(moat, sender: str, rcpt: str, source: str, tag: str):
    """One transaction; returns the RCPT reply. If the RCPT is accepted the message is sent too."""
    with moat.client(source=source) as c:
        assert c.read_reply().code == 220
        assert c.command("EHLO client.example").code == 250
        mail = c.command(f"MAIL FROM:{sender}")
        if mail.code != 250:
            return mail
        reply = c.command(f"RCPT TO:{rcpt}")
        if reply.code // 100 == 2:
            if c.command("DATA").code == 354:
                c.command(f"Subject: relay attempt {tag}\r\nMessage-ID: <{tag}@relay.test>\r\n\r\nrelayed?\r\n.")
        c.command("QUIT")
        return reply


@pytest.mark.parametrize("sender_name,sender", SENDERS, ids=[s[0] for s in SENDERS])
@pytest.mark.parametrize("form_name,rcpt", RELAY_FORMS, ids=[f[0] for f in RELAY_FORMS])
def test_unauthorised_client_cannot_relay(env, form_name, rcpt, sender_name, sender):
    moat, _, _ = env
    reply = attempt(moat, sender, rcpt, UNAUTHORISED, f"unauth-{form_name}-{sender_name}")
    assert reply.code // 100 != 2, f"RCPT TO:{rcpt} from an unauthorised client was accepted: {reply}"
    assert reply.code // 100 == 5, f"a relay refusal is permanent, got {reply}"


def test_unauthorised_relay_attempts_went_nowhere(env):
    """Nothing from the attempts above reached the internet or (re-routed) our own backend."""
    moat, ours, internet = env
    moat.wait_queue_empty(30)
    leaked = [m for m in internet.messages() + ours.messages() if b"relay attempt unauth-" in m.data]
    assert not leaked, f"relayed: {[(m.rcpts, m.header('Subject')) for m in leaked]}"


def send(moat, source: str, rcpt: str, tag: str) -> dict:
    with smtplib.SMTP(LOCALHOST, moat.port, timeout=30, source_address=(source, 0)) as s:
        s.ehlo("client.example")
        return s.sendmail("alice@ours.test", [rcpt], f"Subject: {tag}\r\nMessage-ID: <{tag}@ours.test>\r\n\r\nhi\r\n")


@pytest.mark.parametrize("source", [RELAYNET, POP_FRESH], ids=["relaynet", "pop-before-smtp"])
def test_authorised_client_relays_by_mx(env, source):
    moat, _, internet = env
    tag = f"authorised-{uuid.uuid4().hex}"
    assert send(moat, source, "user@other.test", tag) == {}
    (msg,) = internet.wait_for(1, 30, predicate=lambda m: m.header("Subject") == tag)
    assert msg.rcpts == ["user@other.test"]
    assert msg.mail_from == "alice@ours.test"


@pytest.mark.parametrize("source", [RELAYNET, POP_FRESH], ids=["relaynet", "pop-before-smtp"])
def test_authorised_client_still_cannot_use_routing_tricks(env, source):
    """Even an authorised client's percent hack to our domain must not be re-routed to other.test."""
    moat, ours, internet = env
    tag = f"trick-{source}-{uuid.uuid4().hex}"
    reply = attempt(moat, "<alice@ours.test>", "<user%other.test@ours.test>", source, tag)
    if reply.code == 250:  # accepted: then it must go to ours.test's backend, unchanged
        (msg,) = ours.wait_for(1, 30, predicate=lambda m: tag.encode() in m.data)
        assert msg.rcpts == ["user%other.test@ours.test"]
    time.sleep(1)
    assert not [m for m in internet.messages() if tag.encode() in m.data], "percent hack routed by Moat"


def test_expired_pop_before_smtp_entry_cannot_relay(env):
    moat, _, _ = env
    reply = attempt(moat, "<alice@ours.test>", "<user@other.test>", POP_EXPIRED, "expired")
    assert reply.code == 554 and reply.enhanced == "5.7.1", f"expired relay entry relayed: {reply}"


def test_relay_entry_added_and_deleted_at_runtime(env):
    moat, _, _ = env
    rcpt = "<user@other.test>"
    assert attempt(moat, "<alice@ours.test>", rcpt, POP_LATE, "late-1").code == 554
    moat.ctl("relay", "add", POP_LATE)
    wait_until(lambda: attempt(moat, "<alice@ours.test>", rcpt, POP_LATE, "late-2").code == 250, 5,
               interval=0.3, what="a new POP-before-SMTP entry to take effect")
    moat.ctl("relay", "delete", POP_LATE)
    wait_until(lambda: attempt(moat, "<alice@ours.test>", rcpt, POP_LATE, "late-3").code == 554, 5,
               interval=0.3, what="a deleted POP-before-SMTP entry to take effect")


def test_unauthorised_client_can_send_to_protected_domain(env):
    moat, ours, _ = env
    tag = f"inbound-{uuid.uuid4().hex}"
    assert send(moat, UNAUTHORISED, "bob@ours.test", tag) == {}
    (msg,) = ours.wait_for(1, 30, predicate=lambda m: m.header("Subject") == tag)
    assert msg.rcpts == ["bob@ours.test"]
