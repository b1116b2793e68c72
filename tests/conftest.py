"""Shared test set-up: a fast, deterministic hypothesis profile, and the PyTorch and browser policies.

PyTorch is an optional cross-check. Where it is not installed its tests are skipped, unless
MICROGRADRELU_REQUIRE_TORCH=1 (as in CI), where a missing torch is a failure: a skipped
cross-check must never pass silently.

The pages are tested in a real browser: Chromium (Debian's `chromium`, or the program named by
MICROGRADRELU_CHROMIUM) driven by Python's playwright, which never downloads a browser of its
own here. Without them the browser tests are skipped, unless MICROGRADRELU_REQUIRE_BROWSER=1
(as in CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any, NoReturn

import pytest
from hypothesis import settings

REQUIRE_TORCH_ENV = "MICROGRADRELU_REQUIRE_TORCH"
REQUIRE_BROWSER_ENV = "MICROGRADRELU_REQUIRE_BROWSER"
CHROMIUM_ENV = "MICROGRADRELU_CHROMIUM"

# derandomize: the same examples on every run, so a failure reproduces on any machine.
settings.register_profile("fast", derandomize=True, max_examples=40, deadline=None)
# For a longer local search: MICROGRADRELU_HYPOTHESIS_PROFILE=thorough pytest
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("MICROGRADRELU_HYPOTHESIS_PROFILE", "fast"))


def import_torch() -> ModuleType:
    """torch, with float64 tensors built explicitly by the tests; skip or fail if it is absent."""
    try:
        import torch
    except ImportError as exc:
        if os.environ.get(REQUIRE_TORCH_ENV) == "1":
            pytest.fail(
                f"PyTorch is required ({REQUIRE_TORCH_ENV}=1) but cannot be imported: {exc}. "
                "Install it (pip install torch) or unset the variable to skip the cross-checks.",
                pytrace=False,
            )
        pytest.skip(f"PyTorch not installed (set {REQUIRE_TORCH_ENV}=1 to make this a failure)")
    return torch


@pytest.fixture
def torch() -> ModuleType:
    return import_torch()


def missing_browser(reason: str) -> NoReturn:
    """Skip, or fail where a browser is required."""
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(
            f"a browser is required ({REQUIRE_BROWSER_ENV}=1) but {reason}. Install Chromium "
            f"(apt install chromium; or name it in {CHROMIUM_ENV}) and playwright (pip install playwright), "
            "or unset the variable to skip the browser tests.",
            pytrace=False,
        )
    pytest.skip(f"{reason} (set {REQUIRE_BROWSER_ENV}=1 to make this a failure)")


def launch_chromium(executable: str | None) -> tuple[Any, Any]:
    """(playwright, browser): headless Chromium at `executable`, or skip/fail (`missing_browser`)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        missing_browser(f"playwright cannot be imported: {exc}")
    if not executable or not shutil.which(executable):
        missing_browser(f"no Chromium program at {executable!r}")
    driver = sync_playwright().start()
    try:
        return driver, driver.chromium.launch(executable_path=executable, args=["--no-sandbox", "--headless"])
    except Error as exc:
        driver.stop()
        missing_browser(f"Chromium at {executable!r} does not start: {str(exc).splitlines()[0]}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session (starting it takes a few seconds)."""
    driver, chromium = launch_chromium(os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or "/usr/bin/chromium")
    yield chromium
    chromium.close()
    driver.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab (its own context: no state shared between tests) that records every request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.requests = []
    tab.errors = []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()
