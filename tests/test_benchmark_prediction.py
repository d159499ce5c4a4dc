"""The mixed load's ratio the cold pass's CPU costs predict (benchmarks/mix.py): how many
requests of the cycled mix one round's CPU pays for, misses and hits apart."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from benchmarks.mix import KINDS, MixCosts, Recorded, Request, cpu_by_kind

A = Request("detail", "GET", "/v1/entities/a")
B = Request("detail", "GET", "/v1/entities/b")
POST = Request("reconcile", "POST", "/v1/reconcile", "queries=...")
COSTS = dict.fromkeys(KINDS, 0.0) | {"detail": 0.010, "reconcile": 0.100}


def costs(mix: Sequence[Request], hit: float = 0.001, cpus: int = 1) -> MixCosts:
    # Rounds of one second, a ceiling of 1,000 r/s.
    return MixCosts(mix, COSTS, hit, cpus, 1.0, 1000)


def test_a_repeated_get_costs_a_hit_and_a_first_one_a_miss() -> None:
    # One second of CPU. A then B (10 ms each), then each repeat costs 1 ms:
    # (1 - 0.02) / 0.001 = 980 more, 982 in all.
    assert costs([A, B]).predicted_ratio() == pytest.approx(0.982)


def test_a_post_is_never_a_hit() -> None:
    # Every POST costs its 100 ms: ten fit in the second.
    assert costs([POST]).predicted_ratio() == pytest.approx(0.010)
    # Alternating, each pair costs 101 ms after the first: nine pairs and one more.
    assert costs([A, POST]).predicted_ratio() == pytest.approx(0.019)


def test_the_prediction_never_passes_the_ceiling() -> None:
    free = MixCosts([A, B], dict.fromkeys(KINDS, 0.0), 0.0, 2, 1.0, 500)
    assert free.predicted_ratio() == 1.0


def test_two_cpus_serve_twice_the_requests_in_the_same_round() -> None:
    one = costs([POST]).predicted_ratio()
    two = costs([POST], cpus=2).predicted_ratio()
    assert one == pytest.approx(0.010)  # ten POSTs of 100 ms in the second
    assert two == pytest.approx(0.020)
    # A, B and POST (120 ms), eight rounds of two hits and a POST (816 ms), two hits.
    assert costs([A, B, POST]).predicted_ratio() == pytest.approx(0.029)


def test_the_factor_makes_the_misses_cheap_enough_for_the_target() -> None:
    mixed = costs([A, POST])
    factor = mixed.miss_factor_for(0.3)
    assert mixed.predicted_ratio(factor) >= 0.3
    assert mixed.predicted_ratio(factor / 1.02) < 0.3
    assert mixed.miss_factor_for(0.001) == 1.0  # already there


def test_no_factor_helps_when_the_hits_alone_cost_too_much() -> None:
    # Hits of 5 ms allow at most 200 r/s, 0.2 of a 1,000 r/s ceiling.
    assert costs([A], hit=0.005).miss_factor_for(0.3) == math.inf


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
