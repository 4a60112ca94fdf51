"""The checks, one module per area of CHECKLIST.md; importing registers them."""

from harness.checks import callbacks, docs, interface, methods

__all__ = ["callbacks", "docs", "interface", "methods"]
