"""The contact lookup's call signals: did the caller post within a window before the call (None: any post shown)?

Declared here, with the standard library only, because the lookup emits them on its cold start; metric_catalogue
declares a published Kind.CALL family for each (one name there), which the daily rollup reads back.
"""

from __future__ import annotations

from datetime import timedelta

WINDOWS: dict[str, timedelta | None] = {
    "CallerPosted24h": timedelta(hours=24),
    "CallerPosted7d": timedelta(days=7),
    "CallWithSocialContext": None,
}
