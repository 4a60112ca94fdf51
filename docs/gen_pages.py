"""Pages made from the code at build time (mkdocs-gen-files): the check catalog, the settings.

``mkdocs build`` runs this: the catalog comes from ``checks._api.catalog()`` (rule,
source, fix), ``docs/_checks/<id>.md`` (why it matters) and the purpose-built model
of ``tests/gallery*.py`` that breaks the rule alone (the failing snippet, which
``tests/test_gallery.py`` shows failing that id and no other); the settings table
comes from ``core.settings.SETTINGS``, the one table every face is made from.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "harness"), str(ROOT)]  # this checkout, and its tests' gallery

from pytest_llm_compliance.checks._api import catalog  # noqa: E402
from pytest_llm_compliance.core.registry import SECTIONS  # noqa: E402
from pytest_llm_compliance.core.settings import SETTINGS  # noqa: E402
from pytest_llm_compliance.kinds import kind_named  # noqa: E402

from tests.gallery import BROKEN  # noqa: E402
from tests.gallery_chat import CHAT_BROKEN, STOP_FIELD_BROKEN  # noqa: E402

SOURCE = "https://github.com/pytest-llm-compliance/pytest-llm-compliance/blob/main/"


def anchor(check_id: str) -> str:
    """The section's id: what every failure message's ``fix:`` link ends with."""
    return check_id.replace(".", "")


def failing_model(check_id: str) -> type:
    """The gallery's model that breaks ``check_id`` alone (text models first)."""
    for gallery in (BROKEN, STOP_FIELD_BROKEN, CHAT_BROKEN):
        for model, broken in gallery.items():
            if broken == check_id:
                return model
    raise LookupError(f"no gallery model breaks {check_id}")


def check_section(check_id: str) -> str:
    """One check's section: rule, why it matters, the fix, a failing and a passing snippet."""
    check = catalog()[check_id]
    model = failing_model(check_id)
    kind = "chat" if check.area == "chat" or model in CHAT_BROKEN else "llm"
    reference = "EchoChatModel" if kind == "chat" else "EchoLLM"
    why = (ROOT / "docs" / "_checks" / f"{check_id}.md").read_text(encoding="utf-8").strip()
    failing = textwrap.dedent(inspect.getsource(model)).strip()
    where = Path(inspect.getfile(model)).relative_to(ROOT)
    chat_rule = kind_named("chat").rule(check_id, check.rule)
    rules = f"**Rule:** {check.rule}"
    if chat_rule != check.rule:
        rules += f"  \n**For chat models:** {chat_rule}"
    return "\n".join(
        [
            f"### `{check_id}` {{ #{anchor(check_id)} }}",
            "",
            rules,
            "",
            f"**From the guide:** {check.source}",
            "",
            "**Why it matters.** " + why,
            "",
            "**How to fix:**",
            "",
            "```python",
            check.fix,
            "```",
            "",
            f"**Failing:** `{model.__name__}` ([{where}]({SOURCE}{where})) breaks this "
            "rule and no other:",
            "",
            "```python",
            failing,
            "```",
            "",
            f"**Passing:** the fix above, as the reference `{reference}` writes it "
            f"([reference_llm]({SOURCE}reference_llm)): it passes every check.",
            "",
        ]
    )


def checks_page() -> str:
    """The catalog, in the guide's sections and the catalog's order."""
    lines = [
        "# The checks",
        "",
        "Every check has a stable id: an id never changes meaning. A failure message "
        "says what was expected, what was observed, the likely cause, and ends with "
        "`fix:` and a link to the check's section below. This page is made from the "
        "code's catalog when the site is built.",
        "",
    ]
    checks = catalog()
    for section, areas in SECTIONS.items():
        lines += [f"## {section}", ""]
        for check_id, check in checks.items():
            if check.area in areas:
                lines.append(check_section(check_id))
    return "\n".join(lines)


def settings_page() -> str:
    """Every setting's names in every place, from the one table, then the rules of precedence."""
    lines = [
        "# Settings",
        "",
        "Every setting is declared once, in `core.settings.SETTINGS`; each face's "
        "option is made from it. This table is generated from it.",
        "",
        "| setting | default | command line | pytest | ini | environment | test class "
        "| Action input |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        values = " \\| ".join(s.choices) if s.choices else s.metavar
        lines.append(
            f"| `{s.key}`: {s.help} | {s.default} | `{s.cli_flag} {values}` | "
            f"`{s.pytest_flag}` | `{s.ini_key}` | `{s.env_var}` | `{s.class_attribute}` | "
            f"`{s.action_input}` |"
        )
    lines += ["", (ROOT / "docs" / "_partials" / "settings.md").read_text(encoding="utf-8")]
    return "\n".join(lines)


with mkdocs_gen_files.open("checks.md", "w") as page:
    page.write(checks_page())
with mkdocs_gen_files.open("settings.md", "w") as page:
    page.write(settings_page())
