"""pytest."""
