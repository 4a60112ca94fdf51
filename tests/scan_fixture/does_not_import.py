"""A module whose import fails: reported, and the scan goes on."""

raise ImportError("this module needs the package some_missing_sdk")
