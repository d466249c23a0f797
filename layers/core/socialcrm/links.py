"""Links shown to agents and callers: only absolute https ones, on the platform's own hosts when it has them.

Standard library only: the contact lookup imports this module on its cold start.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LINK_LENGTH = 2048


def safe_link(url: object, hosts: tuple[str, ...] | None = None) -> str | None:
    """`url` if it is an absolute https link (on one of `hosts` or their subdomains, when given), else None.

    Refused: other schemes (javascript:, data:, http:), user info, ports, control characters and spaces,
    backslashes (browsers read them as slashes), and links longer than MAX_LINK_LENGTH.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_LINK_LENGTH:
        return None
    if any(ord(ch) <= 0x20 or 0x7F <= ord(ch) <= 0x9F or ch == "\\" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme != "https" or not host or "@" in parts.netloc or port is not None:
        return None
    if hosts is not None and not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
        return None
    return url
