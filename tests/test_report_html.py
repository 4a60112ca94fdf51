"""``--report-html``: the page's content, and what a real browser shows of it.

The browser tests drive Debian's headless Chromium (``apt-get install
chromium``; ``.ci/run`` installs it): ``--dump-dom`` gives the page after its
script ran, with the filter read from the URL fragment, and a screenshot is
kept in ``build/test-artifacts/``. Where Chromium is not installed they skip
and say so.
"""

from __future__ import annotations

import inspect
import io
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pytest_llm_compliance.core.outcomes import Outcome
from pytest_llm_compliance.faces.cli.main import main
from pytest_llm_compliance.reports.html import to_html
from pytest_llm_compliance.scan.modules import ScanJob
from pytest_llm_compliance.scan.scanner import ScanResult, scan

from tests.scan_fixture import broken
from tests.test_scan import IDS

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page(HTMLParser):
    """The elements of a page, flat: (tag, attributes, text inside)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[dict[str, object]] = []
        self._open: list[dict[str, object]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        self.elements.append(element)
        if tag not in ("meta", "input", "br", "img", "link"):
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] = str(element["text"]) + data

    def find(self, tag: str, cls: str = "", **attrs: str) -> list[dict[str, object]]:
        return [
            e
            for e in self.elements
            if e["tag"] == tag
            and (not cls or cls in str(e.get("class", "")).split())
            and all(e.get(k) == v for k, v in attrs.items())
        ]


@pytest.fixture(scope="module")
def fixture_scan() -> ScanResult:
    return scan(["tests.scan_fixture"], ScanJob(IDS), workers=0)


@pytest.fixture(scope="module")
def page_text(fixture_scan) -> str:
    return to_html(
        fixture_scan.report(),
        title="scan of tests.scan_fixture",
        check_ids=fixture_scan.check_ids,
        modules=[(m.name, m.error) for m in fixture_scan.failed_imports],
        noun="classes",
    )


def test_the_page_has_a_cell_per_record_coloured_by_outcome(fixture_scan, page_text):
    page = Page(page_text)
    cells = page.find("td", "cell")
    assert len(cells) == len(fixture_scan.classes) * len(IDS)
    for outcome in Outcome:
        wanted = sum(r.outcome is outcome for r in fixture_scan.records)
        assert len(page.find("td", f"o-{outcome.value}")) == wanted, outcome
    plain_key = next(
        r
        for r in page.find("tr")
        if "brokenplainkey" in str(r.get("data-name", "")).replace(":", "").replace(".", "")
    )
    assert plain_key
    assert len(page.find("tbody")) == 1
    assert len(page.find("tr", **{"data-name": "tests.scan_fixture.broken:plainkey"})) == 1


def test_counts_per_check_and_per_class(fixture_scan, page_text):
    page = Page(page_text)
    footer = page.find("td", "foot")
    assert len(footer) == len(IDS)
    secretstr = footer[IDS.index("secrets.secretstr")]
    assert "2 failed, 5 passed of 15" in str(secretstr["title"])
    failed_counts = [
        int(str(td["text"])) for td in page.find("td", "bad") if "count" in str(td["class"])
    ]
    assert sorted(failed_counts, reverse=True)[:2] == [2, 1]  # NoDocs fails two checks
    assert sum(failed_counts) == 10
    assert page.find("b", **{"data-count": "failed"})[0]["text"] == "10"


def test_the_page_is_self_contained_and_escapes_what_it_shows(fixture_scan):
    report = fixture_scan.report()
    hostile = "</script><script>alert('x')</script><img src=https://evil.example/x.png>"
    page_text = to_html(report, title=hostile, modules=[("m", hostile)])
    page = Page(page_text)
    assert not page.find("img")
    assert len(page.find("script")) == 2
    assert not any(script.get("src") for script in page.find("script"))  # inline only
    assert not page.find("link")
    assert "default-src 'none'" in page_text  # the browser may fetch nothing
    data = json.loads(str(page.find("script", id="data")[0]["text"]))
    assert len(data["cells"]) == len(report.records)
    assert "<script>alert" not in page_text


def test_check_writes_the_same_page_for_its_targets(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = tmp_path / "check.html"
    code = main(["check", "--select", "docs", "--report-html", str(path)], out=io.StringIO())
    assert code == 0
    page = Page(path.read_text())
    rows = page.find("tr", **{"data-name": "reference_llm:echollm"})
    assert len(rows) == 1
    assert len(page.find("td", "cell")) == 3
    assert page.find("span", id="verdict")[0]["text"] == "PASSED"


# --- in a real browser --------------------------------------------------------------


def needs_chromium(test: Any) -> Any:
    """A test that looks at the page in Chromium: slow, and skipped where there is none."""
    absent = pytest.mark.skipif(
        CHROMIUM is None,
        reason="Chromium is not installed (apt-get install chromium): the page is not looked at "
        "in a browser here",
    )
    return pytest.mark.slow(absent(test))


def _chromium(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def page_file(tmp_path_factory, page_text) -> Path:
    path = tmp_path_factory.mktemp("html") / "scan.html"
    path.write_text(page_text, encoding="utf-8")
    return path


def _visible_rows(dom: Page) -> list[str]:
    return [str(r["data-name"]) for r in dom.find("tr") if "data-name" in r and "hidden" not in r]


@needs_chromium
def test_the_browser_shows_every_class_and_its_cells(page_file, tmp_path, fixture_scan):
    dom = Page(_chromium(tmp_path, "--dump-dom", page_file.as_uri()))
    assert len(_visible_rows(dom)) == len(fixture_scan.classes)
    assert dom.find("span", id="shown")[0]["text"] == "15 of 15 shown"
    assert len(dom.find("td", "cell")) == 15 * len(IDS)
    assert not dom.find("td", "dim")  # nothing filtered out
    assert "hidden" in dom.find("aside", id="detail")[0]  # no cell opened yet


@needs_chromium
def test_the_filter_hides_the_rows_and_columns_it_leaves_out(page_file, tmp_path):
    url = page_file.as_uri() + "#outcome=failed&area=secrets"
    dom = Page(_chromium(tmp_path, "--dump-dom", url))
    assert _visible_rows(dom) == [
        "tests.scan_fixture.broken:plainkey",
        "tests.scan_fixture.broken:chatplainkey",
    ]
    assert dom.find("span", id="shown")[0]["text"] == "2 of 15 shown"
    hidden_columns = {
        str(c["data-a"]) for c in dom.find("th") if "hidden-col" in str(c.get("class", ""))
    }
    assert hidden_columns == {"interface", "docs"}
    boxes = {str(b["value"]): "checked" in b for b in dom.find("input", name="outcome")}
    assert boxes == {
        "passed": False,
        "failed": True,
        "skipped": False,
        "xfailed": False,
        "error": False,
    }


@needs_chromium
def test_a_cell_opens_its_message_and_location_and_a_screenshot_is_kept(page_file, tmp_path):
    url = page_file.as_uri() + "#outcome=failed&area=secrets&open"
    dom = Page(_chromium(tmp_path, "--dump-dom", url))
    detail = dom.find("aside", id="detail")[0]
    assert "hidden" not in detail
    assert dom.find("span", id="d-title")[0]["text"] == (
        "tests.scan_fixture.broken:PlainKey · secrets.secretstr"
    )
    assert "api_token: str" in str(dom.find("pre", id="d-message")[0]["text"])
    line = inspect.getsourcelines(broken.PlainKey)[1]
    assert dom.find("p", id="d-where")[0]["text"] == f"at {inspect.getsourcefile(broken)}:{line}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-html.png"
    shot.unlink(missing_ok=True)
    _chromium(
        tmp_path, "--window-size=1400,900", f"--screenshot={shot}", page_file.as_uri() + "#open"
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered grid, not a blank page
