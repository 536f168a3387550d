"""The teaching page in a real browser: Playwright drives Debian's headless Chromium.

Starts `migsim app` on a free localhost port, loads the page, picks a theory preset,
resets and steps the model, checks that the stock chart's image really changes, plays for
a few seconds and requires a minimum number of months per second, presses the sanctions
button and saves a screenshot to results/app/teaching_app.png (results/ is git-ignored;
the path and the measured rate are printed). Chromium comes from `bash setup.sh` (apt
package `chromium`); in CI (CI=true) a missing browser fails the test, elsewhere it skips
with the reason.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() == "true"
SCREENSHOT = Path(__file__).resolve().parent.parent / "results" / "app" / "teaching_app.png"
# The page plays about 5-6 months a second on the 2-core development machine (docs/teaching.md);
# the issue asks for "several". 2 leaves a wide margin for a busy machine while still failing
# if the page stalls or redraws every month.
MIN_MONTHS_PER_SECOND = 2.0
VIEWPORT = {"width": 1500, "height": 1400}  # tall enough for all five panels


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser test must run; `bash setup.sh` installs it)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tmp_path):
    port = _free_port()
    log = (tmp_path / "migsim-app.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "simulation.cli", "app", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://localhost:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                pytest.fail(f"`migsim app` exited with {server.returncode}: "
                            + (tmp_path / "migsim-app.log").read_text()[-2000:])
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("`migsim app` did not answer within 180 s")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_page_loads_picks_a_preset_steps_and_a_chart_changes(app_url, tmp_path, capsys):
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's 'chromium' package (bash setup.sh does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package 'playwright' is missing (bash setup.sh installs it)")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport=VIEWPORT)
        try:
            page = browser.new_page()
            page.set_default_timeout(90_000)
            page.goto(app_url)
            page.wait_for_selector(".migsim-theory")
            page.wait_for_selector(".migsim-stock-chart img")
            assert "All mechanisms together" in page.locator(".migsim-theory").inner_text()
            # The parameters act on Reset, and the page says so beside them.
            assert "press reset to apply" in page.locator(".migsim-how-to").inner_text().lower()
            assert page.get_by_text("Theory preset (press Reset to apply)").count() == 1

            # Pick a theory preset in the left panel and start a run with it.
            page.locator(".v-select").first.click()
            page.locator(".v-menu__content .v-list-item", has_text="networks").click()
            page.get_by_role("button", name="Reset", exact=True).click()
            page.wait_for_selector("text=Migration networks and cumulative causation")
            assert "Massey (1990)" in page.locator(".migsim-theory").inner_text()

            chart = page.locator(".migsim-stock-chart")
            image = ".migsim-stock-chart img"
            page.wait_for_timeout(1000)  # let the reset model's first image settle
            before, before_src = chart.screenshot(), page.locator(image).get_attribute("src")
            date = page.locator(".migsim-date").inner_text()
            page.get_by_role("button", name="Step", exact=True).click()
            page.wait_for_function("d => document.querySelector('.migsim-date').innerText != d", arg=date)
            # A new image arrives (Solara sends a new PNG), and it shows something else.
            page.wait_for_function("([sel, src]) => document.querySelector(sel).src != src",
                                   arg=[image, before_src])
            page.wait_for_timeout(500)
            assert chart.screenshot() != before, "the stock chart did not change after a step"
            stepped = page.locator(".migsim-date").inner_text()
            assert stepped.startswith("2015-"), stepped

            # Play for a while to measure the page's speed, then pause.
            page.get_by_role("button", name="▶", exact=True).click()
            started = time.monotonic()
            page.wait_for_timeout(8000)
            page.get_by_role("button", name="❚❚", exact=True).click()
            seconds = time.monotonic() - started
            page.wait_for_timeout(1500)
            played = page.locator(".migsim-date").inner_text()
            months = (int(played[:4]) * 12 + int(played[5:7])) - (int(stepped[:4]) * 12 + int(stepped[5:7]))
            rate = months / seconds
            assert rate >= MIN_MONTHS_PER_SECOND, (
                f"the page played {months} months in {seconds:.1f} s ({rate:.1f} months/s); "
                f"it should manage at least {MIN_MONTHS_PER_SECOND} months/s")

            page.locator(".migsim-sanctions").click()
            page.wait_for_selector("text=Sanctions on Russia since")
            page.wait_for_timeout(1500)  # the charts redraw with the dashed line
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\nteaching app: screenshot {SCREENSHOT}; played {months} months in {seconds:.1f} s "
              f"({rate:.1f} months/s in the browser)")
