"""The docs site: built --strict, a section per check id, settings from the one table."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.settings import SETTINGS

from tests.paths import ROOT


def test_every_check_has_its_why_it_matters_text():
    for check_id in catalog():
        text = (ROOT / "docs" / "_checks" / f"{check_id}.md").read_text()
        assert len(text.split()) > 10, check_id


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs", reason="the docs extra: pip install -e '.[docs]'")
    pytest.importorskip("mkdocs_gen_files", reason="the docs extra: pip install -e '.[docs]'")
    folder = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


@pytest.mark.slow
def test_every_failure_link_lands_on_its_checks_section(site):
    page = (site / "checks" / "index.html").read_text()
    for check in catalog().values():
        anchor = check.link.rpartition("#")[2]
        assert check.link.startswith("https://pytest-llm-compliance.github.io/")
        assert f'id="{anchor}"' in page, check.id
        assert f"<code>{check.id}</code>" in page


@pytest.mark.slow
def test_the_settings_page_is_made_from_the_table(site):
    page = (site / "settings" / "index.html").read_text()
    for setting in SETTINGS:
        for name in (setting.cli_flag, setting.pytest_flag, setting.env_var, setting.ini_key):
            assert name in page, name


@pytest.mark.slow
def test_the_census_page_links_its_grid(site):
    assert (site / "census" / "grid.html").exists()
    assert 'href="grid.html"' in (site / "census" / "index.html").read_text()
