"""No harness output ever shows a canary, a model's key, or a credential from the
environment: terminal, JSON, Markdown, JUnit, step summary and annotations."""

from __future__ import annotations

import io
from pathlib import Path

from pytest_llm_compliance.faces.cli import main as cli

from tests import hostile
from tests.gallery import BROKEN

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT_SECRETS = {"ACME_API_KEY": "sk-env-credential-0042", "ACME_TOKEN": "tok-env-0042abc"}
MODEL_KEYS = [
    "sk-gallery-token",
    "sk-gallery-logged-key",
    "sk-hostile-printed",
    "sk-gallery-unused-key",
]


def test_no_output_of_a_run_over_the_whole_gallery_holds_a_secret(tmp_path, monkeypatch, capsys):
    canaries: list[str] = []

    def known_canaries(fields):
        made = {field: f"lcc-canary-{field}-fixed{len(canaries):04d}" for field in fields}
        canaries.extend(made.values())
        return made

    monkeypatch.setattr("pytest_llm_compliance.observe.core.make_canaries", known_canaries)
    for name, value in ENVIRONMENT_SECRETS.items():
        monkeypatch.setenv(name, value)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    models = [*BROKEN, hostile.PrintsItsKey, hostile.PrintsKeyFromItsThread]
    targets = "".join(
        f'[[tool.llm-compliance.targets]]\ntarget = "{m.__module__}:{m.__name__}"\n'
        "params = { n = 64 }\n"
        for m in models
    )
    (tmp_path / "pyproject.toml").write_text(f"[tool.llm-compliance]\n{targets}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT))
    out = io.StringIO()
    reports = [tmp_path / name for name in ("r.json", "r.md", "r.xml")]
    code = cli.main(
        [
            "check",
            "--isolation",
            "none",  # the canaries are made known here, in this process
            "--report-json",
            str(reports[0]),
            "--report-md",
            str(reports[1]),
            "--junitxml",
            str(reports[2]),
        ],
        out=out,
    )
    assert code == 1  # the gallery fails, as it should
    captured = capsys.readouterr()
    outputs = {
        "terminal": out.getvalue() + captured.out + captured.err,
        "step summary": summary.read_text(),
        **{path.name: path.read_text() for path in reports},
    }
    assert "::error " in outputs["terminal"]  # the annotations are part of it
    assert len(canaries) >= 5, "no canary was made: nothing was checked"
    secrets = [*canaries, *ENVIRONMENT_SECRETS.values(), *MODEL_KEYS]
    found = [
        f"{secret} in {where}"
        for secret in secrets
        for where, text in outputs.items()
        if secret in text
    ]
    assert not found
    assert "stdout and stderr shows api_key: ...DEBUG request key=<raw api_key>" in outputs["r.md"]
