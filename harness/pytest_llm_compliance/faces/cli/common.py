"""What the CLI's commands share. It imports nothing of ours, so no command imports another."""

from __future__ import annotations


class UsageProblem(Exception):
    """Bad input: reported on one line, exit code 2."""
