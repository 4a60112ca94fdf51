"""Ends its interpreter at import, as a broken C extension can."""

import os

os._exit(7)
