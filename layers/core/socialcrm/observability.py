"""The one place that owns Logger, Tracer and Metrics; every module imports them from here.

The Tracer is built on first use (PEP 562), so a handler that does not trace (the contact lookup)
never loads the X-Ray SDK. Every `capture_*` decorator passes capture_response=False and
capture_error=False (and template.yaml's Globals turn both off too): answers and exceptions can hold
link codes, cards and personal data, and X-Ray is no place for them.
"""

import logging
import re
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

# Defence in depth: our log calls carry no personal data by design (tests/e2e/test_log_hygiene_e2e.py);
# should a library or an exception message put a phone number, an email or an @handle in a record,
# this filter masks it before the record is formatted.
_PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+"  # emails
    r"|(?<![\w-])\+?\(?\d(?:[ ()-]{0,2}\d){8,14}(?![\w-])"  # phone numbers: 9 to 15 digits (dates have 8)
    r"|(?<![\w@])@[A-Za-z0-9_.]{2,30}")  # @handles


def mask(value: object) -> object:
    if isinstance(value, str):
        return _PERSONAL.sub("***", value)
    if isinstance(value, dict):
        return {key: mask(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(item) for item in value]
    return value


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if record.args:
            record.args = tuple(mask(arg) for arg in record.args) if isinstance(record.args, tuple) else record.args
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, (str, dict, list, tuple)):
                setattr(record, name, mask(value))
        if record.exc_info and record.exc_info[1] is not None:  # the traceback, masked, in place of the original
            record.exception_name = type(record.exc_info[1]).__name__
            record.exception = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info, record.exc_text = None, None
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

logger = Logger()
logger.addFilter(MaskPersonalData())
metrics = Metrics()


@cache
def _tracer() -> "Tracer":
    from aws_lambda_powertools import Tracer

    return Tracer()


def __getattr__(name: str) -> "Tracer":
    if name == "tracer":
        return _tracer()
    raise AttributeError(name)
