"""The search API: the only thing the browser talks to (see docs/api.md)."""
