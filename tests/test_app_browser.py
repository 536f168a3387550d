"""The teaching page in a real browser: Playwright drives Debian's headless Chromium.

One `migsim app` server serves the module; each test opens its own page (its own session).
The exercises of the Info panels are run as a teacher runs them (preset, sliders, Reset,
"Run to", shocks, tabs), and each claim is checked against the numbers the page shows: the
headline figures and the rows each chart has drawn (read from its Vega view). Another test
presses every control at random while the page plays at full speed and requires that no
traceback or error ever shows. Chromium comes from `bash setup.sh` (apt package `chromium`);
in CI (CI=true) a missing browser fails the test, elsewhere it skips with the reason.
"""

import os
import random
import re
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
DOCS = Path(__file__).resolve().parent.parent / "docs"
PLAY_TO = "2019-12"

# The exercises and the clean console run in the quick suite: `migsim app` compiles the model's
# kernels and steps it before it listens (the fixture waits for that), so no page waits for a
# compilation. The minute of random presses and the screenshots are slow tests
# (`pytest -m slow tests/test_app_browser.py`).


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser test must run; `bash setup.sh` installs it)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's 'chromium' package (bash setup.sh does)")
    if os.environ.get("MIGSIM_APP_URL"):  # a `migsim app` already running (e.g. while editing the page)
        yield os.environ["MIGSIM_APP_URL"]
        return
    port, folder = _free_port(), tmp_path_factory.mktemp("app")
    log = (folder / "migsim-app.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "simulation.cli", "app", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://localhost:{port}/"
    try:
        deadline = time.monotonic() + 300  # the first start compiles the model's kernels
        while True:
            if server.poll() is not None:
                pytest.fail(f"`migsim app` exited with {server.returncode}: "
                            + (folder / "migsim-app.log").read_text()[-2000:])
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("`migsim app` did not answer within 300 s")
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
        assert "Traceback" not in (folder / "migsim-app.log").read_text(), "the server logged a traceback"


@pytest.fixture(scope="module")
def browser():
    """One browser context for the module: its pages share the cache, so only the first loads the
    page's scripts (each page still has a session of its own on the server)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package 'playwright' is missing (bash setup.sh installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b.new_context()
        b.close()


class Teacher:
    """A page and the console messages it logged; each method is what a teacher does on it."""

    def __init__(self, browser, url, width=1280, height=720):
        self.page = browser.new_page()
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.set_default_timeout(120_000)
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector(".migsim-headline")

    def click(self, name: str) -> None:
        self.page.locator(f".migsim-{name}").first.click()

    def preset(self, title: str) -> None:
        self.page.locator(".migsim-preset").click()
        self.page.locator(".v-menu__content .v-list-item", has_text=title).click()
        self.page.wait_for_selector(f".migsim-preset:has-text('{title}')")
        self.page.wait_for_selector(".menuable__content__active", state="detached")  # the menu has closed

    def slider(self, key: str, value: float) -> None:
        box = self.page.locator(f".migsim-entry-{key} input")
        box.fill(str(value))
        box.press("Enter")

    def reset(self) -> None:
        self.click("reset")
        self.page.wait_for_selector(".migsim-pending", state="detached")
        self.page.wait_for_selector(".migsim-date[data-date='']")

    def fastest(self) -> None:
        self.page.locator(".migsim-speed button", has_text=re.compile("max", re.I)).click()

    def run_to(self, month: str) -> None:
        box = self.page.locator(".migsim-run-to input")
        box.fill(month)
        self.click("go")
        self.page.wait_for_selector(f".migsim-date[data-date='{month}']")
        self.page.wait_for_selector(".migsim-play")

    def tab(self, key: str) -> None:
        self.click(f"tab-{key}")
        self.page.wait_for_selector(f".migsim-chart-{key} svg")
        self.page.wait_for_timeout(300)

    def headline(self, name: str) -> float:
        return float(self.page.locator(f".migsim-{name}").inner_text().replace(",", ""))

    def drawn(self, key: str, dataset: str, month: str) -> dict[str, float]:
        """The values a chart has drawn for one month: {group: value} (read from its Vega view)."""
        self.page.wait_for_function(  # the chart has drawn the latest snapshot
            "k => { const c = document.querySelector('.migsim-chart-' + k + ' .migsim-vega');"
            " return c && c.querySelector('div').vegaView; }", arg=key)
        rows = self.page.evaluate(
            "([k, d]) => document.querySelector('.migsim-chart-' + k + ' .migsim-vega div').vegaView.data(d)",
            [key, dataset])
        return {r["group"]: r["value"] for r in rows if r["date"].startswith(month)}

    def lesson(self, preset: str) -> None:
        """A new exercise on the same page: the preset at its defaults, a fresh run, no earlier runs."""
        self.fastest()
        self.preset(preset)
        self.click("defaults")
        self.reset()
        self.click("clear")
        self.page.wait_for_selector(".migsim-runs", state="detached")

    def no_errors(self) -> None:
        assert "Traceback" not in self.page.locator("body").inner_text()
        assert self.page.locator(".migsim-error").count() == 0, self.page.locator(".migsim-error").inner_text()
        assert not self.errors, f"console errors: {self.errors[:5]}"


@pytest.fixture(scope="module")
def teacher(browser, app_url):
    """One page for the console test and the exercises, as a teacher keeps one page open through a
    lesson (on a busy machine a page's first load is most of these tests' time)."""
    return Teacher(browser, app_url)


def test_console_is_clean_on_load_and_a_step_shows_within_a_quarter_second(teacher, capsys):
    t = teacher
    t.lesson("All mechanisms")
    t.tab("stock")
    t.page.wait_for_timeout(1000)
    t.no_errors()  # no 404 (katex), no requirejs error
    # Measured inside the browser, from the click event to the frame in which both the month and
    # the chart have changed (Playwright's own round trip is not the teacher's wait).
    t.page.evaluate(WATCH_STEP)
    latencies = []
    for _ in range(5):
        t.page.evaluate("() => { window.migsimLatency = null; }")
        t.click("step")
        t.page.wait_for_function("() => window.migsimLatency !== null", polling=20)
        latencies.append(t.page.evaluate("() => window.migsimLatency") / 1000)
        t.page.wait_for_timeout(200)
    first = t.page.locator(".migsim-date").get_attribute("data-date")
    started = time.monotonic()
    t.run_to("2030-12")  # to the end of the run, at the fastest speed, the stock chart in view
    seconds = time.monotonic() - started
    months = 12 * 2030 + 12 - (int(first[:4]) * 12 + int(first[5:]))
    with capsys.disabled():
        print(f"\nteaching page: Step click to new month shown {min(latencies):.3f}-{max(latencies):.3f} s "
              f"(median {sorted(latencies)[2]:.3f}); played {months} months in {seconds:.1f} s "
              f"({months / seconds:.1f} months/s at the fastest speed, stock chart in view)")
    # Margins for a busy machine (the aim is a quarter second on an idle one; docs/teaching.md).
    assert sorted(latencies)[2] < 1.5 and months / seconds > 3
    t.no_errors()


def test_exercise_1_networks_concentrate_and_sustain_migration(teacher):
    t = teacher
    t.lesson("Neoclassical")
    results = {}
    for name, preset, networks in (("wages", "Neoclassical", None), ("networks", "Migration networks", None),
                                   ("off", "Migration networks", 0)):
        if preset:
            t.preset(preset)
        if networks is not None:
            t.slider("network_strength", networks)
            t.page.wait_for_selector(".migsim-pending")
        t.reset()
        t.run_to(PLAY_TO)
        results[name] = (t.headline("hhi"), t.headline("abroad"))
    t.tab("concentration")
    assert "2." in t.page.locator(".migsim-runs").inner_text(), "earlier runs listed under the chart"
    (wages, wages_abroad), (networks, networks_abroad), (off, off_abroad) = (results[k] for k in
                                                                           ("wages", "networks", "off"))
    # "about 0.35", "about 0.95", "falls back to 0.3-0.4, as with wages alone ... about a twentieth
    # as many people work abroad"
    assert 0.25 < wages < 0.45 and networks > 0.8 and 0.25 < off < 0.45, results
    assert off_abroad < 0.07 * networks_abroad, results
    t.no_errors()


def test_exercise_2_obstacles_change_where_people_go(teacher):
    t = teacher
    t.lesson("Push-pull")
    shown = {}
    for name, key, value in (("as it is", None, None), ("wages", "wage_gap", 1.5), ("costs", "migration_cost", 2.5)):
        t.click("defaults")
        if key:
            t.slider(key, value)
        t.reset()
        t.run_to(PLAY_TO)
        t.tab("abroad")
        drawn = t.drawn("abroad", "now", PLAY_TO)
        shown[name] = {"abroad": t.headline("abroad"), "kaz": t.headline("stock"), "russia": drawn["Russia"]}
    base, wages, costs = shown["as it is"], shown["wages"], shown["costs"]
    assert wages["abroad"] > base["abroad"] and wages["kaz"] > base["kaz"], shown
    assert costs["abroad"] < 0.65 * base["abroad"], shown  # "about half as many work abroad"
    assert costs["russia"] < 0.5 * base["russia"], shown  # "Russia loses more than half"
    assert costs["kaz"] > base["kaz"], shown  # "Kazakhstan ... gains foreign workers"
    t.no_errors()


def test_exercise_3_sanctions_on_russia_cut_remittances_to_central_asia(teacher):
    t = teacher
    t.lesson("Migration systems")
    t.run_to("2016-12")
    t.click("shock-sanctions")
    t.page.wait_for_selector(".migsim-shock-list")
    t.run_to(PLAY_TO)
    t.tab("remittances")
    shocked, without = t.drawn("remittances", "now", PLAY_TO), t.drawn("remittances", "twin", PLAY_TO)
    for country in ("Uzbekistan", "Tajikistan"):  # "a third to a half of what they would without the shock"
        assert 0.3 < shocked[country] / without[country] < 0.6, (country, shocked, without)
    t.tab("stock")
    total = sum(t.drawn("stock", "now", PLAY_TO).values())
    assert total > 1.1 * t.drawn("stock", "twin", PLAY_TO)["total"]  # more foreign workers in Kazakhstan
    t.no_errors()


WATCH_STEP = """() => {
  document.addEventListener('click', (event) => {
    if (!event.target.closest('.migsim-step')) { return; }
    const start = performance.now();
    const date = document.querySelector('.migsim-date').dataset.date;
    const drawn = document.querySelector('.migsim-chart-stock .migsim-vega').dataset.version;
    const check = () => {
      const chart = document.querySelector('.migsim-chart-stock .migsim-vega').dataset.version;
      if (document.querySelector('.migsim-date').dataset.date !== date && chart !== drawn) {
        window.migsimLatency = performance.now() - start;
      } else { requestAnimationFrame(check); }
    };
    requestAnimationFrame(check);
  }, true);
}"""


# Pressed from inside the page, one round trip per press: Playwright's own click waits for the
# button to be still for two frames and for the click to land, which on a loaded machine let only
# 5 presses through in 10 s. After each press the page is checked: no traceback, and every control
# there exactly once (controls used to be drawn twice or lost after some presses).
PRESS = """([name, once]) => {
  const target = document.querySelector('.migsim-' + name);
  const pressed = !!target && !target.disabled && !target.classList.contains('v-btn--disabled');
  if (pressed) { target.click(); }
  const count = (n) => document.querySelectorAll('.migsim-' + n).length;
  const wrong = once.filter((n) => count(n) !== 1);
  if (count('play') + count('pause') !== 1) { wrong.push('play/pause'); }
  const text = document.body.innerText;
  return {pressed, wrong, traceback: text.includes('Traceback'), text: wrong.length ? text.slice(0, 400) : ''};
}"""
ONCE = ["step", "go", "run-to", "reset", "defaults", "clear", "preset", "shock-sanctions", "shock-rouble",
        "shock-tenge", "shock-borders", "lang", "tabs", "speed"]
CONTROLS = ["step", "play", "pause", "reset", "defaults", "clear", "shock-sanctions", "shock-rouble", "shock-tenge",
            "shock-borders", "tab-map", "tab-stock", "tab-abroad", "tab-flows", "tab-remittances", "tab-work",
            "tab-concentration", "tab-info", "go"]


def _chaos(browser, url, seconds: float, seed: int) -> int:
    """Press every control at random while playing at the fastest speed; return the presses made."""
    t = Teacher(browser, url)
    t.fastest()
    t.click("play")
    rng = random.Random(seed)
    presses, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        name = rng.choice(CONTROLS)
        if rng.random() < 0.05:
            t.slider(rng.choice(["wage_gap", "migration_cost", "network_strength"]), rng.choice([0.5, 1.0, 2.0]))
        if rng.random() < 0.05:
            name = f"lang button:nth-child({rng.randrange(1, 4)})"
        result = t.page.evaluate(PRESS, [name, ONCE])
        presses += result["pressed"]
        assert not result["traceback"], f"a traceback after pressing {name}"
        assert not result["wrong"], (f"after pressing {name}, not exactly once on the page: {result['wrong']}; "
                                     f"the page shows: {result['text']!r}")
        if rng.random() < 0.3:
            t.page.wait_for_timeout(rng.choice([20, 100]))
    t.page.wait_for_timeout(1000)
    t.no_errors()
    if t.page.locator(".migsim-pause").count():
        t.click("pause")
    t.page.wait_for_selector(".migsim-play")
    month = t.page.locator(".migsim-date").get_attribute("data-date")
    if t.page.locator(".migsim-step").is_enabled():  # still responding: a step shows the next month
        t.click("step")
        t.page.wait_for_function("d => document.querySelector('.migsim-date').dataset.date != d", arg=month)
    return presses


@pytest.mark.slow
def test_random_presses_for_a_minute_show_no_traceback(browser, app_url):
    assert _chaos(browser, app_url, 60, seed=2) > 150


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_screenshots_for_the_docs(browser, app_url, size):
    """The screenshots in docs/ (written only with MIGSIM_SCREENSHOTS=1), and nothing overflows the window."""
    t = Teacher(browser, app_url, *size)
    t.fastest()
    t.preset("Migration systems")
    t.reset()
    t.run_to("2016-12")
    t.click("shock-sanctions")
    t.run_to(PLAY_TO)
    t.tab("remittances")
    overflow = t.page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert overflow[0] <= size[0] and overflow[1] <= size[1], overflow
    font = t.page.evaluate("() => Math.min(...[...document.querySelectorAll('.migsim-chart svg text')]"
                           ".map(e => parseFloat(getComputedStyle(e).fontSize)))")
    assert font >= 16, f"chart text of {font} px"
    if os.environ.get("MIGSIM_SCREENSHOTS") == "1":
        t.page.screenshot(path=str(DOCS / f"teaching_app_{size[0]}x{size[1]}.png"))
        t.tab("map")
        t.page.screenshot(path=str(DOCS / f"teaching_app_map_{size[0]}x{size[1]}.png"))
    t.no_errors()


SINGLE = ["step", "go", "run-to", "reset", "defaults", "preset", "link", "shock-sanctions", "shock-rouble",
          "shock-tenge", "shock-borders"]


@pytest.mark.slow  # two page loads and some forty presses: 100 s on the loaded 2-core machine
def test_controls_stay_single_shocks_work_again_and_a_link_reopens_the_setup(browser, app_url):
    """What a teacher does between runs, with every control on the page exactly once after each press.

    Controls once came and went after some presses (Step and Play drawn twice, Go and the shock
    buttons lost); the shocks must work at any month and more than once; the panel's link must
    open the same setup, shocks and language included.
    """
    t = Teacher(browser, app_url)
    pressed = []

    def check(after: str) -> None:
        counts = {n: t.page.locator(f".migsim-{n}").count() for n in SINGLE}
        counts["play or pause"] = t.page.locator(".migsim-play, .migsim-pause").count()
        assert set(counts.values()) == {1}, (after, counts)

    def step() -> None:
        month = t.page.locator(".migsim-date").get_attribute("data-date")
        t.click("step")
        t.page.wait_for_function("d => document.querySelector('.migsim-date').dataset.date !== d", arg=month)

    def shock(key: str) -> None:
        t.click(f"shock-{key}")
        pressed.append(key)
        t.page.wait_for_function(  # the list of the run's shocks has grown by one
            "n => (document.querySelector('.migsim-shock-list')?.textContent || '').split(';').length === n",
            arg=len(pressed))
        check(f"shock {key}")

    t.preset("Migration networks")
    t.slider("network_strength", 0)
    t.page.wait_for_selector(".migsim-pending")
    check("a slider changed (changes pending)")
    t.reset()
    check("Reset")
    step()
    for key in ("sanctions", "rouble", "tenge", "borders"):
        shock(key)
    step()
    shock("sanctions")  # the same shock again, a month later
    t.fastest()
    t.click("play")
    t.page.wait_for_selector(".migsim-pause")
    check("Play")
    shock("rouble")  # while playing
    t.click("pause")
    t.page.wait_for_selector(".migsim-play")
    check("Pause")
    shock("tenge")  # after a pause, at whatever month it stopped
    t.page.locator(".migsim-lang button").nth(1).click()  # Russian
    t.page.wait_for_function("() => document.querySelector('.migsim-link').href.includes('lang=ru')")
    check("the language switched")
    link = t.page.evaluate("() => document.querySelector('.migsim-link').href")
    shocks = t.page.locator(".migsim-shock-list").inner_text()
    assert "preset=networks" in link and "network_strength=0" in link and link.count("shock=") == len(pressed), link
    t.no_errors()

    opened = Teacher(browser, link)
    assert opened.page.locator(".migsim-entry-network_strength input").input_value() in ("0", "0.0")
    assert opened.page.locator(".migsim-shock-list").inner_text() == shocks
    assert opened.page.locator(".migsim-pending").count() == 0
    assert opened.page.evaluate("() => document.querySelector('.migsim-link').href") == link
    assert "тыс." in opened.page.locator(".migsim-headline").inner_text()  # in Russian
    opened.no_errors()
    opened.page.close()
    t.page.close()
