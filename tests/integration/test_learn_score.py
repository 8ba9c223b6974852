"""moatctl learn / score / bayes end to end: the built moatctl on a temporary
config and store, trained from a generated mbox (spam) and maildir (ham),
then scoring new messages, GTUBE, re-learning, usage errors and expiry with
the policy clock moved forward."""

import os
import random
import re
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import MOATCTL, Moat  # noqa: E402

SPAM_WORDS = ["viagra", "casino", "winner", "prize", "pills", "cheap", "bitcoin", "offer", "unsubscribe",
              "guaranteed", "loan", "discount", "limited", "exclusive", "bonus"]
HAM_WORDS = ["meeting", "project", "invoice", "agenda", "report", "lunch", "schedule", "review", "budget",
             "minutes", "deadline", "release", "customer", "contract", "draft"]
FILLER = ["the", "and", "you", "for", "this", "with", "have", "that", "will", "from"]
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def make_message(rng: random.Random, words: list[str], n: int, html: bool = False) -> bytes:
    body = " ".join(rng.choice(words) if rng.random() < 0.7 else rng.choice(FILLER) for _ in range(60))
    msg = EmailMessage()
    msg["From"] = f"sender{n}@{'deals' if words is SPAM_WORDS else 'corp'}.example"
    msg["To"] = "user@protected.example"
    msg["Subject"] = " ".join(rng.choice(words) for _ in range(3))
    msg["Message-ID"] = f"<{n}.{rng.random()}@test>"
    msg["Date"] = formatdate(usegmt=True)  # no header heuristics: the score is the Bayes part alone
    if html:
        msg.set_content(body)
        msg.add_alternative(f"<html><body><p>{body}</p><div style='display:none'>meeting agenda</div></body></html>",
                            subtype="html", cte="base64")
    else:
        msg.set_content(body + "\nFrom the desk of the sender\n")  # needs >From quoting in an mbox
    return msg.as_bytes()


def write_mbox(path: Path, messages: list[bytes]) -> None:
    with path.open("wb") as f:
        for m in messages:
            f.write(b"From MAILER-DAEMON Mon Nov 30 06:00:00 2026\n")
            for line in m.splitlines(keepends=True):
                f.write(b">" + line if re.match(rb">*From ", line) else line)
            if not m.endswith(b"\n"):
                f.write(b"\n")
            f.write(b"\n")


def write_maildir(path: Path, messages: list[bytes]) -> None:
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    for i, m in enumerate(messages):
        (path / ("cur" if i % 2 else "new") / f"17000000{i:02d}.M{i}P1.test:2,S").write_bytes(m)


@pytest.fixture
def env():
    moat = Moat(name="learn")  # a config and store; the daemon is not started
    clock = moat.dir / "clock-offset"
    clock.write_text("0")

    def run(*args, expect=0):
        proc = subprocess.run([str(MOATCTL), "--config", str(moat.config_path), *map(str, args)],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "MOAT_CLOCK_OFFSET_FILE": str(clock)})
        assert proc.returncode == expect, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc

    run.dir = moat.dir
    run.clock = clock
    run.db = moat.dir / "moat.db"
    try:
        yield run
    finally:
        moat.close()


def stats(run) -> dict[str, str]:
    out = run("bayes", "stats").stdout
    return dict(re.split(r"\s{2,}", line, maxsplit=1) for line in out.splitlines())


def scores(proc) -> list[tuple[str, float, str]]:
    rows = []
    for line in proc.stdout.splitlines():
        path, score, verdict = line.rsplit(" ", 2)
        rows.append((path, float(score), verdict))
    return rows


def test_learn_and_score(env):
    rng = random.Random(7)
    spam = [make_message(rng, SPAM_WORDS, i, html=i % 3 == 0) for i in range(25)]
    ham = [make_message(rng, HAM_WORDS, 100 + i, html=i % 4 == 0) for i in range(25)]
    write_mbox(env.dir / "spam.mbox", spam)
    write_maildir(env.dir / "ham", ham)

    # Untrained: no opinion.
    (env.dir / "new-spam.eml").write_bytes(make_message(rng, SPAM_WORDS, 900))
    (path, score, verdict), = scores(env("score", env.dir / "new-spam.eml"))
    assert (score, verdict) == (0.0, "accept")

    assert env("learn", "--spam", env.dir / "spam.mbox").stdout.splitlines() == [
        "learnt 25 messages as spam", "the classifier is retrained once both spam and ham have been learnt"]
    # The second class learnt: the batch is retrained on, order-independently.
    assert env("learn", "--ham", env.dir / "ham").stdout.splitlines() == [
        "learnt 25 messages as ham", "retrained the classifier on 50 messages"]
    # Learning the same again changes nothing.
    out = env("learn", "--spam", env.dir / "spam.mbox").stdout
    assert out == "learnt 0 messages as spam, 25 already learnt as spam\n"
    s = stats(env)
    assert s["spam learnt"] == "25" and s["ham learnt"] == "25"
    # Bayes counts what it was not yet sure of (training on errors): near-copies
    # of five words a class are not all counted.
    assert 1 <= int(s["spam counted"]) <= 25 and 1 <= int(s["ham counted"]) <= 25
    assert int(s["tokens"]) > 500
    # Each kept example keeps the text the character model reads; the
    # retraining built that model and gave it a say, or stored none.
    with sqlite3.connect(env.db) as db:
        texts = [t for (t,) in db.execute("SELECT text FROM bayes_examples")]
        # The header fields the sender wrote first (To, Message-ID, ...), then
        # the subject and the text.
        assert len(texts) == 50 and all(t.startswith(b"to: ") and b" subject: " in t for t in texts), texts[:2]
        stored = db.execute("SELECT count(*) FROM bayes_char_model").fetchone()[0]
    weight = float(re.search(r"\+ (\S+) x characters", s["evidence"]).group(1))
    assert (stored == 1) == (weight != 0), (stored, s["evidence"])
    assert s["characters"].endswith("MB)") if stored else s["characters"].startswith("none")

    # One file, an mbox of two and a maildir: one line each, spam up, ham down.
    (env.dir / "new-ham.eml").write_bytes(make_message(rng, HAM_WORDS, 901))
    write_mbox(env.dir / "mixed.mbox", [make_message(rng, SPAM_WORDS, 902, html=True),
                                        make_message(rng, HAM_WORDS, 903, html=True)])
    write_maildir(env.dir / "inbox", [make_message(rng, HAM_WORDS, 904)])
    rows = scores(env("score", env.dir / "new-spam.eml", env.dir / "new-ham.eml", env.dir / "mixed.mbox",
                      env.dir / "inbox"))
    labels = [r[0] for r in rows]
    assert labels[:4] == [str(env.dir / "new-spam.eml"), str(env.dir / "new-ham.eml"),
                          f"{env.dir / 'mixed.mbox'}:1", f"{env.dir / 'mixed.mbox'}:2"]
    assert labels[4].startswith(str(env.dir / "inbox" / "new"))
    by_label = {r[0]: r for r in rows}
    # 25 messages of each class are too few for certainty (calibrated
    # probabilities stay below 26/27): clearly spam, not yet tagged alone.
    for spam_label in (labels[0], labels[2]):
        _, score, verdict = by_label[spam_label]
        assert score > 2, by_label[spam_label]
    for ham_label in (labels[1], labels[3], labels[4]):
        _, score, verdict = by_label[ham_label]
        assert score < 0 and verdict == "accept", by_label[ham_label]
    for _, score, _ in rows:
        assert -5 <= score  # the classifier takes at most 5 points off

    # A spam message corrected to ham moves its counts.
    out = env("learn", "--ham", env.dir / "spam.mbox").stdout
    assert out.splitlines()[0] == "learnt 25 messages as ham (25 moved from spam)"
    s = stats(env)
    assert s["spam learnt"] == "0" and s["ham learnt"] == "50"
    assert s["spam counted"] == "0" and 1 <= int(s["ham counted"]) <= 50


def test_gtube(env):
    (env.dir / "gtube.eml").write_text(f"From: t@example.com\nSubject: test\n\n{GTUBE}\n")
    rows = scores(env("score", env.dir / "gtube.eml"))
    assert rows == [(str(env.dir / "gtube.eml"), 1000.0, "reject")]


def test_errors(env):
    (env.dir / "plain.eml").write_text("Subject: x\n\nhello\n")
    (env.dir / "notmaildir").mkdir()
    for args in (["learn"], ["learn", env.dir / "plain.eml"], ["learn", "--spam", "--ham", env.dir / "plain.eml"],
                 ["learn", "--spam"], ["score"], ["bayes"], ["bayes", "expire", "1", "2"], ["bayes", "stats", "x"]):
        proc = env(*args, expect=2)
        assert proc.stderr.startswith("moatctl: ") and len(proc.stderr.splitlines()) == 1, proc.stderr
    proc = env("learn", "--spam", env.dir / "missing.eml", env.dir / "notmaildir", env.dir / "plain.eml", expect=1)
    assert "no such file or directory" in proc.stderr and "not a maildir" in proc.stderr
    assert proc.stdout.splitlines()[0] == "learnt 1 message as spam"  # the good path still counts
    proc = env("bayes", "expire", "soon", expect=1)
    assert "invalid number of days" in proc.stderr


def test_expire(env):
    rng = random.Random(11)
    write_mbox(env.dir / "spam.mbox", [make_message(rng, SPAM_WORDS, i) for i in range(5)])
    env("learn", "--spam", env.dir / "spam.mbox")
    before = int(stats(env)["tokens"])
    assert env("bayes", "expire").stdout.startswith("0 tokens expired")
    env.clock.write_text(str(200 * 86400))  # 200 days later
    out = env("bayes", "expire", "90").stdout
    removed = int(out.split()[0])
    after = int(stats(env)["tokens"])
    # Rare tokens went; those in three or more of the five messages stayed.
    assert 0 < removed < before and after == before - removed
    with sqlite3.connect(env.db) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 4
        assert db.execute("SELECT min(spam + ham) FROM bayes_tokens").fetchone()[0] >= 3
