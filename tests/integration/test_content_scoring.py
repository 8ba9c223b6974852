"""Content scoring after DATA through real SMTP sessions: accept, tag and reject at the
configured thresholds (global and per domain, the strictest domain of a message winning),
GTUBE, the score fields at the backend, URI blocklists served by a real nsd, training by
forwarding to spam@/ham@ of the gateway, and the score's parts in the message log.

Scores are placed with the header heuristics (docs/content-scoring.md): a message without
Date, Message-ID and From scores 1 + 1 + 2 = 4 while the Bayes filter is untrained (0).
The SMTP-time checks are off (score 0), so the numbers are exact.
"""
import json
import random
import sqlite3
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, wait_until  # noqa: E402
from nsd_server import NsdServer  # noqa: E402

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
HOSTNAME = "mx.moat.test"
RELAY_CLIENT = "127.0.0.2"
ZONES = {
    "good.test": "@ IN MX 10 mx\nmx IN A 127.0.0.1\n",
    "multi.uribl.test": "evil-shop.test IN A 127.0.0.2\n7.2.0.192 IN A 127.0.0.4\n",
    "named.uribl.test": "other-shop.test IN A 127.0.0.2\n",
}
DOMAINS = ["ours.test", "low.test", "strict.test", "auto.test"]
SPAM_WORDS = ["viagra", "casino", "winner", "prize", "pills", "cheap", "bitcoin", "offer", "jackpot",
              "guaranteed", "loan", "discount", "limited", "exclusive", "bonus"]
HAM_WORDS = ["meeting", "project", "invoice", "agenda", "report", "lunch", "schedule", "review", "budget",
             "minutes", "deadline", "release", "customer", "contract", "draft"]


def full_headers(tag: str, subject: str) -> str:
    return (f"From: Alice <alice@good.test>\r\nTo: bob@ours.test\r\nSubject: {subject}\r\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
            f"Message-ID: <{tag}@good.test>\r\n")


def transaction(moat, rcpts, data: str, source=None, sender="alice@good.test"):
    """MAIL, RCPTs and DATA; returns (RCPT replies, final reply or None)."""
    with moat.client(source=source) as c:
        assert c.read_reply().code == 220
        assert c.command("EHLO client.good.test").code == 250
        assert c.command(f"MAIL FROM:<{sender}>").code == 250
        replies = [c.command(f"RCPT TO:<{r}>") for r in rcpts]
        if not any(r.code == 250 for r in replies):
            c.command("QUIT")
            return replies, None
        assert c.command("DATA").code == 354
        c.send(data.encode() + b".\r\n")
        final = c.read_reply()
        c.command("QUIT")
        return replies, final


def deliver(moat, rcpts, data, **kw):
    _, final = transaction(moat, rcpts, data, **kw)
    return final


def log_rows(moat):
    db = Path(moat.config["store"]["url"].removeprefix("sqlite:"))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT outcome, reason, checks, recipients FROM message_log ORDER BY id").fetchall()
    return [{"outcome": r[0], "reason": r[1], "checks": json.loads(r[2] or "[]"), "recipients": r[3]} for r in rows]


def last_log(moat, predicate):
    def find():
        rows = [r for r in log_rows(moat) if predicate(r)]
        return rows[-1] if rows else None
    return wait_until(find, 10, interval=0.1, what="a message log row")


def words(rng, vocabulary, n=60):
    return " ".join(rng.choice(vocabulary) for _ in range(n))


@pytest.fixture(scope="module")
def env():
    with NsdServer(ZONES) as dns, Backend("ours") as ours, \
            Moat(domains={d: ours.address for d in DOMAINS}, dns_port=dns.port,
                 relaynets=[f"{RELAY_CLIENT}/32"]) as moat:
        for check in ("rdns", "fcrdns", "helo", "sender_domain", "bot"):
            moat.ctl("setting", "set", f"{check}.action", "off")
        moat.ctl("zone", "add", "uribl", "multi.uribl.test", "--weight", "2.2")
        moat.ctl("setting", "set", "content.score_headers", "always")  # the default: tagged mail only
        moat.ctl("setting", "set", "content.tag_score", "3", "--domain", "low.test")
        moat.ctl("setting", "set", "content.tag_phrase", "[Maybe Spam]", "--domain", "low.test")
        moat.ctl("setting", "set", "content.reject_score", "3", "--domain", "strict.test")
        moat.ctl("list", "add", "allow", "sender", "friend@good.test", "--domain", "strict.test")
        moat.ctl("setting", "set", "content.autolearn", "yes", "--domain", "auto.test")
        moat.ctl("setting", "set", "content.autolearn_spam", "4", "--domain", "auto.test")
        moat.ctl("setting", "set", "content.tag_score", "20", "--domain", "auto.test")
        time.sleep(1)  # the running daemon reloads within 250 ms
        yield moat, ours


def test_gtube_is_rejected(env):
    moat, ours = env
    r = deliver(moat, ["bob@ours.test"], full_headers("gtube", "test") + f"\r\n{GTUBE}\r\n")
    assert (r.code, r.enhanced) == (550, "5.7.1"), r
    assert r.text.startswith("5.7.1 Message rejected as spam (score GTUBE, limit 10): "), r.text
    assert "GTUBE" in r.text
    row = last_log(moat, lambda row: any(c["check"] == "gtube" for c in row["checks"]))
    assert row["outcome"] == "rejected"
    assert any(c["check"] == "content" and c["result"] == "reject" for c in row["checks"])


def test_clean_message_gets_score_fields_and_keeps_its_bytes(env):
    moat, ours = env
    body = "Hello Bob,\r\n\r\nsee you at lunch.\r\n..dot-stuffed line\r\n"
    sent_headers = full_headers("clean", "lunch")
    data = "X-Moat-Score: -50 (forged)\r\nX-Spam-Status: No, score=-50\r\n" + sent_headers + "\r\n" + body
    r = deliver(moat, ["bob@ours.test"], data)
    assert r.code == 250, r
    (msg,) = ours.wait_for(1, predicate=lambda m: m.message_id == "<clean@good.test>")
    # Received, our two fields, then the message as sent minus the forged fields; body byte for byte.
    expected_tail = (sent_headers + "\r\n" + body.replace("\r\n..", "\r\n.")).encode()
    assert msg.data.endswith(expected_tail)
    assert msg.data.count(b"X-Moat-Score:") == 1 and b"forged" not in msg.data
    assert msg.header("X-Moat-Score") == "0 (bayes +0, smtp-time +0)"
    assert msg.header("X-Spam-Status") == "No, score=0 tag=5 reject=10"
    assert msg.header("Subject") == "lunch"


def test_tag_and_reject_at_per_domain_thresholds(env):
    moat, ours = env
    bare = "Subject: =?utf-8?B?w6l0w6k=?=\r\n folded part\r\n\r\nno date, no id, no from\r\n"
    # Score 4: accepted for ours.test (tag at 5) ...
    assert deliver(moat, ["bob@ours.test"], "X-Test: accept\r\n" + bare).code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.header("X-Test") == "accept")
    assert msg.header("X-Moat-Score") == ("4 (bayes +0, missing-date +1, missing-message-id +1, missing-from +2, "
                                          "smtp-time +0)")
    assert msg.header("X-Spam-Status") == "No, score=4 tag=5 reject=10"
    assert b"Subject: =?utf-8?B?w6l0w6k=?=\r\n folded part\r\n" in msg.data
    # ... tagged for low.test (tag at 3, its own phrase, case kept), the encoded Subject intact ...
    assert deliver(moat, ["bob@low.test"], "X-Test: tag\r\n" + bare).code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.header("X-Test") == "tag")
    assert b"\r\nSubject: [Maybe Spam] =?utf-8?B?w6l0w6k=?=\r\n folded part\r\n" in msg.data
    assert msg.header("X-Spam-Status") == "Yes, score=4 tag=3 reject=10"
    assert msg.data.endswith(b"\r\n\r\nno date, no id, no from\r\n")
    # ... and a message without a Subject gets one.
    assert deliver(moat, ["bob@low.test"], "X-Test: nosubject\r\n\r\nbody\r\n").code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.header("X-Test") == "nosubject")
    assert msg.header("Subject") == "[Maybe Spam]"
    # Rejected for strict.test (reject at 3), with the reasons in plain words.
    r = deliver(moat, ["bob@strict.test"], bare)
    assert (r.code, r.enhanced) == (550, "5.7.1"), r
    assert r.text == ("5.7.1 Message rejected as spam (score 4, limit 3): the message has no From header; "
                      "the message has no Date header; the message has no Message-ID header")
    # Recipients in several domains: the strictest domain's thresholds apply.
    r = deliver(moat, ["bob@ours.test", "carol@strict.test"], bare)
    assert r.code == 550, r


def test_allow_listed_sender_is_not_scored(env):
    moat, ours = env
    bare = "X-Test: allowed\r\nSubject: from a friend\r\n\r\nhi\r\n"
    # Score 4 reaches strict.test's reject threshold of 3, but the sender is on its allow list.
    assert deliver(moat, ["bob@strict.test"], bare, sender="friend@good.test").code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.header("X-Test") == "allowed")
    assert msg.header("X-Moat-Score") is None and msg.header("Subject") == "from a friend"
    # With a recipient the allow list does not cover, the message is scored with that
    # recipient's domain's thresholds only.
    assert deliver(moat, ["bob@strict.test", "carol@ours.test"], "X-Test: allowed2\r\n" + bare,
                   sender="friend@good.test").code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.header("X-Test") == "allowed2")
    assert msg.header("X-Spam-Status") == "No, score=4 tag=5 reject=10"


def test_disabled_still_drops_forged_score_fields(env):
    moat, ours = env
    moat.ctl("setting", "set", "content.enabled", "no", "--domain", "auto.test")
    time.sleep(1)
    try:
        data = "X-Test: disabled\r\nX-Spam-Status: No, score=-100\r\nSubject: off\r\n\r\nbody\r\n"
        assert deliver(moat, ["carol@auto.test"], data).code == 250
        (msg,) = ours.wait_for(1, predicate=lambda m: m.header("X-Test") == "disabled")
        assert msg.header("X-Spam-Status") is None and msg.header("X-Moat-Score") is None
        assert msg.data.endswith(b"X-Test: disabled\r\nSubject: off\r\n\r\nbody\r\n")
    finally:
        moat.ctl("setting", "unset", "content.enabled", "--domain", "auto.test")
        time.sleep(1)


def test_message_log_has_the_parts(env):
    moat, ours = env
    bare = "Subject: parts\r\n\r\nhello\r\n"
    seen = len(log_rows(moat))
    assert deliver(moat, ["bob@ours.test"], bare).code == 250
    row = wait_until(lambda: next((r for r in log_rows(moat)[seen:] if r["outcome"] == "accepted"), None), 10,
                     what="the message log row")
    checks = {c["check"]: c for c in row["checks"]}
    assert checks["bayes"]["score"] == 0
    assert checks["heuristic:missing-date"]["score"] == 1
    assert checks["heuristic:missing-from"]["detail"] == "the message has no From header"
    assert checks["content"]["result"] == "accept" and checks["content"]["score"] == 4


def test_uribl_listed_link(env):
    moat, ours = env
    html = ('<html><body><p>Great offer</p>'
            '<a href="http://redirect.example/?url=http%3A%2F%2Fwww.evil-shop.test%2Fbuy">buy</a>'
            '<a href="http://192.0.2.7/x">ip</a></body></html>')
    data = (full_headers("uribl", "offer") + "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            + html + "\r\n")
    assert deliver(moat, ["bob@ours.test"], data).code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.message_id == "<uribl@good.test>")
    # The IPv4 link counts in the URIBL lookups and as the link-to-ip heuristic.
    assert msg.header("X-Moat-Score") == "2.3 (bayes +0, link-to-ip +0.1, uribl multi.uribl.test +2.2, smtp-time +0)"
    row = last_log(moat, lambda row: any(c["check"] == "uribl" for c in row["checks"]))
    (uribl,) = [c for c in row["checks"] if c["check"] == "uribl" and c["score"] > 0]
    assert uribl["score"] == 2.2 and "evil-shop.test" in uribl["detail"] and "7.2.0.192" in uribl["detail"]


def test_uribl_listed_address_written_as_one_number(env):
    """3221225991 and 0300.0.2.07 are 192.0.2.7 to a browser: listed, as its dotted form is."""
    moat, ours = env
    earlier = len(log_rows(moat))
    data = (full_headers("uribl-number", "offer")
            + "\r\nLog in at http://3221225991/bank or http://0300.0.2.07/bank today\r\n")
    assert deliver(moat, ["bob@ours.test"], data).code == 250
    (msg,) = ours.wait_for(1, predicate=lambda m: m.message_id == "<uribl-number@good.test>")
    assert msg.header("X-Moat-Score") == "2.3 (bayes +0, link-to-ip +0.1, uribl multi.uribl.test +2.2, smtp-time +0)"
    row = wait_until(lambda: next(iter(log_rows(moat)[earlier:]), None), 10, interval=0.1, what="its log row")
    (uribl,) = [c for c in row["checks"] if c["check"] == "uribl" and c["score"] > 0]
    assert "7.2.0.192" in uribl["detail"]


def test_moatctl_score_is_the_gateways_number(env, tmp_path):
    """moatctl score adds the URI blocklist part as the gateway does (only SMTP-time is missing)."""
    moat, _ = env
    path = tmp_path / "offer.eml"
    path.write_text(full_headers("score-cli", "offer") + "\r\nBuy at http://www.evil-shop.test/now\r\n")
    out = moat.ctl("score", str(path)).stdout.split()
    assert [out[0], float(out[1]), out[2]] == [str(path), 2.2, "accept"], out


def test_uribl_zone_named_in_the_setting(env):
    """uribl.zones names zones without moatctl zone (weight 5, any 127.x answer)."""
    moat, ours = env
    moat.ctl("setting", "set", "uribl.zones", "named.uribl.test")
    try:
        time.sleep(1)
        data = full_headers("uribl-setting", "offer") + "\r\nVisit https://www.other-shop.test/deal today\r\n"
        assert deliver(moat, ["bob@ours.test"], data).code == 250
        (msg,) = ours.wait_for(1, predicate=lambda m: m.message_id == "<uribl-setting@good.test>")
        assert msg.header("X-Moat-Score").startswith("5 (bayes +0, uribl named.uribl.test +5"), msg.header("X-Moat-Score")
    finally:
        moat.ctl("setting", "unset", "uribl.zones")


def test_autolearn_only_where_allowed(env):
    moat, ours = env
    bare = "Subject: autolearn\r\n\r\nlearn me\r\n"

    def spam_learnt():
        out = moat.ctl("bayes", "stats").stdout
        return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("spam learnt")))

    before = spam_learnt()
    # ours.test does not auto-learn; with auto.test too, the stricter (no) wins.
    assert deliver(moat, ["bob@ours.test", "carol@auto.test"], bare).code == 250
    assert spam_learnt() == before
    # auto.test alone learns the score-4 message as spam (its threshold is 4).
    seen = len(log_rows(moat))
    assert deliver(moat, ["carol@auto.test"], bare).code == 250
    assert spam_learnt() == before + 1
    row = wait_until(lambda: next((r for r in log_rows(moat)[seen:] if r["outcome"] == "accepted"), None), 10,
                     what="the message log row")
    (auto,) = [c for c in row["checks"] if c["check"] == "autolearn"]
    assert auto["result"] == "spam" and auto["detail"] == "learnt as spam (score 4)"


def forward(moat, to: str, inner: str, tag: str, source=RELAY_CLIENT):
    boundary = "fwd-" + tag
    data = (f"From: Bob <bob@ours.test>\r\nTo: {to}\r\nSubject: Fwd: {tag}\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n--{boundary}\r\n"
            f"Content-Type: text/plain\r\n\r\nplease learn this\r\n--{boundary}\r\n"
            f"Content-Type: message/rfc822\r\n\r\n{inner}\r\n--{boundary}--\r\n")
    return transaction(moat, [to], data, source=source, sender="bob@ours.test")


def test_training_by_forwarding(env):
    moat, ours = env
    rng = random.Random(4)
    # Not for clients that may not relay.
    replies, final = forward(moat, f"spam@{HOSTNAME}", "Subject: x\r\n\r\ny\r\n", "refused", source="127.0.0.1")
    assert final is None and replies[0].code == 550 and replies[0].enhanced == "5.7.1", replies
    assert "training addresses" in replies[0].text

    def message(vocabulary, n):
        return (f"From: someone{n}@deals.test\r\nSubject: {words(rng, vocabulary, 3)}\r\n"
                f"Message-ID: <{n}@deals.test>\r\n\r\n{words(rng, vocabulary)}\r\n")

    probe = full_headers("probe-before", "hello") + "\r\n" + words(rng, SPAM_WORDS) + "\r\n"
    assert deliver(moat, ["bob@ours.test"], probe).code == 250
    (before,) = ours.wait_for(1, predicate=lambda m: m.message_id == "<probe-before@good.test>")
    assert before.header("X-Moat-Score").startswith("0 (bayes +0,")

    for i in range(6):
        _, final = forward(moat, f"spam@{HOSTNAME}", message(SPAM_WORDS, i), f"spam{i}")
        assert final.code == 250 and final.text == "2.0.0 Ok: learnt 1 of 1 attached message as spam", final
        _, final = forward(moat, f"ham@{HOSTNAME}", message(HAM_WORDS, 100 + i), f"ham{i}")
        assert final.code == 250 and final.text == "2.0.0 Ok: learnt 1 of 1 attached message as ham", final
    # Never delivered onwards.
    time.sleep(1)
    assert not [m for m in ours.messages() if b"please learn this" in m.data]
    row = last_log(moat, lambda row: row["outcome"] == "learnt")
    assert any(c["check"] == "training" and c["result"] == "ham" for c in row["checks"])

    probe = full_headers("probe-after", "hello") + "\r\n" + words(rng, SPAM_WORDS) + "\r\n"
    r = deliver(moat, ["bob@ours.test"], probe)
    # Bayes now calls it spam: tagged at least, rejected when it is sure (+10).
    if r.code == 250:
        (after,) = ours.wait_for(1, predicate=lambda m: m.message_id == "<probe-after@good.test>")
        assert after.header("X-Spam-Status").startswith("Yes,"), after.header("X-Moat-Score")
    else:
        assert (r.code, r.enhanced) == (550, "5.7.1") and "typical of spam" in r.text, r
