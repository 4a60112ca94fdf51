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


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{title}</title>
<style>
:root {{
  --bg: #f6f8fa; --panel: #ffffff; --ink: #1f2328; --muted: #656d76; --line: #d0d7de;
  --passed: #1a7f37; --passed-bg: #dafbe1; --failed: #cf222e; --failed-bg: #ffebe9;
  --skipped: #6e7781; --skipped-bg: #eaeef2; --xfailed: #9a6700; --xfailed-bg: #fff8c5;
  --error: #8250df; --error-bg: #fbefff;
}}
* {{ box-sizing: border-box; }}
body {{ margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
header {{ background: var(--panel); border-bottom: 1px solid var(--line); padding: 16px 24px; }}
h1 {{ margin: 0 0 4px; font-size: 20px; display: flex; gap: 12px; align-items: center; }}
h2 {{ font-size: 16px; margin: 0 0 8px; }}
.verdict {{ font-size: 12px; padding: 2px 10px; border-radius: 999px; color: #fff; }}
.verdict.passed {{ background: var(--passed); }} .verdict.failed {{ background: var(--failed); }}
.verdict.error, .verdict.could_not_check {{ background: var(--error); }}
.meta {{ color: var(--muted); margin: 0; padding-left: 18px; }}
.controls {{ display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 12px 24px;
  background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0;
  z-index: 5; }}
.controls .group {{ display: flex; gap: 6px; align-items: center; margin-right: 12px; }}
.controls .label {{ color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .04em; }}
.chip {{ border: 1px solid var(--line); border-radius: 999px; padding: 3px 10px; cursor: pointer;
  user-select: none; background: var(--panel); display: inline-flex; gap: 5px;
  align-items: center; }}
.chip input {{ margin: 0; }}
.chip:has(input:not(:checked)) {{ opacity: .45; text-decoration: line-through; }}
.chip b {{ font-variant-numeric: tabular-nums; }}
.chip .sym {{ display: inline-grid; place-items: center; width: 18px; height: 18px;
  border-radius: 4px; font-size: 12px; font-weight: 700; }}
.k-passed .sym {{ background: var(--passed-bg); color: var(--passed); }}
.k-failed .sym {{ background: var(--failed); color: #fff; }}
.k-skipped .sym {{ background: var(--skipped-bg); color: var(--skipped); }}
.k-xfailed .sym {{ background: var(--xfailed-bg); color: var(--xfailed); }}
.k-error .sym {{ background: var(--error); color: #fff; }}
#q {{ border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; min-width: 220px; }}
#shown {{ color: var(--muted); margin-left: auto; }}
main {{ padding: 16px 24px 220px; }}
.grid-wrap {{ overflow: auto; background: var(--panel); border: 1px solid var(--line);
  border-radius: 8px; max-height: calc(100vh - 190px); }}
table {{ border-collapse: separate; border-spacing: 0; }}
thead th {{ position: sticky; background: var(--panel); z-index: 2; }}
thead tr:first-child th {{ top: 0; }}
thead tr:nth-child(2) th {{ top: 28px; }}
.area-head {{ font-size: 11px; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); border-bottom: 1px solid var(--line); border-left: 1px solid var(--line);
  height: 28px; padding: 0 6px; }}
.check-head {{ height: 128px; vertical-align: bottom; padding: 0 0 6px; width: 32px;
  min-width: 32px; border-bottom: 1px solid var(--line); }}
.check-head span {{ writing-mode: vertical-rl; transform: rotate(180deg); font-weight: 500;
  white-space: nowrap; font-size: 12px; }}
th.name {{ position: sticky; left: 0; background: var(--panel); z-index: 1; text-align: left;
  font-weight: normal; padding: 3px 12px 3px 12px; white-space: nowrap;
  border-right: 1px solid var(--line); max-width: 460px; overflow: hidden;
  text-overflow: ellipsis; }}
thead th.corner {{ left: 0; z-index: 3; text-align: left; vertical-align: bottom;
  padding: 0 12px 6px; border-right: 1px solid var(--line); color: var(--muted);
  font-weight: 500; }}
.mod {{ color: var(--muted); }}
td.cell {{ width: 32px; height: 28px; text-align: center; cursor: pointer; font-weight: 700;
  border: 2px solid var(--panel); border-radius: 6px; font-size: 14px; }}
td.cell:focus {{ outline: 2px solid #0969da; outline-offset: -2px; }}
td.cell.selected {{ outline: 3px solid var(--ink); outline-offset: -3px; }}
.o-passed {{ background: var(--passed-bg); color: var(--passed); }}
.o-failed {{ background: var(--failed); color: #fff; }}
.o-skipped {{ background: var(--skipped-bg); color: var(--skipped); }}
.o-xfailed {{ background: var(--xfailed-bg); color: var(--xfailed); }}
.o-error {{ background: var(--error); color: #fff; }}
td.cell.dim {{ opacity: .18; }}
tbody tr:hover th.name, tbody tr:hover {{ background: #f3f6fa; }}
td.count {{ text-align: right; padding: 0 10px; font-variant-numeric: tabular-nums;
  min-width: 44px; }}
.bad {{ color: var(--failed); font-weight: 700; }} .good {{ color: var(--passed); }}
.zero {{ color: var(--muted); font-weight: normal; }}
tfoot td, tfoot th {{ border-top: 1px solid var(--line); position: sticky; bottom: 0;
  background: var(--panel); }}
td.foot {{ text-align: center; padding: 4px 0; font-size: 12px; line-height: 1.2; }}
td.foot span {{ display: block; }}
th.count-head {{ font-size: 11px; color: var(--muted); vertical-align: bottom;
  padding: 0 10px 6px; }}
[hidden], .hidden-col {{ display: none !important; }}
#detail {{ position: fixed; left: 24px; right: 24px; bottom: 16px; max-height: 42vh;
  overflow: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  box-shadow: 0 8px 28px rgba(31,35,40,.18); padding: 14px 18px; z-index: 10; }}
#detail h2 {{ display: flex; gap: 10px; align-items: center; }}
#detail pre {{ white-space: pre-wrap; word-break: break-word; background: var(--bg);
  border-radius: 6px; padding: 10px 12px; font-size: 12.5px; margin: 8px 0 0; }}
#detail .badge {{ font-size: 12px; padding: 1px 8px; border-radius: 999px; }}
#detail .rule, #detail .where {{ color: var(--muted); margin: 2px 0; }}
#close {{ margin-left: auto; border: 1px solid var(--line); background: var(--panel);
  border-radius: 6px; cursor: pointer; padding: 2px 10px; }}
.modules {{ margin-top: 20px; background: var(--panel); border: 1px solid var(--line);
  border-radius: 8px; padding: 12px 18px; }}
.modules li {{ margin: 2px 0; color: var(--muted); }}
.modules code {{ color: var(--ink); }}
.legend {{ color: var(--muted); margin-top: 10px; }}
</style>
</head>
<body>
<header>
<h1>{title} <span class="verdict {verdict}" id="verdict">{verdict_text}</span></h1>
<ul class="meta">{notes}<li>pytest-llm-compliance {version}, {created}</li></ul>
</header>
<form class="controls" id="filters" onsubmit="return false">
<div class="group"><span class="label">Outcome</span>{outcome_filters}</div>
<div class="group"><span class="label">Area</span>{area_filters}</div>
<input id="q" type="search" placeholder="Filter by name" aria-label="Filter by name">
<span id="shown">{targets} of {targets} shown</span>
</form>
<main>
<div class="grid-wrap">
<table id="grid">
<thead>
<tr><th class="corner" rowspan="2">{targets} {noun} · {total_failed} failures</th>{area_head}
<th class="count-head" rowspan="2">failed</th><th class="count-head" rowspan="2">passed</th></tr>
<tr>{check_head}</tr>
</thead>
<tbody>{rows}</tbody>
<tfoot><tr><th class="name">failed / passed per check</th>{footer}<td></td><td></td></tr></tfoot>
</table>
</div>
<p class="legend">✓ passed · ✗ failed · &ndash; skipped (does not apply) · ! expected failure ·
⚠ error: could not check (the environment refused the model's calls) or a bug of the
harness, as its message says. Click a cell for its message and location.</p>
{modules}
</main>
<aside id="detail" hidden aria-live="polite">
<h2><span id="d-title"></span><span class="badge" id="d-outcome"></span>
<button id="close" type="button">Close</button></h2>
<p class="rule" id="d-rule"></p>
<p class="where" id="d-where"></p>
<pre id="d-message"></pre>
</aside>
<script id="data" type="application/json">{data}</script>
<script>
(function () {{
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#grid tbody tr"));
  var detail = document.getElementById("detail");
  function checked(name) {{
    return Array.prototype.slice.call(form.querySelectorAll("input[name=" + name + "]"))
      .filter(function (box) {{ return box.checked; }})
      .map(function (box) {{ return box.value; }});
  }}
  function apply() {{
    var outcomes = checked("outcome"), areas = checked("area");
    var query = document.getElementById("q").value.trim().toLowerCase();
    document.querySelectorAll("[data-a]").forEach(function (el) {{
      el.classList.toggle("hidden-col", areas.indexOf(el.dataset.a) < 0);
    }});
    var shown = 0;
    rows.forEach(function (row) {{
      var any = false;
      row.querySelectorAll("td.cell").forEach(function (cell) {{
        var on = outcomes.indexOf(cell.dataset.o) >= 0;
        cell.classList.toggle("dim", !on);
        if (on && areas.indexOf(cell.dataset.a) >= 0) {{ any = true; }}
      }});
      var visible = any && (!query || row.dataset.name.indexOf(query) >= 0);
      row.hidden = !visible;
      if (visible) {{ shown += 1; }}
    }});
    document.getElementById("shown").textContent = shown + " of " + rows.length + " shown";
    var parts = [];
    if (outcomes.length < form.querySelectorAll("input[name=outcome]").length) {{
      parts.push("outcome=" + outcomes.join(","));
    }}
    if (areas.length < form.querySelectorAll("input[name=area]").length) {{
      parts.push("area=" + areas.join(","));
    }}
    if (query) {{ parts.push("q=" + encodeURIComponent(query)); }}
    var hash = parts.length ? "#" + parts.join("&") : "";
    if (location.hash !== hash) {{
      history.replaceState(null, "", location.pathname + location.search + hash);
    }}
  }}
  function fromHash() {{
    var params = {{}};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {{
      var kv = part.split("=");
      if (kv[0]) {{ params[kv[0]] = decodeURIComponent(kv.slice(1).join("=")); }}
    }});
    ["outcome", "area"].forEach(function (name) {{
      if (params[name] === undefined) {{ return; }}
      var wanted = params[name].split(",");
      form.querySelectorAll("input[name=" + name + "]").forEach(function (box) {{
        box.checked = box.defaultChecked = wanted.indexOf(box.value) >= 0;
      }});
    }});
    if (params.q !== undefined) {{ document.getElementById("q").value = params.q; }}
  }}
  function open(cell) {{
    var c = data.cells[Number(cell.dataset.i)];
    document.querySelectorAll("td.cell.selected").forEach(function (el) {{
      el.classList.remove("selected");
    }});
    cell.classList.add("selected");
    document.getElementById("d-title").textContent = c[0] + " \u00b7 " + c[1];
    var badge = document.getElementById("d-outcome");
    badge.textContent = c[2];
    badge.className = "badge o-" + c[2];
    document.getElementById("d-rule").textContent = data.rules[c[1]] || "";
    document.getElementById("d-where").textContent = c[4] ? "at " + c[4] + ":" + c[5] : "";
    document.getElementById("d-message").textContent = c[3];
    detail.hidden = false;
  }}
  document.getElementById("grid").addEventListener("click", function (event) {{
    var cell = event.target.closest("td.cell[data-i]");
    if (cell) {{ open(cell); }}
  }});
  document.getElementById("grid").addEventListener("keydown", function (event) {{
    var cell = event.target.closest("td.cell[data-i]");
    if (cell && (event.key === "Enter" || event.key === " ")) {{
      event.preventDefault();
      open(cell);
    }}
  }});
  document.getElementById("close").addEventListener("click", function () {{
    detail.hidden = true;
  }});
  document.addEventListener("keydown", function (event) {{
    if (event.key === "Escape") {{ detail.hidden = true; }}
  }});
  form.addEventListener("input", apply);
  window.addEventListener("hashchange", function () {{ fromHash(); apply(); }});
  var wantOpen = /(^#|&)open(=|&|$)/.test(location.hash);
  fromHash();
  apply();
  var shownCells = "#grid tbody tr:not([hidden]) td.cell[data-i]:not(.dim):not(.hidden-col)";
  var first = wantOpen && (
    document.querySelector(shownCells.replace("td.cell", "td.cell.o-failed")) ||
    document.querySelector(shownCells.replace("td.cell", "td.cell.o-error")) ||
    document.querySelector(shownCells));
  if (first) {{ open(first); }}
}})();
</script>
</body>
</html>
"""
