"""Browser tests: the real server process and Debian's Chromium.

Selenium drives ``/usr/bin/chromium`` through ``/usr/bin/chromedriver``
by explicit path (nothing is downloaded at test time), headless. Without
them the tests skip, saying why, except in CI
(``MR_TEST_REQUIRE_ALL_BACKENDS=1``), where they fail.
"""
import os

import pytest

from tests.integration import test_mistralclient_cli as live

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# Where the run leaves its screenshots (CI keeps the folder as artifacts).
SCREENSHOTS = os.environ.get("MR_SCREENSHOT_DIR") or os.path.join(
    REPO, "artifacts", "screenshots")
WIDE = (1280, 800)
NARROW = (390, 844)

server = live.server  # the module-scoped live server fixture


def _missing():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER)
               if not os.access(p, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    return missing


def _require_browser():
    missing = _missing()
    if not missing:
        return
    reason = ("browser tests need %s (apt-get install chromium "
              "chromium-driver; pip install selenium)" % ", ".join(missing))
    if os.environ.get("MR_TEST_REQUIRE_ALL_BACKENDS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def make_driver(size):
    from selenium import webdriver
    from selenium.webdriver.chrome import service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--window-size=%d,%d" % size,
                "--force-device-scale-factor=1"):
        options.add_argument(arg)
    # The network log proves what the page sent (or did not send).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=service.Service(CHROMEDRIVER),
                              options=options)
    driver.set_window_size(*size)
    return driver


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    driver = make_driver(WIDE)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def narrow_browser():
    _require_browser()
    driver = make_driver(NARROW)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def screenshots():
    os.makedirs(SCREENSHOTS, exist_ok=True)

    def save(driver, name):
        path = os.path.join(SCREENSHOTS, name + ".png")
        # The whole page, not just the window: set the height to fit.
        width = driver.get_window_size()["width"]
        height = driver.execute_script(
            "return document.documentElement.scrollHeight")
        original = driver.get_window_size()
        driver.execute_script("window.scrollTo(0, 0)")
        driver.set_window_size(width, max(height, original["height"]))
        try:
            assert driver.save_screenshot(path), path
        finally:
            driver.set_window_size(original["width"], original["height"])
        return path

    return save
