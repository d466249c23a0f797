"""Phone numbers to E.164, the one form stored and looked up."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str | None, region: str | None) -> str | None:
    """E.164 form of a number written in any format, or None when it is not a valid number.

    `region` is the ISO 3166 hint for numbers written in national format (ignored for +numbers).
    """
    if not raw or not isinstance(raw, str):
        return None
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_of(e164: str | None) -> str | None:
    """The country of an E.164 number ("+33612345678" -> "FR"), or None."""
    if not e164:
        return None
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return None
    return str(region) if region and region != "ZZ" else None
