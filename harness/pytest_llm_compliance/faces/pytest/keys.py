"""What the pytest face's modules share: stash keys and the harness's error.

The hook module (``plugin``), the items (``runner``) and the scan items (``scan``) all
read these; keeping them here keeps those modules free of import cycles.
"""

from __future__ import annotations

import pytest

REPORT_ATTRIBUTE = "llm_compliance"
"""The attribute of a test report that carries its check record, as JSON text.

A report attribute travels with the report to xdist's controller, and stays
out of ``--junitxml`` (user properties would become a ``<properties>`` child
of each test case, which JUnit's xunit2 schema does not allow).
"""
SELECTED = pytest.StashKey[dict[object, set[str]]]()
"""Per target label or test class, the check ids left after -k/--deselect."""
RECORD = pytest.StashKey[str]()
"""The check record of a test item, as JSON text, for its reports."""


class HarnessError(Exception):
    """The harness could not run a check: a bug to report, not a verdict."""
