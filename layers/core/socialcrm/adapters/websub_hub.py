"""The WebSub hub YouTube publishes through (Google's PubSubHubbub hub): a form POST per (un)subscription."""

from __future__ import annotations

import requests

from socialcrm.websub import HUB_URL

TIMEOUT = (3.05, 10)


class HttpHub:
    def __init__(self, url: str = HUB_URL, session: requests.Session | None = None) -> None:
        self.url = url
        self.session = session or requests.Session()

    def request(self, form: dict[str, str]) -> int:
        """The hub's HTTP status; 0 when it could not be reached (the next scheduled run asks again)."""
        try:
            return self.session.post(self.url, data=form, timeout=TIMEOUT).status_code
        except requests.RequestException:
            return 0
