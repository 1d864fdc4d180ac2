"""Open a page in headless Chromium (Debian's chromium and chromium-driver, driven by Selenium)
and report what a reader would meet: console messages, every network request, the time to
load, a screenshot of the whole page and a print to PDF.

The browser runs with the network closed to it (no background networking, no component
updates, no sync, a fresh profile), which is also how it must run here: without those flags it
stalls looking for the network. Selenium is given the driver's path, so it never tries to fetch
a driver of its own.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
)


def browser_missing() -> str | None:
    """Why headless Chromium cannot be driven here, or None when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return (f"{path} is missing; apt-get install chromium chromium-driver "
                    "(.ci/run does)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed; pip install -e '.[test]'"
    return None


def require_browser() -> None:
    """Skip where no browser can be had, except in CI, which must have installed one."""
    reason = browser_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run should have installed it")
        pytest.skip(reason)


@dataclass
class Visit:
    console: list[dict[str, Any]]
    requests: list[str]
    load_ms: float
    height: int
    screenshot: Path
    pdf_pages: int
    probed: Any = None
    """What ``probe`` returned, run in the page once it had loaded."""


def visit(page: Path, shots: Path, width: int = 1400, probe: str | None = None) -> Visit:
    """Open ``page`` and return what happened; the screenshot (whole page, PNG) and the print
    (PDF) are written beside each other in ``shots``. ``probe`` is JavaScript (a function body)
    run in the page after it has loaded, to read what it shows."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="rotation-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(120)
        driver.get(page.resolve().as_uri())
        timing = driver.execute_script(
            "const t = performance.getEntriesByType('navigation')[0];"
            "return [t.loadEventEnd, document.documentElement.scrollHeight];"
        )
        probed = driver.execute_script(probe) if probe is not None else None
        console = driver.get_log("browser")
        requests = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
        height = int(timing[1])
        shots.mkdir(parents=True, exist_ok=True)
        shot = shots / f"{page.stem}.png"
        # The whole page, not only the window: Chromium's own capture beyond the viewport.
        data = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 16000), "scale": 1},
        })["data"]
        shot.write_bytes(base64.b64decode(data))
        pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {
            "preferCSSPageSize": True, "printBackground": True})["data"])
        (shots / f"{page.stem}.pdf").write_bytes(pdf)
        return Visit(console, requests, float(timing[0]), height, shot,
                     pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages"), probed)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
