"""The docs pages in a real browser: headless Chromium opens /docs and /redoc served by a
real `kb serve`, every operation is rendered, an example response is shown, and no
request leaves the server (the pages work offline).

Needs a Chromium binary (Debian's `chromium`, which `.ci/run` installs). Without one
the tests skip, unless `KB_REQUIRE_BROWSER=1` (as in CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.servers import serving

# The docs pages render the same OpenAPI document on either engine: run once (CI).
pytestmark = pytest.mark.one_engine

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE_BROWSER = os.environ.get("KB_REQUIRE_BROWSER", "") == "1"


@pytest.fixture(scope="module")
def chromium() -> str:
    if CHROMIUM is None:
        reason = "no Chromium on this machine (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"{reason}; KB_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    return CHROMIUM


@pytest.fixture(scope="module")
def server(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(seeded_url, tmp_path_factory.mktemp("serve") / "kb-serve.log") as running:
        yield running.base


def _operations(base: str) -> int:
    paths = httpx.get(f"{base}/openapi.json").json()["paths"]
    return sum(len(operations) for operations in paths.values())


def _open(chromium: str, url: str, ready: str) -> tuple[list[str], object]:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    page = browser.new_page()
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    return requested, (playwright, browser, page)


def _close(handles: object) -> None:
    playwright, browser, _page = handles  # type: ignore[misc]
    browser.close()
    playwright.stop()


def _only_the_server(requested: list[str], base: str) -> None:
    own = urlsplit(base).netloc
    outside = [url for url in requested if urlsplit(url).netloc not in (own, "")]
    assert outside == [], outside
    assert requested, "the network log is empty"


def test_swagger_ui_renders_every_operation_with_an_example_and_asks_no_other_host(
    chromium: str, server: str
) -> None:
    requested, handles = _open(chromium, f"{server}/docs", ".opblock")
    try:
        page = handles[2]  # type: ignore[index]
        assert page.locator(".opblock").count() == _operations(server)
        page.locator("#operations-organisations-get_organisation .opblock-summary").click()
        example = page.locator(
            "#operations-organisations-get_organisation .responses-wrapper .microlight"
        ).first
        example.wait_for(timeout=30_000)
        assert "socialist-movement-of-kazakhstan" in example.inner_text()
        page.wait_for_load_state("networkidle")
    finally:
        _close(handles)
    _only_the_server(requested, server)


def test_redoc_renders_every_operation_with_an_example_and_asks_no_other_host(
    chromium: str, server: str
) -> None:
    requested, handles = _open(chromium, f"{server}/redoc", "[data-section-id^='operation/']")
    try:
        page = handles[2]  # type: ignore[index]
        assert page.locator("[data-section-id^='operation/']").count() == _operations(server)
        page.wait_for_load_state("networkidle")
        assert "socialist-movement-of-kazakhstan" in page.content()
    finally:
        _close(handles)
    _only_the_server(requested, server)
