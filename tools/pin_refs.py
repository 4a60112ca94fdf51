"""Pin the install snippets (pre-commit ``rev:``, the Action's ``uses:``) to a release tag.

usage: python tools/pin_refs.py vX.Y.Z [--check]

Every snippet in README.md and docs/ that installs this project gets the full commit SHA
the tag names, with the tag in a comment (``rev: <sha>  # frozen: v0.3.0``, ``uses:
...@<sha> # v0.3.0``): a SHA cannot be moved, and a reader sees the release. With
``--check`` nothing is written; the exit code is 1 if a snippet names another commit.
RELEASING.md says when to run it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "pytest-llm-compliance/pytest-llm-compliance"
PRE_COMMIT = re.compile(
    rf"(?P<head>- repo: https://github\.com/{REPOSITORY}\n\s+rev: )(?P<ref>\S+)"
    r"(?P<tail>[ \t]+# frozen: (?P<tag>\S+))?"
)
ACTION = re.compile(
    rf"(?P<head>uses: {REPOSITORY}/\.github/actions/llm-compliance@)(?P<ref>\S+)"
    r"(?P<tail>[ \t]+# (?P<tag>\S+))?"
)
SNIPPETS = (PRE_COMMIT, ACTION)


def documents(root: Path = ROOT) -> list[Path]:
    """The files whose snippets a user copies: the README and the docs site's pages."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def snippets(text: str) -> Iterator[re.Match[str]]:
    """Every install snippet of ``text``."""
    for pattern in SNIPPETS:
        yield from pattern.finditer(text)


def commit_of(tag: str, root: Path = ROOT) -> str:
    """The full SHA of the commit ``tag`` names; raises ``SystemExit`` if there is none."""
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{tag}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"pin_refs: no tag {tag} in this repository (see RELEASING.md)")
    return result.stdout.strip()


def pin(text: str, sha: str, tag: str) -> str:
    """``text`` with every snippet naming ``sha``, the tag in its comment."""
    text = PRE_COMMIT.sub(lambda m: f"{m['head']}{sha}  # frozen: {tag}", text)
    return ACTION.sub(lambda m: f"{m['head']}{sha} # {tag}", text)


def main(argv: list[str]) -> int:
    """Pin (or with ``--check``, verify) every snippet; print what changed or is wrong."""
    if not argv or argv[0].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    tag, check = argv[0], "--check" in argv[1:]
    sha = commit_of(tag)
    wrong = 0
    for path in documents():
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        pinned = pin(text, sha, tag)
        if pinned == text:
            continue
        wrong += 1
        if check:
            print(f"{path.relative_to(ROOT)}: a snippet does not name {tag} ({sha[:12]})")
        else:
            path.write_text(pinned, encoding="utf-8")
            print(f"{path.relative_to(ROOT)}: pinned to {tag} ({sha[:12]})")
    return 1 if check and wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
