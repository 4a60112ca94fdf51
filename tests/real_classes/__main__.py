"""Measure the harness on the gallery of published classes: caught violations, false alarms.

Run ``python -m tests.real_classes``. A violation is a (class, id) whose source
breaks the rule; it is caught when the harness fails it. A false alarm is a
failure where the source follows the rule or the rule does not apply. A silent
pass is ``passed`` where the rule does not apply.
"""

from __future__ import annotations

import sys

from pytest_llm_compliance import check_llm

from tests.real_classes import all_cases, running

ONE_VERDICT = "one defect, one verdict"


def main() -> int:
    """Print one line per class and the totals; exit 1 on any false alarm."""
    violations = caught = false_alarms = silent = checked = elsewhere = 0
    distributions = set()
    for case in all_cases():
        if not case.importable:
            print(f"{case.name}: not installed, left out")
            continue
        with running(case) as url:
            target, params = case.build(url)
            records = check_llm(target, params, timeout=10)
        distributions.add(case.distribution)
        got = {r.id: str(r.outcome) for r in records}
        notes = []
        for check_id, expect in case.expected.items():
            checked += 1
            outcome = got.get(check_id, "missing")
            if expect.outcome == "failed":
                violations += 1
                caught += outcome == "failed"
                if outcome != "failed":
                    notes.append(f"missed {check_id}")
            elif outcome in ("failed", "error"):
                false_alarms += 1
                notes.append(f"false alarm {check_id}")
            elif expect.outcome == "skipped" and ONE_VERDICT in expect.evidence:
                elsewhere += 1
            if expect.outcome == "skipped" and outcome == "passed":
                silent += 1
                notes.append(f"silent pass {check_id}")
        print(f"{case.name} ({case.distribution}): {'; '.join(notes) or 'all verdicts right'}")
    share = f"{100 * caught / violations:.0f}%" if violations else "n/a"
    print(
        f"\n{len(distributions)} distributions, {checked} (class, check) pairs: "
        f"{caught} of {violations} violations caught ({share}), "
        f"{false_alarms} false alarms, {silent} silent passes; {elsewhere} more broken "
        "rules reported through another check (one defect, one verdict)"
    )
    return 1 if false_alarms or silent else 0


if __name__ == "__main__":
    sys.exit(main())
