"""Modules that crash, exit, hang or phone home at import (tests/test_scan.py).

Only ever scanned by worker processes, never imported by the test session.
"""
