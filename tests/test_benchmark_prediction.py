"""The mixed load's ratio the cold pass's CPU costs predict (benchmarks/mix.py): how many
requests of the cycled mix one round's CPU pays for, misses and hits apart."""

from __future__ import annotations

import math

import pytest

from benchmarks.mix import KINDS, Recorded, Request, cpu_by_kind, miss_factor_for, predicted_ratio

A = Request("detail", "GET", "/v1/entities/a")
B = Request("detail", "GET", "/v1/entities/b")
POST = Request("reconcile", "POST", "/v1/reconcile", "queries=...")
COSTS = dict.fromkeys(KINDS, 0.0) | {"detail": 0.010, "reconcile": 0.100}


def test_a_repeated_get_costs_a_hit_and_a_first_one_a_miss() -> None:
    # One second of CPU, a ceiling of 1,000 r/s. A then B (10 ms each), then each
    # repeat costs 1 ms: (1 - 0.02) / 0.001 = 980 more, 982 in all.
    ratio = predicted_ratio([A, B], COSTS, 0.001, 1.0, 1000)
    assert ratio == pytest.approx(0.982)


def test_a_post_is_never_a_hit() -> None:
    # Every POST costs its 100 ms: ten fit in the second.
    assert predicted_ratio([POST], COSTS, 0.001, 1.0, 1000) == pytest.approx(0.010)
    # Alternating, each pair costs 101 ms after the first: nine pairs and one more.
    assert predicted_ratio([A, POST], COSTS, 0.001, 1.0, 1000) == pytest.approx(0.019)


def test_the_prediction_never_passes_the_ceiling() -> None:
    free = dict.fromkeys(KINDS, 0.0)
    assert predicted_ratio([A, B], free, 0.0, 2.0, 500) == 1.0


def test_more_cpu_serves_more() -> None:
    one = predicted_ratio([A, B, POST], COSTS, 0.001, 1.0, 1000)
    two = predicted_ratio([A, B, POST], COSTS, 0.001, 2.0, 1000)
    # A, B and POST (120 ms), eight rounds of two hits and a POST (816 ms), two hits.
    assert one == pytest.approx(0.029)
    assert two > one


def test_the_factor_makes_the_misses_cheap_enough_for_the_target() -> None:
    mix = [A, POST]
    factor = miss_factor_for(0.3, mix, COSTS, 0.001, 1.0, 1000)
    cheaper = {k: v / factor for k, v in COSTS.items()}
    assert predicted_ratio(mix, cheaper, 0.001, 1.0, 1000) >= 0.3
    slightly_less = {k: v / (factor / 1.02) for k, v in COSTS.items()}
    assert predicted_ratio(mix, slightly_less, 0.001, 1.0, 1000) < 0.3
    assert miss_factor_for(0.001, mix, COSTS, 0.001, 1.0, 1000) == 1.0  # already there


def test_no_factor_helps_when_the_hits_alone_cost_too_much() -> None:
    # Hits of 5 ms allow at most 200 r/s, 0.2 of a 1,000 r/s ceiling.
    assert miss_factor_for(0.3, [A], COSTS, 0.005, 1.0, 1000) == math.inf


def test_a_kinds_cpu_is_the_mean_over_its_requests() -> None:
    records = [
        Recorded(A, 200, "", "", 0.001, 0.0),
        Recorded(B, 200, "", "", 0.001, 0.010),
        Recorded(POST, 200, "", "", 0.001, 0.030),
    ]
    spent = cpu_by_kind(records)
    assert spent["detail"] == pytest.approx(0.005)
    assert spent["reconcile"] == pytest.approx(0.030)
    assert math.isnan(spent["search"])
