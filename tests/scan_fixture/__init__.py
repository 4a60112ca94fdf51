"""A package of purpose-built classes, one per verdict a scan gives (tests/test_scan.py).

This module re-exports a class defined elsewhere: a scan reports it once,
under the module that defines it.
"""

from tests.scan_fixture.compliant import CompliantLLM

__all__ = ["CompliantLLM"]
