"""Settings every Lambda function gets from template.yaml's Globals, set before any test imports the
observability module (Powertools reads them when Logger and Metrics are created)."""

import functools
import os

import pytest
from botocore import session

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "socialcrm")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

# botocore reads and parses its JSON service models (hundreds of KB each) once per Session; the tests make
# new sessions all the time (each integration test is a cold start), so one loader per process serves them
# all. The models are the same files: nothing a test checks changes, only the parsing is done once.
session.create_loader = functools.lru_cache(maxsize=None)(session.create_loader)


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
