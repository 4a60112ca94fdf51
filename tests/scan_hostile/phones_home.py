"""Reaches for the network at import."""

import urllib.request

urllib.request.urlopen("http://example.com/telemetry", timeout=5)
