"""Ranking metrics for bench/content_accuracy.py, and their self-test.

Scores are "higher = spammier" floats, compared exactly: equal scores are ties,
never rounded. auc() counts a tied ham/spam pair as half a correct ordering;
spam_caught_at_fp() lets a threshold t catch every spam with score >= t and
counts every ham with score >= t as a false positive, so ties at t cut both
ways. Run `python3 bench/content_accuracy.py --selftest` to check them against
brute force on toy data.
"""
from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence


def auc(ham: Sequence[float], spam: Sequence[float]) -> float:
    """P(score of a random spam > score of a random ham), ties counted as half (Mann-Whitney)."""
    if not ham or not spam:
        raise ValueError("auc needs at least one ham and one spam score")
    scored = sorted([(s, 0) for s in ham] + [(s, 1) for s in spam])
    rank_sum = 0.0  # sum of the spam scores' mid-ranks (1-based)
    i = 0
    while i < len(scored):
        j = i
        while j < len(scored) and scored[j][0] == scored[i][0]:
            j += 1
        mid_rank = (i + 1 + j) / 2  # ranks i+1 .. j share their mean
        rank_sum += mid_rank * sum(label for _, label in scored[i:j])
        i = j
    n_spam, n_ham = len(spam), len(ham)
    return (rank_sum - n_spam * (n_spam + 1) / 2) / (n_spam * n_ham)


def one_minus_auc_pct(ham: Sequence[float], spam: Sequence[float]) -> float:
    return 100.0 * (1.0 - auc(ham, spam))


def spam_caught_at_fp(ham: Sequence[float], spam: Sequence[float], fp_pct: float) -> float:
    """The highest fraction of spam with score >= t over thresholds t whose ham with score >= t
    number at most floor(fp_pct% of the ham)."""
    allowed = math.floor(fp_pct / 100.0 * len(ham) + 1e-9)
    if allowed >= len(ham):
        return 1.0
    # t must lie above the (allowed+1)-th highest ham score; the lowest such t catches the
    # spam scored strictly above it (a spam tied with that ham would bring the ham along).
    bar = sorted(ham, reverse=True)[allowed]
    return sum(1 for s in spam if s > bar) / len(spam)


def rate(count: int, total: int) -> float:
    return count / total if total else float("nan")


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


# ---------------------------------------------------------------------------------------
# Self-test


def _brute_auc(ham, spam) -> float:
    wins = sum(1.0 if s > h else 0.5 if s == h else 0.0 for s in spam for h in ham)
    return wins / (len(ham) * len(spam))


def _brute_caught(ham, spam, fp_pct) -> float:
    allowed = math.floor(fp_pct / 100.0 * len(ham) + 1e-9)
    best = 0.0
    for t in sorted(set(ham) | set(spam) | {math.inf}):
        if sum(1 for h in ham if h >= t) <= allowed:
            best = max(best, sum(1 for s in spam if s >= t) / len(spam))
    return best


def selftest() -> None:
    def check(name, got, want):
        if not math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12):
            raise AssertionError(f"{name}: got {got!r}, want {want!r}")

    check("separated", auc([0.1, 0.2], [0.3, 0.4]), 1.0)
    check("inverted", auc([0.3, 0.4], [0.1, 0.2]), 0.0)
    check("all tied", auc([1.0, 1.0, 1.0], [1.0, 1.0]), 0.5)
    check("sklearn example", auc([0.1, 0.4], [0.35, 0.8]), 0.75)
    check("tie counts half", auc([1, 2], [2, 3]), 0.875)
    check("1-auc %", one_minus_auc_pct([1, 2], [2, 3]), 12.5)

    ham = [i / 1000 for i in range(1000)]  # 0.000 .. 0.999
    check("0.1% of 1000 ham is 1 FP", spam_caught_at_fp(ham, [0.9985, 0.999, 1.5, 0.5], 0.1), 0.75)
    check("1% of 1000 ham is 10 FP", spam_caught_at_fp(ham, [0.99, 0.9895, 0.5, 2.0], 1.0), 0.75)
    check("a spam tied with the bar ham is not caught", spam_caught_at_fp([0, 1, 2], [1, 3], 0), 0.5)
    check("fewer ham than one FP allows none", spam_caught_at_fp([0.0] * 99, [0.0, 1.0], 1.0), 0.5)
    check("100% FP catches all", spam_caught_at_fp([5.0], [0.0], 100), 1.0)
    check("mean", mean_sd([1, 2, 3])[0], 2.0)
    check("sd", mean_sd([1, 2, 3])[1], 1.0)

    rng = random.Random(20030228)
    for trial in range(300):
        n_ham, n_spam = rng.randint(1, 60), rng.randint(1, 60)
        step = rng.choice([0.5, 0.1, 0.01, 1e-9])  # coarse steps make many ties
        ham = [round(rng.gauss(0, 1) / step) * step for _ in range(n_ham)]
        spam = [round(rng.gauss(1.2, 1) / step) * step for _ in range(n_spam)]
        check(f"auc vs brute force #{trial}", auc(ham, spam), _brute_auc(ham, spam))
        for pct in (0.0, 0.1, 1.0, 5.0, 20.0, 50.0):
            check(f"caught@{pct}% vs brute force #{trial}", spam_caught_at_fp(ham, spam, pct),
                  _brute_caught(ham, spam, pct))
    print("metrics self-test: ok (hand cases and 300 random cases with ties against brute force)")
