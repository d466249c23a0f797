"""The logger's masking step: phone numbers, emails and handles never reach the output."""

from __future__ import annotations

import io
import json

from socialcrm.observability import logger, mask


def test_mask_hides_phones_emails_and_handles_but_keeps_the_rest():
    text = "call +44 7911 123456 or 07911-123456, mail ada@example.com, ping @ada.builds; order 4411 ok"
    masked = mask(text)
    for secret in ("7911", "ada@example.com", "@ada.builds"):
        assert secret not in masked
    assert "order 4411 ok" in masked


def test_the_logger_masks_messages_extras_and_exceptions():
    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    try:
        log_everything()
    finally:
        logger.registered_handler.setStream(previous)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    output = json.dumps(lines)
    for secret in ("7911123456", "grace@example.org", "07912", "@grace_h"):
        assert secret not in output
    assert lines and "customer wrote from ***" in output
    assert lines[-1]["exception_name"] == "ValueError" and "bad number ***" in lines[-1]["exception"]


def log_everything() -> None:
    logger.info("customer wrote from +447911123456", extra={"detail": {"email": "grace@example.org"}})
    try:
        raise ValueError("bad number 07912 345678")
    except ValueError:
        logger.exception("failed for @grace_h")
