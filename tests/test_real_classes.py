"""The gallery of published classes: each gets the verdict its source shows, per id."""

from __future__ import annotations

import pytest
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.checks._api import catalog

from tests.real_classes import all_cases, running

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_published_class_gets_the_verdicts_its_source_shows(case):
    if not case.importable:
        pytest.skip(f"{case.distribution} is not installed (pip install -e '.[test]')")
    assert set(case.expected) == set(catalog()), "every check id needs an expected verdict"
    with running(case) as url:
        target, params = case.build(url)
        records = check_llm(target, params, timeout=10)
    got = {r.id: (str(r.outcome), r.message) for r in records}
    wrong = {
        check_id: f"expected {expect.asserted} ({expect.evidence}), got {got[check_id][0]}: "
        f"{got[check_id][1]}"
        for check_id, expect in case.expected.items()
        if not expect.accepts(got[check_id][0])
    }
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())


def test_the_gallery_spans_enough_classes_and_distributions():
    assert len(CASES) >= 12
    assert len({case.distribution for case in CASES}) >= 4


def test_the_chat_gallery_holds_core_fakes_and_partner_classes_on_fake_servers():
    chat = [case for case in CASES if case.kind == "chat"]
    assert sum(case.distribution == "langchain-core" for case in chat) >= 3
    partners = {case.distribution for case in chat if case.server is not None}
    assert len(partners) >= 4
