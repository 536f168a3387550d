"""The teaching page without a browser: its model, its controls as Mesa sees them, its figures."""

import io
import socket

import numpy as np
import pytest
from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

from simulation import app_page
from simulation.cli import main
from simulation.teaching import CONTROLS, NODES, TeachingModel, country_flows, country_stocks, last_month_flows
from simulation.world import HOME, LOCATION_COUNTRY


@pytest.fixture(scope="module")
def stepped():
    model = TeachingModel(agents=2000, end="2016-12")
    for _ in range(8):
        model.step()
    return model


def test_mesa_accepts_the_controls_as_the_models_keyword_arguments():
    params = app_page.model_params()
    assert set(CONTROLS) | {"preset", "agents"} == set(params)
    _check_model_params(TeachingModel.__init__, params)  # raises on a name the model does not take
    assert params["preset"]["values"][0] == "baseline" and "networks" in params["preset"]["values"]
    # Mesa hands the panel's values to the model only on Reset; the panel says so.
    assert "press Reset to apply" in params["preset"]["label"]


def test_reset_rebuilds_the_model_from_the_panel_values_as_mesa_does():
    model = TeachingModel(agents=1000, end="2015-06")
    panel = {"preset": "networks", "wage_gap": 1.5, "network_strength": 2.0, "migration_cost": 1.0,
             "quota": 10_000, "agents": 1000}
    kwargs = _build_model_init_kwargs(model, panel, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    rebuilt = type(model)(**kwargs)
    assert rebuilt.preset == "networks"
    assert rebuilt.params["policy.work_permit_quota"] == 10_000
    assert rebuilt.params["behaviour.beta_network"] == pytest.approx(2 * 2.0)  # preset 2.0, slider x2


def test_country_flows_account_for_every_move_between_countries(stepped):
    flows = last_month_flows(stepped)
    origin_of = np.arange(flows.shape[0])[:, None, None]
    src = np.where(np.arange(flows.shape[1])[None, :, None] == HOME, -1 - origin_of,
                   LOCATION_COUNTRY[None, :, None].astype(int))
    dst = np.where(np.arange(flows.shape[2])[None, None, :] == HOME, -1 - origin_of,
                   LOCATION_COUNTRY[None, None, :].astype(int))
    # Every move except between regions of one country (Kazakhs and Russians cannot work "abroad" at home).
    cross = flows * ~((src == dst) & (src >= 0))
    edges = country_flows(stepped)
    total = sum(e[2] for e in edges)
    expected = cross.sum() * stepped.population.scale
    assert total == pytest.approx(expected)
    assert total > 0
    assert {e[3] for e in edges} <= {"leave", "return", "onward"}
    assert all(e[0] in NODES and e[1] in NODES for e in edges)


def test_country_stocks_add_up_to_everyone_abroad(stepped):
    pop = stepped.population
    assert sum(country_stocks(stepped).values()) == pytest.approx((pop.location != HOME).sum() * pop.scale)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_every_figure_draws_and_the_charts_move_with_the_model():
    model = TeachingModel(agents=1500, end="2016-12")
    model.step()
    before = {d.__name__: _png(d(model)) for d in (app_page.draw_country_map, app_page.draw_stock,
                                                    app_page.draw_money_and_work, app_page.draw_social_network)}
    for _ in range(3):
        model.step()
    model.apply_sanctions()
    after = {d.__name__: _png(d(model)) for d in (app_page.draw_stock, app_page.draw_money_and_work,
                                                   app_page.draw_country_map)}
    for name, image in after.items():
        assert image[:8] == b"\x89PNG\r\n\x1a\n"
        assert image != before[name], f"{name} did not change after three months"


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
    out = capsys.readouterr().out
    assert "months/s stepping alone" in out and "as the page plays by default" in out
