"""Measure the harness on the gallery of published classes: caught violations, false alarms.

Run ``python -m tests.real_classes``; ``--report-html PATH`` also writes the census, the
class x check grid of every class (``docs/census/grid.html`` is made so).

A violation is a (class, id) whose source breaks the rule; it is caught when the
harness fails it. A false alarm is a failure where the source follows the rule or
the rule does not apply. A silent pass is ``passed`` where the rule does not apply.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pytest_llm_compliance import check_llm
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.reports.files import write_report
from pytest_llm_compliance.reports.formats import Report, TargetReport

from tests.real_classes import all_cases, running

ONE_VERDICT = "one defect, one verdict"


def main(argv: list[str] | None = None) -> int:
    """Print one line per class and the totals; exit 1 on any false alarm."""
    parser = argparse.ArgumentParser(prog="python -m tests.real_classes", description=__doc__)
    parser.add_argument("--report-html", metavar="PATH", help="write the census grid here")
    args = parser.parse_args(argv)
    violations = caught = false_alarms = silent = checked = elsewhere = 0
    distributions = set()
    grid: list[TargetReport] = []
    for case in all_cases():
        if not case.importable:
            print(f"{case.name}: not installed, left out")
            continue
        with running(case) as url:
            target, params = case.build(url)
            records = check_llm(target, params, timeout=10)
        distributions.add(case.distribution)
        kind = records[0].kind if records else ""
        grid.append(
            TargetReport(f"{case.name} ({case.distribution})", Settings(), records, kind=kind)
        )
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
    totals = (
        f"{len(distributions)} distributions, {checked} (class, check) pairs: "
        f"{caught} of {violations} violations caught ({share}), "
        f"{false_alarms} false alarms, {silent} silent passes; {elsewhere} more broken "
        "rules reported through another check (one defect, one verdict)"
    )
    print("\n" + totals)
    if args.report_html:
        write_census(Path(args.report_html), Report(grid), totals)
    return 1 if false_alarms or silent else 0


def write_census(path: Path, report: Report, totals: str) -> None:
    """The class x check grid of the gallery's published classes, as one HTML page."""
    from pytest_llm_compliance.reports.html import to_html

    notes = [
        "Published classes run against fake vendor servers on 127.0.0.1 that speak each "
        "vendor's wire format: no key, no network. Made by "
        "`python -m tests.real_classes --report-html docs/census/grid.html`.",
        "Each class's expected verdicts, with the evidence in its source, are in "
        "tests/real_classes/. " + totals,
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    page = to_html(report, title="Census: published classes", notes=notes, noun="classes")
    write_report(path, page)


if __name__ == "__main__":
    sys.exit(main())
