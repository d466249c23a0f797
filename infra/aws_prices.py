"""AWS list prices for `make cost` (us-east-1, on-demand), the one place the project keeps them.

Copied from ../shared/reference/aws-prices.md as read on PRICES_DATE; change them here only, with the date.
"""

from __future__ import annotations

PRICES_DATE = "2026-11"
REGION = "us-east-1"

LAMBDA_REQUEST = 0.20 / 1e6
LAMBDA_GB_SECOND_ARM64 = 0.0000133334
LAMBDA_GB_SECOND_X86_64 = 0.0000166667
HTTP_API_REQUEST = 1.00 / 1e6  # first 300 million a month
SQS_REQUEST = 0.40 / 1e6  # standard queue; each 64 KB chunk of a payload is one request
DYNAMODB_WRITE_UNIT = 0.625 / 1e6  # on-demand write request unit
DYNAMODB_READ_UNIT = 0.125 / 1e6  # on-demand read request unit
DYNAMODB_STORAGE_GB_MONTH = 0.25
DYNAMODB_PITR_GB_MONTH = 0.20
LOGS_INGESTION_GB = 0.50
LOGS_STORAGE_GB_MONTH = 0.03
CUSTOM_METRIC_MONTH = 0.30  # first 10,000 metrics
CLOUDWATCH_API_REQUEST = 0.01 / 1000  # PutMetricData, GetMetricData
DASHBOARD_MONTH = 3.00
ALARM_MONTH = 0.10  # standard resolution
XRAY_TRACE = 5.00 / 1e6  # traces recorded
SECRET_MONTH = 0.40
SECRETS_API_REQUEST = 0.05 / 10_000
COMPREHEND_UNIT = 0.0001  # DetectSentiment: 100 characters = 1 unit, at least 3 units a request
COMPREHEND_CHARACTERS_PER_UNIT = 100
COMPREHEND_MINIMUM_UNITS = 3

GB = 1024 ** 3
