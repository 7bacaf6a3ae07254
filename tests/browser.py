"""Headless Chromium for the browser tests: launch options, network blocking, a local server.

Playwright's own browser download does not work here (and must never be needed): the system
Chromium at /usr/bin/chromium is used. Every request that is not to 127.0.0.1 is aborted, so a
page that tries to reach a CDN fails loudly instead of passing by luck.

    from browser import chromium, open_page, static_server

    with static_server(site_dir) as base_url, chromium() as browser:
        page, problems = open_page(browser, base_url + "index.html")
        ...
        assert problems.console_errors == [] and problems.blocked == []
"""

from __future__ import annotations

import functools
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_server(command: list[str], env: dict, cwd: Path, log: Path, ready: str) -> Iterator[None]:
    """Run a server (Jupyter's) until the block ends; ``ready`` is a URL that answers once it is
    up. A server that exits or is not up within 60 s fails with the end of its log."""
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(ready, timeout=5).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(log.read_text()[-3000:]) from None
                    time.sleep(0.3)
            yield
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ALLOWED_HOSTS = ("127.0.0.1",)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        pass


@contextmanager
def static_server(root: str | Path) -> Iterator[str]:
    """Serve ``root`` on http://127.0.0.1:<free port>/ from a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium(**launch_kwargs: object) -> Iterator[object]:
    """A headless system Chromium (playwright Browser), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True, **launch_kwargs
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageProblems:
    """What went wrong on a page: console errors, uncaught exceptions, blocked requests."""

    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


def block_external(target: object, problems: PageProblems | None = None) -> PageProblems:
    """Abort every request of a Page or BrowserContext that leaves the machine: anything but
    127.0.0.1 and local files (a page opened from ``file://``)."""
    problems = problems or PageProblems()

    def handle(route: object) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.hostname in ALLOWED_HOSTS or (parts.scheme == "file" and not parts.netloc):
            route.continue_()
        else:
            problems.blocked.append(url)
            route.abort()

    target.route("**/*", handle)
    return problems


def watch_console(page: object, problems: PageProblems | None = None) -> PageProblems:
    """Record console errors and uncaught page exceptions of ``page``."""
    problems = problems or PageProblems()
    page.on(
        "console",
        lambda msg: problems.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.console_errors.append(f"uncaught: {exc}"))
    return problems


def open_page(browser: object, url: str, **context_kwargs: object) -> tuple[object, PageProblems]:
    """A fresh context + page with external requests blocked and console errors recorded."""
    context = browser.new_context(**context_kwargs)
    problems = block_external(context)
    page = context.new_page()
    watch_console(page, problems)
    page.goto(url)
    return page, problems


def figure_page(*bodies: str, title: str = "figure") -> str:
    """A bare HTML page around the given figures' HTML, with nothing else to load."""
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body>{''.join(bodies)}</body></html>"
    )


@contextmanager
def self_contained_page(
    browser: object, url: str, ready: str | None = None, **context_kwargs: object
) -> Iterator[object]:
    """The page at ``url`` in a fresh context, after the JavaScript predicate ``ready`` holds;
    on leaving, it must have logged no error and asked for nothing but itself."""
    context = browser.new_context(**context_kwargs)
    problems = block_external(context)
    page = context.new_page()
    watch_console(page, problems)
    requests = []
    page.on("request", lambda request: request.url != url and requests.append(request.url))
    page.goto(url)
    if ready is not None:
        page.wait_for_function(ready)
    yield page
    assert problems.console_errors == [], problems.console_errors
    assert problems.blocked == [], problems.blocked
    assert requests == [], f"the page asked for more than itself: {requests}"
    context.close()


def tab_to(page: object, selector: str, max_presses: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has focus (fails if never reached)."""
    for _ in range(max_presses):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} was not reached with {max_presses} Tab presses")
