"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ended by
a NUL byte, commands on fd 3, answers on fd 4), standard library only. Page scripts can be switched off
(Emulation.setScriptExecutionDisabled): forms are then filled and submitted the way a person does, by focusing a
field, typing, and clicking the button."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is missing: `make test` installs it (Debian package chromium)"
    return found


class Browser:
    def __init__(self, process: subprocess.Popen, commands: int, answers: int) -> None:
        self.process = process
        self.commands = os.fdopen(commands, "wb", buffering=0)
        self.answers = os.fdopen(answers, "rb", buffering=0)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.results: dict[int, dict[str, Any]] = {}
        self.lock = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.session = ""

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self.answers.read(65536)
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self.lock:
                    if "id" in message:
                        self.results[message["id"]] = message
                    else:
                        self.events.append(message)
                    self.lock.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False,
             timeout: float = 60) -> dict[str, Any]:
        number = next(self.ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if not browser:
            message["sessionId"] = self.session
        self.commands.write(json.dumps(message).encode() + b"\0")
        with self.lock:
            assert self.lock.wait_for(lambda: number in self.results, timeout), f"{method}: no answer"
            answer = self.results.pop(number)
        assert "error" not in answer, f"{method}: {answer['error']}"
        return dict(answer.get("result") or {})

    def wait_event(self, method: str, after: int, timeout: float = 60) -> dict[str, Any]:
        """The first `method` event received after the first `after` events."""
        with self.lock:
            found = self.lock.wait_for(
                lambda: next((e for e in self.events[after:] if e.get("method") == method), None), timeout)
        assert found, f"no {method} event"
        return dict(found)

    def open(self, *, scripts: bool) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 browser=True)["sessionId"]
        self.send("Page.enable")
        self.send("Network.enable")
        self.send("Emulation.setScriptExecutionDisabled", {"value": not scripts})

    def navigate(self, url: str) -> int:
        """Load `url`; the document's HTTP status."""
        mark = len(self.events)
        self.send("Page.navigate", {"url": url})
        return self._loaded(mark)

    def _loaded(self, mark: int) -> int:
        self.wait_event("Page.loadEventFired", mark)
        with self.lock:
            documents = [e for e in self.events[mark:] if e.get("method") == "Network.responseReceived"
                         and e["params"].get("type") == "Document"]
        return int(documents[-1]["params"]["response"]["status"]) if documents else 0

    def html(self) -> str:
        root = self.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        return str(self.send("DOM.getOuterHTML", {"nodeId": root})["outerHTML"])

    def _node(self, selector: str) -> int:
        root = self.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = int(self.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"])
        assert node, f"nothing matches {selector}"
        return node

    def type_into(self, selector: str, text: str) -> None:
        self.send("DOM.focus", {"nodeId": self._node(selector)})
        self.send("Input.insertText", {"text": text})

    def click(self, selector: str) -> int:
        """Click the element (a submit button: the form is sent); the status of the document it loads."""
        node = self._node(selector)
        self.send("DOM.scrollIntoViewIfNeeded", {"nodeId": node})
        quad = self.send("DOM.getBoxModel", {"nodeId": node})["model"]["content"]
        x, y = (quad[0] + quad[4]) / 2, (quad[1] + quad[5]) / 2
        mark = len(self.events)
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})
        return self._loaded(mark)

    def close(self) -> None:
        with suppress(AssertionError, OSError):
            self.send("Browser.close", browser=True, timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.commands.close()
        self.answers.close()


@contextmanager
def headless_chromium(*, scripts: bool = False) -> Iterator[Browser]:
    """One browser with one tab (scripts off unless asked), closed at the end."""
    to_browser_read, to_browser_write = os.pipe()
    from_browser_read, from_browser_write = os.pipe()

    def as_fds_3_and_4() -> None:  # in the child, before exec
        commands, answers = os.dup(to_browser_read), os.dup(from_browser_write)
        os.dup2(commands, 3)
        os.dup2(answers, 4)

    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        process = subprocess.Popen(
            [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=as_fds_3_and_4, close_fds=False)  # only fds 0-4 are inheritable (PEP 446)
        os.close(to_browser_read)
        os.close(from_browser_write)
        browser = Browser(process, to_browser_write, from_browser_read)
        try:
            browser.open(scripts=scripts)
            yield browser
        finally:
            browser.close()
