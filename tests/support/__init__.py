"""Helpers any test layer may use (unit, integration, end-to-end); no layer imports another's."""
