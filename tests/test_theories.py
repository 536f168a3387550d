"""Each theory preset switches on a mechanism that moves the outcome the theory is about.

Every comparison runs the same small world twice with the same seed (common random
numbers), changing only the mechanism, and checks the direction and a clear margin of the
effect: 8,000 workers, three years after a two-year burn-in.
"""

import functools
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from simulation.errors import ScenarioError
from simulation.events import KINDS
from simulation.model import MigrationModel
from simulation.parameters import PARAMETERS
from simulation.scenario import load_scenario
from simulation.teaching import (
    BASELINE,
    THEORY_DIR,
    THEORY_ORDER,
    TeachingModel,
    destination_concentration,
    herfindahl,
    presets,
    sanctions_summary,
    teaching_scenario,
)
from simulation.world import DEST_COUNTRIES, HOME, KAZ_LOCATIONS, LOCATION_COUNTRY, ORIGINS, SECTORS

SECONDARY = [SECTORS.index(s) for s in ("construction", "services", "agriculture")]


@functools.cache
def outcomes(preset: str, **changes) -> dict:
    """Outcomes of a 36-month run of a preset (with slider values or parameter overrides)."""
    s = teaching_scenario(preset, agents=8000, burn_in=24, start="2017-01", end="2019-12", **changes)
    model = MigrationModel(s)
    model.run()
    pop, rec = model.population, model.recorder
    last = slice(len(rec.dates) - 12, len(rec.dates))  # the last year, averaged
    abroad = pop.location != HOME
    in_kaz = np.isin(pop.location, KAZ_LOCATIONS) & (pop.origin != ORIGINS.index("KAZ")) & (pop.job_sector >= 0)
    by_sector = rec.values["stock_kaz_by_sector"][last].sum(axis=0)
    received = rec.values["remittances_received_usd"][last].sum()
    return {
        "abroad": int(abroad.sum()),
        "concentration": destination_concentration(model),
        "remittances_per_migrant": received / 12 / (abroad.sum() * pop.scale),
        "secondary_share": by_sector[SECONDARY].sum() / by_sector.sum(),
        "off_trade_share": float((pop.job_sector[in_kaz] != pop.skill_sector[in_kaz]).mean()),
        "kazakhs_abroad": float(np.mean(rec.values["kazakhs_abroad"][last, 0])),
        "foreign_in_kaz": float(np.mean(rec.values["stock_kaz"][last, 0])),
    }


# --- the preset files ---------------------------------------------------------------------------------
def test_every_theory_of_the_issue_has_a_preset_file():
    assert [p.stem for p in sorted(THEORY_DIR.glob("*.toml"))] == sorted(THEORY_ORDER)
    assert list(presets()) == [BASELINE, *THEORY_ORDER]


@pytest.mark.parametrize("key", THEORY_ORDER)
def test_preset_file_names_its_theory_and_source_and_changes_the_baseline(key):
    path = THEORY_DIR / f"{key}.toml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Theory: "), "a preset opens with a comment naming the theory"
    assert "Source" in text.splitlines()[1] or "Source" in text.splitlines()[2]
    doc = tomllib.loads(text)
    assert doc["extends"] == "../baseline"
    preset = presets()[key]
    assert preset.source and "(19" in preset.source, "the source names an author and year"
    sentences = preset.explanation.count(". ") + 1
    assert 2 <= sentences <= 4 and len(preset.explanation) < 800
    scenario, base = load_scenario(path), load_scenario(THEORY_DIR.parent / "baseline.toml")
    changed = {k for k in base.values if scenario[k] != base[k]}
    assert changed, "a preset switches or tunes at least one mechanism"


@pytest.mark.parametrize("key", THEORY_ORDER)
def test_the_cli_checks_each_preset(key):
    out = subprocess.run([sys.executable, "-m", "simulation.cli", "check", str(THEORY_DIR / f"{key}.toml")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "valid scenario" in out.stdout


def test_sliders_scale_what_the_preset_sets():
    base = teaching_scenario("networks")
    doubled = teaching_scenario("networks", network_strength=2.0, wage_gap=1.5, migration_cost=0.5, quota=5000)
    assert doubled["behaviour.beta_network"] == pytest.approx(2 * base["behaviour.beta_network"])
    assert doubled["labour.job_network_before"] == 1.0  # a probability stays a probability
    assert doubled["wages.migrant_ratio.RUS"] == pytest.approx(1.5 * base["wages.migrant_ratio.RUS"])
    assert doubled["corridor.UZB.KAZ.travel_cost_usd"] == pytest.approx(0.5 * base["corridor.UZB.KAZ.travel_cost_usd"])
    assert doubled["policy.work_permit_quota"] == 5000
    # A theory that switches contacts off keeps them off at any network strength.
    assert teaching_scenario("neoclassical", network_strength=3.0)["behaviour.beta_network"] == 0.0


def test_bad_slider_values_and_unknown_presets_are_clear_errors():
    with pytest.raises(ScenarioError, match="unknown theory preset 'marxist'.*neoclassical"):
        teaching_scenario("marxist")
    with pytest.raises(ScenarioError, match="wage_gap = -1"):
        teaching_scenario("baseline", wage_gap=-1)
    with pytest.raises(ScenarioError, match="policy.work_permit_quota"):
        teaching_scenario("baseline", quota=-5)


def test_herfindahl():
    assert herfindahl([5, 0, 0]) == 1.0
    assert herfindahl([1, 1, 1, 1]) == pytest.approx(0.25)
    assert np.isnan(herfindahl([0, 0]))


# --- each mechanism moves its outcome ---------------------------------------------------------------------
def test_neoclassical_migration_follows_the_wage_gap_through_expected_income():
    on, higher = outcomes("neoclassical"), outcomes("neoclassical", wage_gap=1.3)
    off = outcomes("neoclassical", behaviour__beta_income=0.0)
    off_higher = outcomes("neoclassical", behaviour__beta_income=0.0, wage_gap=1.3)
    response = higher["abroad"] / on["abroad"] - 1
    assert response > 0.15, f"30% higher wages abroad raised migrants by only {response:.0%}"
    # Without the income term the same wage rise does much less (it still pays for moves).
    assert off_higher["abroad"] / off["abroad"] - 1 < response / 2


def test_push_pull_push_at_home_sends_more_and_obstacles_keep_people_home():
    base = outcomes("push_pull")  # unemployment at home 4 times the national rate
    pushed = outcomes("push_pull", population__home_unemployment_multiplier=6.0)
    pushed_more = outcomes("push_pull", population__home_unemployment_multiplier=10.0)
    obstructed = outcomes("push_pull", migration_cost=2.0)
    # More push, more migrants, step by step. The seed is the same, but a step must be large
    # enough to rise above what one 8,000-agent run still varies: with the 2026-12-06
    # calibration, multipliers 4, 5, 6, 8 and 10 gave 1,823, 1,880, 1,957, 1,929 and 2,111 abroad.
    assert base["abroad"] < pushed["abroad"] < pushed_more["abroad"]
    assert pushed_more["abroad"] > 1.05 * base["abroad"]
    assert obstructed["abroad"] < 0.7 * base["abroad"]


def test_nelm_households_send_members_and_migrants_remit_more():
    nelm = outcomes("nelm")
    no_need = outcomes("nelm", behaviour__beta_need=0.0)
    individual_remitting = outcomes(  # the baseline's remittance rule instead of the household contract
        "nelm", remittances__remit_provider=PARAMETERS["remittances.remit_provider"].default,
        remittances__remit_dependants=PARAMETERS["remittances.remit_dependants"].default)
    assert nelm["abroad"] > 1.5 * no_need["abroad"], "household need should send more members abroad"
    assert nelm["remittances_per_migrant"] > 1.1 * individual_remitting["remittances_per_migrant"]


def test_dual_labour_market_channels_migrants_into_the_secondary_sector():
    dual, base = outcomes("dual_labour_market"), outcomes(BASELINE)
    assert dual["secondary_share"] > base["secondary_share"] + 0.08
    # Migrants take the jobs on offer rather than their own trade.
    assert dual["off_trade_share"] > base["off_trade_share"] + 0.1


def test_networks_concentrate_destinations():
    on = outcomes("networks")
    off = outcomes("networks", network_strength=0.0)
    pull_only_off = outcomes("networks", behaviour__beta_network=0.0)
    assert on["concentration"] > off["concentration"] + 0.2
    assert on["concentration"] > pull_only_off["concentration"] + 0.1
    assert on["abroad"] > 2 * off["abroad"], "each migrant lowers the cost for the next"


def test_exercise_1_wages_alone_spread_destinations_and_networks_concentrate_them():
    """docs/teaching.md, exercise 1, as a teacher runs it: the page's model from Reset to 2020."""
    def hhi(**controls):
        model = TeachingModel(**controls)
        while model.date < "2020-01":
            model.step()
        return destination_concentration(model)

    neoclassical, networks = hhi(preset="neoclassical"), hhi(preset="networks")
    networks_off = hhi(preset="networks", network_strength=0.0)
    # Measured 0.40, 0.95 and 0.37 (HHI) with the calibrated defaults of 2026-12-01 (0.32, 0.78 and
    # 0.23 before): wages alone spread migrants over about 2.5 destinations' worth, networks on one.
    assert networks > neoclassical + 0.25, "networks should concentrate migrants on few destinations"
    assert networks > networks_off + 0.25, "the Networks slider at 0 should spread them again"
    assert 1 / neoclassical > 2.2, "wages alone should spread migrants over several destinations"


def test_migration_systems_kazakhstan_receives_and_sends():
    systems, base = outcomes("migration_systems"), outcomes(BASELINE)
    assert systems["kazakhs_abroad"] > 2 * base["kazakhs_abroad"]
    assert systems["foreign_in_kaz"] > 0.5 * base["foreign_in_kaz"]
    assert systems["kazakhs_abroad"] > 0.5 * systems["foreign_in_kaz"], "both directions are of one order"


# --- the sanctions shock --------------------------------------------------------------------------------
def test_sanctions_button_is_the_models_sanctions_event():
    """Pressing the button in month D gives what a scenario with a sanctions event dated D gives."""
    rus, kaz = DEST_COUNTRIES.index("RUS"), DEST_COUNTRIES.index("KAZ")
    plain, shocked = TeachingModel(agents=6000, end="2017-12"), TeachingModel(agents=6000, end="2017-12")
    for _ in range(6):
        plain.step()
        shocked.step()
    date = shocked.date
    shocked.add_shock("sanctions")
    assert shocked.shocks == [("sanctions", date)]
    for _ in range(18):  # past a January, when the yearly wages are recomputed
        plain.step()
        shocked.step()
    d = {k: v.default for k, v in KINDS["sanctions"].settings.items()}
    factor = (1 + d["rouble_change_percent"] / 100) * (1 + d["real_wage_change_percent"] / 100)
    assert shocked.economy.dest_wage[rus] == pytest.approx(factor * plain.economy.dest_wage[rus])
    assert shocked.economy.dest_wage[kaz] == pytest.approx(plain.economy.dest_wage[kaz])
    assert shocked.levers.remit_capacity[rus].max() <= d["channel_capacity"] < plain.levers.remit_capacity[rus].min()
    assert shocked.timeline[-1].kind == "sanctions" and shocked.timeline[-1].index == len(plain.timeline)

    def stock(model, country, origin=None):
        pop = model.population
        there = (pop.location != HOME) & (LOCATION_COUNTRY[pop.location] == DEST_COUNTRIES.index(country))
        return int((there & (pop.origin == ORIGINS.index(origin) if origin else there)).sum())

    assert stock(shocked, "KAZ", "RUS") > stock(plain, "KAZ", "RUS")  # Russians relocate to Kazakhstan

    params = teaching_scenario(BASELINE, agents=6000, end="2017-12")
    with_event = params.__class__(params.name, params.values, events=[{"kind": "sanctions", "date": date}])
    scheduled = MigrationModel(with_event)
    for _ in range(24):
        scheduled.step()
    assert scheduled.timeseries().equals(shocked.timeseries())


def test_the_words_about_the_sanctions_button_come_from_the_events_defaults():
    d = {k: v.default for k, v in KINDS["sanctions"].settings.items()}
    summary = sanctions_summary()
    assert f"loses {abs(d['rouble_change_percent']):.0f}%" in summary
    assert f"a further {abs(d['real_wage_change_percent']):.0f}%" in summary
    assert f"{d['channel_capacity']:.0%} of remittances" in summary
    assert f"{d['relocation_share']:.0%} of Russians" in summary and f"{d['relocation_months']} months" in summary
    guide = " ".join((THEORY_DIR.parent.parent / "docs" / "teaching.md").read_text(encoding="utf-8").split())
    assert summary in guide, "docs/teaching.md should quote sanctions_summary() word for word"


def test_teaching_model_stops_at_the_end_instead_of_raising():
    model = TeachingModel(agents=500, end="2015-03")
    for _ in range(5):
        model.step()
    assert model.running is False
    assert model.recorder.dates[-1] == "2015-03"


def test_wages_alone_sets_aside_every_calibrated_corridor_preference():
    """The neoclassical preset names the calibrated preferences one by one: a corridor added to
    the calibration space must be added there too, or wages would no longer act alone."""
    from calibration.space import SPACE
    from simulation.teaching import presets

    neoclassical = presets()["neoclassical"].scenario()
    calibrated = [p.key for p in SPACE if p.key.endswith(".preference")]
    assert calibrated and all(neoclassical[k] == 0.0 for k in calibrated)
