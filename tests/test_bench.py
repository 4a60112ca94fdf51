"""The benchmark script's own measures run (the timed ones are for `python -m bench`)."""

from __future__ import annotations

import pytest

from bench.__main__ import cost, report, scan_rate, scan_rows


def test_cost_counts_each_observation_and_stays_within_the_goal():
    measured = cost()
    assert measured["total"] == sum(measured["per_observation"].values())
    assert measured["total"] <= 25
    assert measured["per_observation"]["batch: batch"] == 3


def test_the_chat_catalog_costs_at_most_30_calls_on_the_reference():
    measured = cost("reference_llm:EchoChatModel")
    assert measured["total"] == sum(measured["per_observation"].values())
    assert measured["total"] <= 30
    assert measured["per_observation"]["tool_calls: invoke (tools bound)"] == 1


def test_report_marks_goals_met_and_missed():
    results = {
        "overhead": {
            "floor_s": 1.0,
            "full_s": 1.5,
            "ratio": 1.5,
            "none_s": 1.1,
            "none_ratio": 1.1,
        },
        "cost": {"total": 24, "per_observation": {"invoke: invoke(str)": 1}},
        "chat_cost": {"total": 31, "per_observation": {}},
        "latency": {"latency_s": 0.2, "wall_s": 1.8, "ratio": 9.0, "bad": []},
        "scale": {"latency_s": 0.2, "serial_s": 16.0, "parallel_s": 10.0, "speedup": 1.6},
        "scale_serial_calls": {
            "latency_s": 0.2,
            "serial_s": 40.0,
            "parallel_s": 22.0,
            "speedup": 1.8,
        },
        "anchor": {"wall_s": 2.0, "ratio": 3.5, "model_calls": 19, "outcome": "17 passed"},
        "imports": {"import_ms": 2.0, "session_with_s": 1.2, "session_without_s": 1.2},
        "scan": [
            {"target": "pkg", "workers": 2, "installed": True, "classes": 100, "wall_s": 200.0,
             "rate": 0.5},
            {"target": "pkg", "workers": 1, "installed": False},
        ],
    }  # fmt: skip
    text = report(results, 3)
    overhead = (
        "| 1. overhead: full checklist on EchoLLM / import floor (isolated, the default) "
        "| 1.50 (1.50 s / 1.00 s) |"
    )
    assert f"{overhead} <= 1.15 | **no** |" in text
    assert (
        "| 1b. the same in-process (`--isolation none`) | 1.10 (1.10 s / 1.00 s) | <= 1.3 | yes |"
        in text
    )
    assert "| 2. cost: model calls, full catalog | 24 | <= 25 | yes |" in text
    assert "| 2b. cost: model calls, full catalog on EchoChatModel | 31 | <= 30 | **no** |" in text
    scan = "| 6. scan: `pkg`, 2 workers, classes per second | 0.5 (100 classes in 200.0 s) |"
    assert f"{scan} <= 180 s | **no** |" in text
    assert "| 6b. scan: `pkg`, 1 worker, classes per second | not installed |" in text


def test_scan_rate_counts_the_classes_of_a_real_scan(tmp_path):
    measured = scan_rate(tmp_path, "tests.scan_fixture.compliant", workers=1)
    assert measured["classes"] == 2
    assert measured["rate"] == pytest.approx(2 / measured["wall_s"])
    assert scan_rows([measured])[0].endswith("| <= 180 s | yes |")
    assert scan_rate(tmp_path, "no_such_package_here")["installed"] is False
