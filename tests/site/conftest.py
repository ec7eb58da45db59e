"""Serve the built website on localhost and drive it with Debian's Chromium via Playwright.

Every request to a host other than the local server is blocked and recorded, so a page that
would load anything from the internet fails its test.
"""

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def pytest_addoption(parser):
    parser.addoption("--site", default=str(ROOT / "_build" / "html"),
                     help="the built website to test (default: _build/html)")


@pytest.fixture(scope="session")
def site(request):
    path = Path(request.config.getoption("--site"))
    if not (path / "index.html").exists():
        pytest.fail(f"no built website at {path}: run `make book` (or `make browser`) first")
    return path


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        pytest.skip("Chromium not found: the browser tests are skipped. Install it to run "
                    "them (Debian/Ubuntu: `apt-get install chromium`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """Everything that went wrong while a page loaded: failed or outside requests, errors."""

    def __init__(self, page, origin):
        self.outside, self.failed, self.errors = [], [], []
        self.sizes = {}  # url -> bytes served (the local server sends Content-Length)
        page.route("**/*", self._route(origin))
        page.on("response", lambda r: self.sizes.__setitem__(
            r.url, int(r.headers.get("content-length") or 0)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.url} (HTTP {r.status})"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, origin):
        def handle(route):
            url = route.request.url
            if url.startswith(origin) or url.startswith("data:") or url.startswith("blob:"):
                route.continue_()
            else:
                self.outside.append(url)
                route.abort()
        return handle

    def assert_none(self):
        assert not self.outside, f"requests outside the site: {self.outside}"
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.errors, f"console errors: {self.errors}"


#: The screens the tests read the site on: phone, tablet, laptop (CSS pixels).
SCREENS = {"phone": (390, 844), "tablet": (800, 1000), "desktop": (1366, 900)}


@pytest.fixture
def open_page(browser, server):
    """Open a page of the site; returns (page, problems). ``screen`` is a key of
    :data:`SCREENS` (a phone is emulated as one: touch, mobile viewport); ``scheme`` is the
    reader's ``light`` or ``dark`` preference, which the theme follows."""
    contexts = []

    def opener(relative, screen="desktop", scheme="light", wait_until="load"):
        width, height = SCREENS[screen]
        mobile = screen == "phone"
        context = browser.new_context(viewport={"width": width, "height": height},
                                      is_mobile=mobile, has_touch=mobile,
                                      color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        problems = PageProblems(page, server)
        page.goto(f"{server}/{relative}", wait_until=wait_until)
        return page, problems

    yield opener
    for context in contexts:
        context.close()
