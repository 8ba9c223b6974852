"""SMTP protocol behaviour as data: every dialogue in dialogues/*.txt runs against a real moat-smtpd.

Also: random garbage is answered (or the session is closed with a reply) and never kills the daemon.
"""
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import LOCALHOST, Backend, Moat, load_dialogues, run_dialogue  # noqa: E402

DIALOGUE_DIR = Path(__file__).parent / "dialogues"
DIALOGUES = [d for f in sorted(DIALOGUE_DIR.glob("*.txt")) for d in load_dialogues(f)]


@pytest.fixture(scope="module")
def daemon():
    with Backend("ours") as backend, \
            Moat(domains={"ours.test": backend.address},
                 smtp={"max_recipients": 3, "max_message_size": 10240}) as moat:
        yield moat


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d.name for d in DIALOGUES])
def test_dialogue(daemon, dialogue):
    run_dialogue(dialogue, LOCALHOST, daemon.port)
    assert daemon.alive, "moat-smtpd died during the dialogue"


def test_garbage_flood_is_answered(daemon):
    """Binary junk, long runs without a line end, and many bad lines: replies only, no crash."""
    rng = random.Random(20231218)
    for round_ in range(20):
        with daemon.client() as c:
            assert c.read_reply().code == 220
            junk = bytes(rng.randrange(256) for _ in range(rng.choice([10, 300, 700, 5000])))
            c.send(junk + b"\r\nNOOP\r\nQUIT\r\n")
            replies = c.read_all_replies(quiet=5)
            for r in replies:
                assert 400 <= r.code < 600 or r.code in (250, 221), f"round {round_}: odd reply {r}"
            assert replies, f"round {round_}: {len(junk)} bytes of junk got no reply at all"
            assert replies[-1].code in (221, 421), f"round {round_}: the session did not end with QUIT: {replies}"
        assert daemon.alive, f"moat-smtpd died on junk round {round_}"
    assert daemon.serves()
