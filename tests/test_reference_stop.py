"""Stop sequences on every path of both references: respected and included."""

from __future__ import annotations

import pytest

from reference_llm.stop import truncate_at_stop

# (prompt, n, stop, expected): the checklist's rule, case by case.
STOP_CASES = [
    pytest.param("hello world", 11, ["o"], "hello", id="single-char-in-middle"),
    pytest.param("hello world", 11, ["lo w"], "hello w", id="multi-char"),
    pytest.param("hello world", 11, ["world", "ell"], "hell", id="earliest-wins"),
    pytest.param("hello world", 11, ["zzz"], "hello world", id="never-found"),
    pytest.param("hello world", 11, ["h"], "h", id="at-the-very-start"),
    pytest.param("Is it. Yes? (no)", 16, ["."], "Is it.", id="dot-is-literal"),
    pytest.param("Is it. Yes? (no)", 16, ["?"], "Is it. Yes?", id="question-literal"),
    pytest.param("Is it. Yes? (no)", 16, ["(n"], "Is it. Yes? (n", id="paren-literal"),
    pytest.param("a.c abc", 7, ["b."], "a.c abc", id="dot-matches-no-other-char"),
    pytest.param("naïve café ☕ done", 18, ["é"], "naïve café", id="unicode"),
    pytest.param("naïve café ☕ done", 18, ["☕"], "naïve café ☕", id="emoji"),
    pytest.param("hello world", 4, ["o"], "hell", id="stop-beyond-n"),
    pytest.param("hello world", 11, [], "hello world", id="empty-list"),
    pytest.param("hello world", 11, ["", "w"], "hello w", id="empty-sequence-ignored"),
]


@pytest.mark.parametrize(("prompt", "n", "stop", "expected"), STOP_CASES)
def test_truncate_at_stop(prompt, n, stop, expected):
    assert truncate_at_stop(prompt[:n], stop) == expected


def test_overlapping_stops_end_at_the_first_completed_sequence():
    assert truncate_at_stop("xabcd", ["abc", "b"]) == "xab"


@pytest.mark.parametrize(("prompt", "n", "stop", "expected"), STOP_CASES)
async def test_every_path_agrees(make_llm, prompt, n, stop, expected):
    llm = make_llm(n)
    assert llm.invoke(prompt, stop=stop) == expected
    assert await llm.ainvoke(prompt, stop=stop) == expected
    assert "".join(llm.stream(prompt, stop=stop)) == expected
    assert "".join([c async for c in llm.astream(prompt, stop=stop)]) == expected
    assert llm.batch([prompt, prompt], stop=stop) == [expected, expected]
