"""The teaching page in a real browser: Playwright drives Debian's headless Chromium.

Starts `migsim app` on a free localhost port, loads the page, picks a theory preset,
resets and steps the model, checks that a chart changes, plays for a few seconds to
measure months per second, and saves a screenshot under pytest's tmp dir (its path is
printed). Chromium comes from `bash setup.sh` (apt package `chromium`); in CI (CI=true) a
missing browser fails the test, elsewhere it skips with the reason.
"""

import os
import socket
import shutil
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

    screenshot = tmp_path / "teaching_app.png"
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1500, "height": 1150})
        try:
            page = browser.new_page()
            page.set_default_timeout(90_000)
            page.goto(app_url)
            page.wait_for_selector(".migsim-theory")
            page.wait_for_selector(".migsim-stock-chart img")
            assert "All mechanisms together" in page.locator(".migsim-theory").inner_text()

            # Pick a theory preset in the left panel and start a run with it.
            page.locator(".v-select").first.click()
            page.locator(".v-menu__content .v-list-item", has_text="networks").click()
            page.get_by_role("button", name="Reset", exact=True).click()
            page.wait_for_selector("text=Migration networks and cumulative causation")
            assert "Massey (1990)" in page.locator(".migsim-theory").inner_text()

            chart = page.locator(".migsim-stock-chart")
            before = chart.screenshot()
            date = page.locator(".migsim-date").inner_text()
            page.get_by_role("button", name="Step", exact=True).click()
            page.wait_for_function("d => document.querySelector('.migsim-date').innerText != d", arg=date)
            page.wait_for_timeout(1500)  # let the new image arrive
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
            # The issue asks for several months per second; 2 leaves a wide margin on 2 busy cores.
            assert months / seconds >= 2, f"the page played only {months} months in {seconds:.1f} s"

            page.locator(".migsim-sanctions").click()
            page.wait_for_selector("text=Sanctions on Russia since")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000
    kept = Path(__file__).resolve().parent.parent / "results" / "app" / "teaching_app.png"  # git-ignored
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot, kept)
    screenshot = kept
    with capsys.disabled():
        print(f"\nteaching app: screenshot {screenshot}; played {months} months in {seconds:.1f} s "
              f"({months / seconds:.1f} months/s in the browser)")
