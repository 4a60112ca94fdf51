"""The release: one version, and install snippets whose refs exist in this repository."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys

import pytest
import pytest_llm_compliance

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import pin_refs


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )


def test_the_version_is_written_once_and_read_by_the_build():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project
    assert project["dynamic"] == ["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+)?", pytest_llm_compliance.__version__)
    installed = importlib.metadata.version("pytest-llm-compliance")
    assert installed == pytest_llm_compliance.__version__, "reinstall: pip install -e ."


def test_the_changelog_has_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {pytest_llm_compliance.__version__}" in changelog


def _all_snippets() -> list[tuple[str, str, str | None]]:
    found = []
    for path in pin_refs.documents():
        if path.exists():
            for match in pin_refs.snippets(path.read_text()):
                found.append((path.name, match["ref"], match["tag"]))
    return found


def test_the_readme_and_docs_have_both_install_snippets():
    kinds = {bool(re.search(r"^[0-9a-f]{40}$", ref)) for _, ref, _ in _all_snippets()}
    assert kinds == {True}, "a snippet is not pinned to a full SHA: python tools/pin_refs.py vX"
    text = (ROOT / "README.md").read_text()
    assert any(True for _ in pin_refs.PRE_COMMIT.finditer(text))
    assert any(True for _ in pin_refs.ACTION.finditer(text))


def test_every_snippet_names_its_releases_commit_in_this_repository():
    """The SHA is a commit here whose version is the comment's tag (and the tag names it)."""
    if git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout: the refs cannot be looked up")
    if git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        pytest.skip("a shallow clone holds no older commit: the refs cannot be looked up")
    for name, ref, tag in _all_snippets():
        assert tag, f"{name}: the snippet pinned to {ref[:12]} does not say its tag"
        assert git("cat-file", "-e", f"{ref}^{{commit}}").returncode == 0, (
            f"{name}: {ref} is no commit of this repository"
        )
        source = git("show", f"{ref}:harness/pytest_llm_compliance/__init__.py").stdout
        assert f'__version__ = "{tag.removeprefix("v")}"' in source, (
            f"{name}: {ref[:12]} is not the commit of release {tag}"
        )
        if git("tag", "--list", tag).stdout.strip():  # a clone may come without its tags
            tagged = git("rev-parse", "--verify", "--quiet", f"{tag}^{{commit}}").stdout.strip()
            assert tagged == ref, f"{name}: tag {tag} names {tagged[:12]}, not {ref[:12]}"


def test_pin_refs_rewrites_both_snippets():
    text = (
        "  - repo: https://github.com/pytest-llm-compliance/pytest-llm-compliance\n"
        "    rev: v0.1.0\n"
        "      - uses: pytest-llm-compliance/pytest-llm-compliance/.github/actions/"
        "llm-compliance@67f328a\n"
    )
    pinned = pin_refs.pin(text, "a" * 40, "v9.9.9")
    assert f"rev: {'a' * 40}  # frozen: v9.9.9" in pinned
    assert f"llm-compliance@{'a' * 40} # v9.9.9" in pinned
    assert pin_refs.pin(pinned, "a" * 40, "v9.9.9") == pinned
