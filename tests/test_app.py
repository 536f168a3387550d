"""The teaching page without a browser: the session that steps the model, snapshots, shocks, saved setups,
the charts' data and the `migsim app` command."""

import json
import re
import socket
import threading

import numpy as np
import pytest

from simulation.cli import main
from simulation.errors import ScenarioError
from simulation.i18n import translator
from simulation.teaching import NODES, SHOCKS, TeachingModel, country_flows, country_stocks, last_month_flows
from simulation.teaching.charts import TIME_CHARTS, ghost_data, map_data, map_spec, time_data, time_spec
from simulation.teaching.session import Session, check_setup
from simulation.world import HOME, LOCATION_COUNTRY

SLIDERS = {"wage_gap": 1.0, "network_strength": 1.0, "migration_cost": 1.0, "quota": 30_000}


@pytest.fixture(scope="module")
def stepped():
    model = TeachingModel(agents=2000, end="2016-12")
    for _ in range(8):
        model.step()
    return model


def test_country_flows_account_for_every_move_between_countries(stepped):
    flows = last_month_flows(stepped)
    origin_of = np.arange(flows.shape[0])[:, None, None]
    src = np.where(np.arange(flows.shape[1])[None, :, None] == HOME, -1 - origin_of,
                   LOCATION_COUNTRY[None, :, None].astype(int))
    dst = np.where(np.arange(flows.shape[2])[None, None, :] == HOME, -1 - origin_of,
                   LOCATION_COUNTRY[None, None, :].astype(int))
    cross = flows * ~((src == dst) & (src >= 0))  # moves between regions of one country are left out
    edges = country_flows(stepped)
    assert sum(e[2] for e in edges) == pytest.approx(cross.sum() * stepped.population.scale)
    assert {e[3] for e in edges} <= {"leave", "return", "onward"}
    assert all(e[0] in NODES and e[1] in NODES for e in edges)


def test_country_stocks_add_up_to_everyone_abroad(stepped):
    pop = stepped.population
    assert sum(country_stocks(stepped).values()) == pytest.approx((pop.location != HOME).sum() * pop.scale)


def test_every_preset_starts_from_the_same_world():
    """No burn-in: before Play every theory shows the same (empty) world."""
    for preset in ("neoclassical", "networks", "migration_systems"):
        model = TeachingModel(preset=preset, agents=1000, end="2015-06")
        assert (model.population.location == HOME).all()
        assert model.date == "2015-01"


def test_shocks_act_from_the_coming_month_at_any_month_and_more_than_once():
    session = Session(agents=1000)
    session.advance(3)
    for key in SHOCKS:
        snap = session.shock(key)
    snap = session.shock("sanctions")  # again
    assert [k for k, _ in snap.shocks] == [*SHOCKS, "sanctions"]
    assert all(date == "2015-04" for _, date in snap.shocks)
    assert snap.twin is not None and len(snap.twin.series["concentration"]) == 3
    snap = session.advance(2)
    assert len(snap.twin.series["concentration"]) == len(snap.current.series["concentration"]) == 5
    # The run without shocks equals the run before the first shock (same seed), then differs.
    a, b = snap.current.series["stock_kaz_by_origin"], snap.twin.series["stock_kaz_by_origin"]
    assert np.array_equal(a[:3], b[:3])


def test_borders_pressed_again_while_closed_stay_closed_six_months_more_then_open():
    """Two closures crossing each other left the exit factor at 0.2 for good, borders open."""
    model = TeachingModel(agents=1000, end="2016-12")
    for _ in range(3):
        model.step()
    assert model.add_shock("borders") == "2015-04"
    model.step()
    model.step()
    assert model.add_shock("borders") == "2015-10"  # after the first window, 2015-04..09
    factors = []
    for _ in range(16):
        model.step()
        factors.append(float(model.levers.exit_factor.min()))
    assert factors == [0.2] * 10 + [1.0] * 6  # 2015-06 to 2016-09: closed to 2016-03, then open


def test_a_step_is_one_month_and_reset_keeps_the_run_as_a_ghost():
    session = Session(agents=1000)
    assert session.snapshot().date is None
    assert session.advance(1).date == "2015-01"
    assert session.advance(1).date == "2015-02"
    snap = session.reset("networks", {**SLIDERS, "migration_cost": 2.5})
    assert snap.date is None and len(snap.ghosts) == 1 and snap.ghosts[0].preset == "baseline"
    assert session.advance(6, until="2015-03").date == "2015-03"  # "run to" stops after that month
    assert session.clear().ghosts == ()


def test_snapshots_are_consistent_while_another_thread_steps():
    """The old page's traceback: a chart read arrays of unequal length while the model stepped."""
    session = Session(agents=1000)
    stop = threading.Event()
    errors = []

    def player():
        while not stop.is_set():
            session.advance(1)

    thread = threading.Thread(target=player)
    thread.start()
    try:
        for _ in range(40):
            snap = session.shock("rouble") if _ % 10 == 0 else session.snapshot()
            lengths = {len(v) for run in (snap.current, snap.twin) if run for v in run.series.values()}
            if len(lengths) > 1:
                errors.append(lengths)
            time_data("remittances", snap, "en", translator("en"))
    finally:
        stop.set()
        thread.join()
    assert not errors


def test_saved_setup_loads_back_and_bad_files_say_what_is_wrong():
    session = Session(agents=1000)
    session.reset("push_pull", {**SLIDERS, "wage_gap": 1.5})
    session.advance(2)
    session.shock("borders")
    setup = check_setup(json.dumps(session.setup()))
    assert setup == {"preset": "push_pull", "controls": {**SLIDERS, "wage_gap": 1.5}, "shocks": [("borders", "2015-03")]}
    replay = Session(agents=1000)
    snap = replay.reset(**setup)
    assert snap.shocks == (("borders", "2015-03"),)
    for text, words in (("{", "not valid JSON"), ('{"preset": "x"}', "not a saved setup"),
                        ('{"migsim_teaching_setup": 1, "preset": "marxist"}', "preset 'marxist' is not allowed"),
                        ('{"migsim_teaching_setup": 1, "controls": {"wage_gap": 9}}', "controls.wage_gap = 9"),
                        ('{"migsim_teaching_setup": 1, "shocks": [["war", "2016-01"]]}', "shock ['war', '2016-01']"),
                        ('{"migsim_teaching_setup": 1, "colour": 1}', "unknown key 'colour'")):
        with pytest.raises(ScenarioError, match=re.escape(words)):
            check_setup(text, "setup.json")  # `match` is escaped: the words are literal


def test_charts_use_full_country_names_large_fonts_and_fixed_axes():
    session = Session(agents=1000)
    session.advance(4)
    session.shock("sanctions")
    snap = session.advance(2)
    for lang in ("en", "ru"):
        _ = translator(lang)
        for key in TIME_CHARTS:
            spec = time_spec(key, lang, snap.axes.get(TIME_CHARTS[key][4]))
            assert spec["config"]["axis"]["labelFontSize"] >= 16 and spec["config"]["legend"]["labelFontSize"] >= 16
            data = {**time_data(key, snap, lang, _), **ghost_data(key, snap, lang, _)}
            assert len({r["date"] for r in data["now"]}) == 6
        rows = time_data("remittances", snap, lang, _)["now"]
        assert {"Uzbekistan" if lang == "en" else "Узбекистан"} <= {r["group"] for r in rows}
    # The y axis is the session's, not the run's: a small run is drawn on the same scale as a big one.
    y = time_spec("stock", "en", snap.axes["stock_kaz"])["layer"][0]["encoding"]["y"]["scale"]["domain"]
    assert y == [0, snap.axes["stock_kaz"] / 1000]


def test_map_arrowheads_stop_outside_the_discs():
    from simulation.teaching.charts import disc_radius

    session = Session(agents=1000)
    snap = session.advance(5)
    data = map_data(snap, "en", translator("en"))
    assert map_spec("en")["layer"]
    assert len(data["discs"]) == len(NODES) and data["arrows"]
    heads = data["arrows"][1::2]
    for (src, dst, _, _), head in zip([f for f in snap.flows], heads):
        tip = np.array(head["geometry"]["coordinates"][0][:3])
        gap = np.hypot(*(tip - np.array(NODES[dst])).T).min()
        assert gap >= disc_radius(snap.stocks.get(dst, 0)), f"arrowhead {src}->{dst} under the disc"


def test_app_command_rejects_a_bad_port_a_taken_port_and_a_bad_size_clearly(capsys):
    assert main(["app", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert "--port 70000 is not allowed" in err and "Traceback" not in err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 1
    assert f"port {port} on localhost is already in use" in capsys.readouterr().err
    assert main(["app", "--agents", "5"]) == 2
    assert "--agents 5 is not allowed" in capsys.readouterr().err


def test_benchmark_option_measures_the_page_model(capsys):
    assert main(["app", "--benchmark", "--agents", "500"]) == 0
    assert "months/s stepping alone" in capsys.readouterr().out


def test_every_chart_draws_before_the_first_month_too():
    snap = Session(agents=1000).snapshot()
    for key in TIME_CHARTS:
        assert time_data(key, snap, "en", translator("en"))["now"] == []
    assert map_data(snap, "en", translator("en"))["arrows"] == []


def test_labels_the_page_translates_by_name_are_in_both_catalogues():
    """Slider, shock and chart labels are passed to `_` as variables, which tests/test_i18n.py cannot see."""
    from simulation.i18n import catalogue
    from simulation.teaching import CONTROLS
    from simulation.teaching.charts import WORK

    names = [c.label for c in CONTROLS.values()] + [c.unit for c in CONTROLS.values()]
    names += [s.label for s in SHOCKS.values()] + [t[0] for t in TIME_CHARTS.values()]
    names += [t[1] for t in TIME_CHARTS.values()] + [w for w, _ in WORK]
    for lang in ("ru", "kk"):
        assert not [n for n in names if n not in catalogue(lang)], lang


def test_warm_up_builds_steps_and_draws_before_the_server_listens():
    """`migsim app` compiles and runs the model before serving, so the first page load does not wait for it."""
    from simulation.teaching.app import warm_up

    warm_up(agents=300)


def test_a_link_holds_the_setup_and_a_wrong_link_says_what_is_wrong():
    from simulation.teaching.link import read_query, setup_query

    controls = {**SLIDERS, "network_strength": 0.0, "quota": 50_000}
    query = setup_query("networks", controls, "ru", [("sanctions", "2017-01")])
    assert query == "?preset=networks&network_strength=0&quota=50000&shock=sanctions%3A2017-01&lang=ru"
    assert read_query(query) == {"preset": "networks", "controls": controls, "shocks": [("sanctions", "2017-01")],
                                 "lang": "ru"}
    assert setup_query("baseline", SLIDERS) == "" and read_query("") is None and read_query(None) is None
    for query, words in (("?colour=red", "unknown setting 'colour'"), ("?quota=many", "quota=many is not a number"),
                         ("?lang=de", "lang=de is not allowed"), ("?preset=marxist", "preset 'marxist'"),
                         ("?wage_gap=9", "wage_gap = 9.0 is not allowed"), ("?shock=war:2016-01", "shock ['war'")):
        with pytest.raises(ScenarioError, match=re.escape(words)):
            read_query(query)
