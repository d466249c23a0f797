"""The one place that owns Logger, Tracer and Metrics; every module imports them from here."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
