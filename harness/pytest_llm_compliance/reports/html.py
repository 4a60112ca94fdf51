"""``--report-html``: one self-contained page with the target x check grid.

Rows are targets (a scan's classes, or ``check``'s targets), columns are
checks grouped by area, each cell coloured by its outcome. Counts per check
(the last row) and per target (the last columns), filters by outcome, area
and name, and each cell opens its message and location. No external asset,
no network: the styles, the script and the data are in the page. The
initial filter can be given in the URL fragment, as the filters write it:
``report.html#outcome=failed,error&area=secrets&q=openai``; ``&open`` also
opens the first failure shown.
"""

from __future__ import annotations

import html
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pytest_llm_compliance import __version__
from pytest_llm_compliance.core.outcomes import BAD, CheckRecord, Outcome
from pytest_llm_compliance.core.registry import AREAS, catalog_info
from pytest_llm_compliance.reports.formats import Report, TargetReport
from pytest_llm_compliance.reports.terminal import KIND_NAMES, SYMBOLS


def to_html(
    report: Report,
    *,
    title: str = "llm-compliance report",
    check_ids: Sequence[str] | None = None,
    modules: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
    noun: str = "targets",
) -> str:
    """The page; ``modules`` are (name, error) of modules that did not import.

    ``noun`` names the rows (``targets``, or a scan's ``classes``).
    """
    checks = catalog_info()
    ids = list(check_ids or dict.fromkeys(r.id for r in report.records))
    ids.sort(key=lambda i: (AREAS.index(i.partition(".")[0]), list(checks).index(i)))
    cells: list[list[object]] = []
    rows = [_row(target, ids, cells) for target in report.targets]
    data = {"cells": cells, "rules": {i: checks[i].rule for i in ids if i in checks}}
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    counts = Counter(record.outcome for record in report.records)
    verdict = report.verdict
    return PAGE.format(
        title=_e(title),
        verdict=verdict,
        verdict_text=verdict.replace("_", " ").upper(),
        version=_e(__version__),
        created=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(report.created)),
        notes="".join(f"<li>{_e(note)}</li>" for note in notes),
        outcome_filters="".join(
            f'<label class="chip k-{o.value}"><input type="checkbox" name="outcome" '
            f'value="{o.value}" checked><span class="sym">{SYMBOLS[o]}</span> {o.value} '
            f'<b data-count="{o.value}">{counts[o]}</b></label>'
            for o in Outcome
        ),
        area_filters="".join(
            f'<label class="chip area"><input type="checkbox" name="area" value="{a}" '
            f"checked> {a}</label>"
            for a in AREAS
            if any(i.startswith(a + ".") for i in ids)
        ),
        area_head="".join(
            f'<th class="area-head" data-a="{area}" colspan="{n}">{area}</th>'
            for area, n in _areas(ids)
        ),
        check_head="".join(
            f'<th class="check-head" data-a="{i.partition(".")[0]}" title="{_e(i)}: '
            f'{_e(checks[i].rule if i in checks else "")}"><span>{_e(i.partition(".")[2])}'
            "</span></th>"
            for i in ids
        ),
        rows="".join(rows),
        footer="".join(_footer_cell(i, report.records) for i in ids),
        total_failed=sum(record.outcome in BAD for record in report.records),
        targets=len(report.targets),
        noun=_e(noun),
        modules=_modules(modules),
        data=payload,
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _areas(ids: Sequence[str]) -> list[tuple[str, int]]:
    spans: list[tuple[str, int]] = []
    for check_id in ids:
        area = check_id.partition(".")[0]
        if spans and spans[-1][0] == area:
            spans[-1] = (area, spans[-1][1] + 1)
        else:
            spans.append((area, 1))
    return spans


def _row(target: TargetReport, ids: Sequence[str], cells: list[list[object]]) -> str:
    label, records = target.target, target.records
    kind = f" ({KIND_NAMES[target.kind]})" if target.kind in KIND_NAMES else ""
    by_id = {record.id: record for record in records}
    module, sep, name = label.rpartition(":")
    shown = f'<span class="mod">{_e(module)}{sep}</span><b>{_e(name)}</b>'
    tds = []
    for check_id in ids:
        area = check_id.partition(".")[0]
        record = by_id.get(check_id)
        if record is None:
            tds.append(f'<td class="cell none" data-a="{area}" data-o="none"></td>')
            continue
        cells.append(
            [label, record.id, record.outcome.value, record.message, record.file, record.line]
        )
        tds.append(
            f'<td class="cell o-{record.outcome.value}" data-a="{area}" '
            f'data-o="{record.outcome.value}" data-i="{len(cells) - 1}" tabindex="0" '
            f'title="{_e(record.id)}: {_e(record.headline)}">{SYMBOLS[record.outcome]}</td>'
        )
    failed = sum(record.outcome in BAD for record in records)
    passed = sum(record.outcome is Outcome.PASSED for record in records)
    return (
        f'<tr data-name="{_e(label.lower())}"><th class="name" scope="row" '
        f'title="{_e(label + kind)}">'
        f'{shown}</th>{"".join(tds)}<td class="count bad{" zero" if not failed else ""}">'
        f'{failed}</td><td class="count good">{passed}</td></tr>'
    )


def _footer_cell(check_id: str, records: Sequence[CheckRecord]) -> str:
    mine = [record for record in records if record.id == check_id]
    failed = sum(record.outcome in BAD for record in mine)
    passed = sum(record.outcome is Outcome.PASSED for record in mine)
    return (
        f'<td class="count foot" data-a="{check_id.partition(".")[0]}" '
        f'title="{_e(check_id)}: {failed} failed, {passed} passed of {len(mine)}">'
        f'<span class="bad{" zero" if not failed else ""}">{failed}</span>'
        f'<span class="good">{passed}</span></td>'
    )


def _modules(modules: Sequence[tuple[str, str]]) -> str:
    if not modules:
        return ""
    items = "".join(f"<li><code>{_e(name)}</code> {_e(error)}</li>" for name, error in modules)
    return (
        f'<section class="modules"><h2>Modules that did not import ({len(modules)})</h2>'
        f"<ul>{items}</ul></section>"
    )


PAGE = Path(__file__).with_name("page.html").read_text(encoding="utf-8")
"""The page's template (``str.format``: ``{name}`` is filled in, ``{{``/``}}`` are braces)."""
