"""The one place that owns Logger, Tracer and Metrics; every module imports them from here.

The Tracer is built on first use (PEP 562), so a handler that does not trace (the contact lookup)
never loads the X-Ray SDK.
"""

from functools import cache

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()


@cache
def _tracer():
    from aws_lambda_powertools import Tracer

    return Tracer()


def __getattr__(name: str):
    if name == "tracer":
        return _tracer()
    raise AttributeError(name)
