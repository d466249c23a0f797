"""Settings every Lambda function gets from template.yaml's Globals, set before any test imports the
observability module (Powertools reads them when Logger and Metrics are created)."""

import os

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "socialcrm")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


import pytest


@pytest.fixture(autouse=True)
def cold_start():
    """Each test is a new cold start: settings and the dependencies built from them are read afresh."""
    from socialcrm import settings, wiring

    def forget() -> None:
        settings.forget()
        for name in dir(wiring):
            getter = getattr(wiring, name)
            if hasattr(getter, "cache_clear"):
                getter.cache_clear()

    forget()
    yield
    forget()
