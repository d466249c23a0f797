"""Answering a captured post on the platform where it was written, as the brand (docs/replies.md)."""
