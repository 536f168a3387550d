"""Calibration: targets with their uncertainty, simulated surveys, the distance, the
gravity baseline, and the commands end to end on a tiny world."""

import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.fit import Z_CAP, TargetDistance
from calibration.gravity import fit_gravity, loo_predictions, observed_flows
from calibration.simulate import SeriesTable, Window, compute_statistic, simulate
from calibration.space import SPACE, check_space
from calibration.survey import SURVEY_STATISTICS, SURVEYS, SurveyRecorder, design_weights, survey_statistic
from calibration.targets import DEFAULT_TARGETS, load_targets, parse_statistic
from simulation.errors import DataError
from simulation.indicators import tidy_frame
from simulation.model import MigrationModel
from simulation.parameters import PARAMETERS
from simulation.scenario import load_scenario
from simulation.world import ORIGINS, REGIONS

from conftest import toy_scenario

HEADER = ("id,kind,source,year,population,measure,group,value,unit,n,design_effect,rel_sd,weight,data_ref,"
          "statistic,note\n")


def migsim(*args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "simulation.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def targets():
    return load_targets()


# --- targets ----------------------------------------------------------------------------------
def test_every_published_figure_is_a_target_with_source_and_band(targets):
    raw = pd.read_csv("calibration/targets.csv", dtype=str, keep_default_na=False)
    # the 95 figures of the IOM 2022 and 2023 surveys and Kelinbayeva et al. (2025), each with a source
    assert (raw.source.isin(["IOM2022", "IOM2023", "KEL2025"])).sum() >= 95
    assert (raw.source != "").all() and (raw.note.str.len() + raw.statistic.str.len() > 0).all()
    ok = targets[targets.modelled & (targets.kind != "pattern")]
    assert (ok.low <= ok.value).all() and (ok.value <= ok.high).all() and (ok.sd > 0).all()
    # the gender study's qualitative findings are patterns: reported, never fitted
    patterns = targets[targets.kind == "pattern"]
    assert len(patterns) >= 5 and (patterns.weight == 0).all() and (patterns.source == "OMA2026").all()
    # not-modelled rows say why
    assert all("not modelled" in n for n in raw[raw.statistic == ""].note)


def test_survey_share_band_follows_sample_size_and_design(targets):
    row = targets.set_index("id").loc["s22_female"]
    assert row.sd == pytest.approx(math.sqrt(2.0 * 0.31 * 0.69 / 2000))
    small = targets.set_index("id").loc["s22_remit_gt50"]  # 678 remitters: a wider band
    assert small.sd > math.sqrt(2.0 * 0.49 * 0.51 / 2000)


def test_a_share_some_did_not_answer_is_bounded_by_their_answers(targets):
    """IOM 2022: 0.34 remit and 0.17 refused, so the share among all asked lies in 0.34-0.51;
    the band is those bounds widened by the sampling error, the fitted value their midpoint."""
    row = targets.set_index("id").loc["s22_remit"]
    sampling = math.sqrt(2.0 * 0.34 * 0.66 / 2000)
    assert (row.published, row.unanswered) == (0.34, 0.17)
    assert row.value == pytest.approx(0.425)
    assert (row.low, row.high) == pytest.approx((0.34 - 2 * sampling, 0.51 + 2 * sampling))
    assert row.sd == pytest.approx(math.sqrt(sampling**2 + 0.17**2 / 12))
    # a row without non-response keeps its published figure as the value
    plain = targets.set_index("id").loc["m23_remit"]
    assert plain.value == plain.published == 0.49 and plain.unanswered == 0


def test_world_bank_series_expand_from_the_embedded_data(targets):
    paid = targets[targets.origin_id == "wdi_bm_kaz"]
    assert list(paid.year) == list(range(2010, 2024))
    # the embedded WDI value agrees with the figure Kelinbayeva et al. quote (2,809 million USD)
    assert paid.set_index("year").value[2023] == pytest.approx(2809e6, rel=1e-3)
    # reported, not fitted: the series counts settled residents' transfers the model does not hold
    assert (paid.weight == 0).all() and paid.modelled.all()
    received = targets[targets.origin_id == "wdi_bx_uzb"]
    assert received.weight.sum() == pytest.approx(3.0)
    # the drops of 2016 and 2020 are in the target series
    v = paid.set_index("year").value
    assert v[2016] < v[2015] and v[2020] < v[2019]


def test_a_series_that_records_part_of_the_flows_or_more_is_met_by_the_model_times_that_factor(targets):
    # Before 2018 the World Bank's Uzbek figures follow recorded transfers, not the cash carried home
    # (`calibration/recording.py`): the model's total is compared times the share recorded.
    uzb = targets[targets.origin_id == "wdi_bx_uzb"].set_index("year")
    assert uzb.stat[2013].recorded == pytest.approx(0.675) and uzb.stat[2018].recorded == 1.0
    assert "cash" in uzb.note[2013] and "cash" not in uzb.note[2018]
    assert all(s.recorded == 1.0 for s in targets[targets.origin_id == "wdi_bx_tjk"].stat)
    # Kazakhstan's figures also count the settled diaspora's transfers (KNOMAD), which the model does not hold
    kaz = targets[targets.origin_id == "wdi_bx_kaz"].set_index("year")
    assert all(s.recorded == pytest.approx(1 / (1 - 0.376)) for s in kaz.stat)
    assert all("diaspora" in note for note in kaz.note)
    dates = [f"2013-{m:02d}" for m in range(1, 13)]
    table = SeriesTable(pd.DataFrame({"date": dates, "indicator": "remittances_received_usd", "group": "UZB",
                                      "value": 100.0}))
    assert compute_statistic(uzb.stat[2013], table, {}) == pytest.approx(0.675 * 1200)
    # the published value and its band are the World Bank's own
    assert uzb.value[2013] == pytest.approx(6.44153e9, rel=1e-5)
    # the same figure quoted as a count, its series named in data_ref, is met the same way
    quoted = targets.set_index("id")
    assert quoted.stat["wb_remit_in_2023_kaz"].recorded == pytest.approx(kaz.stat[2023].recorded)
    assert quoted.stat["wb_remit_in_2023_uzb"].recorded == 1.0


def test_the_diaspora_measurement_holds_in_forecast_years_too():
    """Kazakhstan's diaspora kept sending after the last published figure: a later World Bank
    figure (a forecast's test) is met through the same share, not the model's total alone."""
    from calibration.recording import recorded_factor

    for year in (2010, 2023, 2024, 2030):
        assert recorded_factor("BX.TRF.PWKR.CD.DT:KAZ", year) == pytest.approx(1 / (1 - 0.376))
    assert recorded_factor("BX.TRF.PWKR.CD.DT:UZB", 2024) == 1.0  # the cash is counted since 2018


@pytest.mark.parametrize("row, message", [
    ("x,share,IOM2022,2022,,m,all,1.4,share,100,2,,1,,survey:IOM2022:female,", "between 0 and 1"),
    ("x,count,KEL2025,2022,,m,all,-5,persons,,,0.1,1,,series:sum:arrivals_kaz:all:2022-01..2022-12,", "at least 0"),
    ("x,count,KEL2025,2022,,m,all,5,persons,,,0.1,1,,series:sum:arrivals_kazz:all:2022-01..2022-12,",
     "unknown indicator 'arrivals_kazz'"),
    ("x,count,KEL2025,2022,,m,all,5,persons,,,0.1,1,,series:sum:arrivals_kaz:XYZ:2022-01..2022-12,", "no group 'XYZ'"),
    ("x,share,IOM2022,2022,,m,all,0.3,share,100,2,,1,,survey:IOM2022:favourite_colour,", "unknown survey statistic"),
    ("x,share,IOM2022,2022,,m,all,0.3,share,,,,1,,survey:IOM2022:female,", "needs a sample size"),
    ("x,range,KEL2025,2023,,m,all,1000000-200000,persons,,,,1,,series:mean:stock_kaz:all:2023-01..2023-12,",
     "LOW < HIGH"),
    ("x,wdi,WB,2010-2023,,m,KAZ,,USD,,,0.1,1,NO.SUCH.SERIES:KAZ,series:sum:stock_kaz:all:{year}-01..{year}-12,",
     "matches no rows"),
    ("x,shares,IOM2022,2022,,m,all,0.3,share,100,2,,1,,survey:IOM2022:female,", "kind 'shares'"),
    # a mistyped country on a count row once passed and dropped its recording factor; a data_ref where none is
    # used was ignored
    ("x,count,KEL2025,2023,,m,KAZ,304000000,USD,,,0.15,0,BX.TRF.PWKR.CD.DT:KZ,"
     "series:sum:remittances_received_usd:KAZ:2023-01..2023-12,", "column 'data_ref' = 'BX.TRF.PWKR.CD.DT:KZ' must be"),
    ("x,count,KEL2025,2023,,m,KAZ,304000000,USD,,,0.15,0,BX.TRF.PWKR.CD.DT:XYZ,"
     "series:sum:remittances_received_usd:KAZ:2023-01..2023-12,", "it holds BX.TRF.PWKR.CD.DT for AZE"),
    ("x,count,KEL2025,2023,,m,KAZ,3e8,USD,,,0.15,0,BM.TRF.PWKR.CD.DT:KAZ,,", "must be BX.TRF.PWKR.CD.DT:ISO3 or"),
    ("x,share,IOM2022,2022,,m,all,0.3,share,100,2,,1,BX.TRF.PWKR.CD.DT:KAZ,survey:IOM2022:female,",
     "column 'data_ref' = 'BX.TRF.PWKR.CD.DT:KAZ' is not used by kind 'share'"),
    ("x,range,KEL2025,2023,,m,all,1-5,persons,,,,1,remittance:RUS:UZB:2021,,", "not used by kind 'range'"),
    ("x,bilateral,KNOMAD,2021,,m,UZB,,USD,,,0.3,1,remittance:RUS:UZB:2020,"
     "series:sum:remittances_received_usd:UZB:2021-01..2021-12,", "it holds remittance from RUS to UZB for 2018"),
    ("x,pattern,OMA2026,2023,,m,KAZ,more,gap,,,,0,,pattern:intention_gap,", "such as '>0'"),
    ("x,pattern,OMA2026,2023,,m,KAZ,>0,gap,,,,1,,pattern:intention_gap,", "give weight 0"),
    ("x,pattern,OMA2026,2023,,m,KAZ,>0,gap,,,,0,,pattern:happiness_gap,", "unknown pattern 'happiness_gap'"),
    ("x,share,IOM2022,2022,,m,all,0.9,share,100,2,,1,,survey:IOM2022:remit,,0.2", "plus unanswered 0.2 is above 1"),
    ("x,count,KEL2025,2022,,m,all,5,persons,,,0.1,1,,series:sum:arrivals_kaz:all:2022-01..2022-12,,0.1",
     "'unanswered' is for survey shares"),
    ("x,share,IOM2022,2022,,m,all,0.3,share,100,2,,1,,survey:IOM2022:remit,,lots", "'unanswered' = 'lots'"),
])
def test_bad_targets_files_are_refused_with_the_row_named(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER.replace("note\n", "note,unanswered\n") + row + "\n")
    with pytest.raises(DataError) as err:
        load_targets(path)
    assert message in str(err.value) and "bad.csv" in str(err.value) and "'x'" in str(err.value)


def test_unknown_columns_duplicates_and_missing_files(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text(HEADER + "a,count,K,2022,,m,all,5,p,,,0.1,1,,,\n" * 2)
    with pytest.raises(DataError, match="duplicate target id"):
        load_targets(dup)
    extra = tmp_path / "extra.csv"
    extra.write_text("id,kind,source,year,measure,value,weight,colour\n")
    with pytest.raises(DataError, match="unknown column.*colour"):
        load_targets(extra)
    with pytest.raises(DataError, match="no such targets file"):
        load_targets(tmp_path / "missing.csv")


def test_validate_command_reports_bad_input_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "x,share,IOM2022,2022,,m,all,2,share,100,2,,1,,survey:IOM2022:female,\n")
    done = migsim("validate", str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "bad.csv" in done.stderr
    done = migsim("validate", str(tmp_path / "none.csv"))
    assert done.returncode == 2 and "no such targets file" in done.stderr


# --- the parameter space ------------------------------------------------------------------------
def test_calibration_space_names_uncertain_parameters_with_reasons():
    check_space()
    for p in SPACE:
        assert PARAMETERS[p.key].role == "uncertainty" and len(p.reason) > 20


# --- simulated counterparts ------------------------------------------------------------------------
def test_series_statistics_aggregate_the_recorded_months():
    dates = [f"2022-{m:02d}" for m in range(1, 13)]
    ts = pd.DataFrame({"date": dates * 2, "indicator": ["arrivals_kaz"] * 12 + ["stock_kaz"] * 12,
                       "group": "all", "value": list(range(1, 13)) + [10.0] * 12})
    table = SeriesTable(ts)
    stat = lambda s: compute_statistic(parse_statistic(s, "test"), table, {})  # noqa: E731
    assert stat("series:sum:arrivals_kaz:all:2022-01..2022-12") == 78
    assert stat("series:mean:arrivals_kaz:all:2022-01..2022-03") == 2
    assert stat("ratio:arrivals_kaz:all/stock_kaz:all:2022-12..2022-12") == pytest.approx(1.2)
    assert math.isnan(stat("series:sum:arrivals_kaz:all:2021-01..2021-12"))  # outside the window


def test_series_table_from_the_recorded_months_is_the_pivot_of_the_time_series():
    """`simulate` looks targets up in the recorder's arrays; they hold what the pivot of the tidy
    frame holds, and leave out the months and series without a value as the pivot does."""
    model = MigrationModel(toy_scenario(run__agents=300, run__burn_in_months=0, run__end="2021-06"), seed=3)
    model.run()
    monthly = {k: v.copy() for k, v in model.recorder.values.items()}
    monthly["share_no_contract"][:] = np.nan
    pivot = SeriesTable(tidy_frame(model.recorder.dates, monthly))
    direct = SeriesTable.from_monthly(model.recorder.dates, monthly)
    assert list(direct.dates) == list(pivot.dates) and set(direct._column) == set(pivot._column)
    assert ("share_no_contract", "all") not in direct._column
    for key in pivot._column:
        assert np.array_equal(direct.values(*key, "2021-02", "2021-05"), pivot.values(*key, "2021-02", "2021-05"),
                              equal_nan=True), key


def test_design_weights_give_each_city_its_share_of_interviews():
    design = SURVEYS["IOM2022"]
    loc = np.array([1 + REGIONS.index(r) for r in ["astana"] * 10 + ["shymkent"] * 30 + ["almaty_city"] * 60])
    w = design_weights(design, loc)
    for region, share in design.allocation.items():
        assert w[loc == 1 + REGIONS.index(region)].sum() / w.sum() == pytest.approx(share)


def test_design_weights_rake_to_the_city_and_the_gender_allocation():
    """IOM 2022 was stratified by city and by gender: both margins hold together."""
    design = SURVEYS["IOM2022"]
    loc = np.array([1 + REGIONS.index(r) for r in ["astana"] * 10 + ["shymkent"] * 30 + ["almaty_city"] * 60])
    female = np.zeros(len(loc), bool)
    female[:5] = True  # half of Astana's respondents, none elsewhere but a few in Almaty
    female[40:43] = True
    w = design_weights(design, loc, female)
    assert w[female].sum() / w.sum() == pytest.approx(design.female_share, abs=1e-6)
    for region, share in design.allocation.items():
        assert w[loc == 1 + REGIONS.index(region)].sum() / w.sum() == pytest.approx(share, abs=1e-6)
    # a proportional design (IOM 2023) leaves every respondent at weight 1
    assert (design_weights(SURVEYS["IOM2023"], loc, female) == 1).all()


def test_simulated_survey_interviews_only_eligible_migrants_once():
    model = MigrationModel(toy_scenario(run__start="2022-01", run__end="2022-08"))
    rec = SurveyRecorder(SURVEYS["IOM2022"], model.population.n)
    codes = [1 + REGIONS.index(x) for x in SURVEYS["IOM2022"].regions]
    eligible = set()  # counted here independently of the recorder
    while not model.finished:
        date = model.date
        model.step()
        rec.observe(model, date)
        if date in SURVEYS["IOM2022"].months:
            pop = model.population
            eligible |= set(np.flatnonzero(np.isin(pop.location, codes) & (pop.origin != ORIGINS.index("KAZ"))
                                           & (pop.age >= 18)).tolist())
    r = rec.respondents()
    assert len(r) > 0 and len(r) == len(eligible)  # everyone present in either month, each once
    assert np.isin(r.cols["location"], codes).all()
    assert (r.cols["origin"] != ORIGINS.index("KAZ")).all() and (r.cols["age"] >= 18).all()
    assert set(np.unique(r.month)) <= {6, 7}
    # the journey (the trip, home visits and moves on included) is never shorter than the stay
    assert (r.cols["months_on_trip"] >= r.cols["months_here"]).all()
    assert (r.cols["months_on_trip"] > r.cols["months_here"]).any()  # some have visited home or moved on
    for name in SURVEY_STATISTICS:
        value = survey_statistic(r, name)
        assert math.isnan(value) or name == "income_mean" or 0 <= value <= 1


def test_the_unemployed_new_to_kazakhstan_are_counted_among_the_unemployed_only():
    """IOM 2023 asked only those out of work whether they had ever worked in Kazakhstan."""
    from calibration.survey import COLUMNS, Respondents

    cols = {c: np.zeros(5) for c in COLUMNS}
    cols["job_sector"] = np.array([-1, -1, -1, 2, 3])
    cols["worked_kaz"] = np.array([False, False, True, False, True])
    r = Respondents(SURVEYS["IOM2023"], cols, np.full(5, 3), np.ones(5))
    assert survey_statistic(r, "unemployed_never_worked_kaz") == pytest.approx(2 / 3)
    assert survey_statistic(r, "working") == pytest.approx(2 / 5)


def test_exactly_half_is_in_the_top_band_of_2022_and_the_middle_band_of_2023():
    from calibration.survey import COLUMNS, Respondents

    cols = {c: np.zeros(4) for c in COLUMNS}
    cols["remitter"] = np.ones(4, bool)
    cols["remit_share"] = np.array([0.7, 0.5, 0.3, 0.1], np.float32)
    r = Respondents(SURVEYS["IOM2022"], cols, np.full(4, 6), np.ones(4))
    bands_2022 = [survey_statistic(r, k) for k in ("remit_ge50", "remit_25_under_50", "remit_lt25")]
    assert bands_2022 == [0.5, 0.25, 0.25]
    bands_2023 = [survey_statistic(r, k) for k in ("remit_gt50", "remit_25_50", "remit_lt25")]
    assert bands_2023 == [0.25, 0.5, 0.25]


def test_distance_is_zero_at_the_observations_and_capped(targets):
    d = TargetDistance(targets)
    observed = dict(zip(d.ids, d.obs))
    assert d(observed) == 0
    far = {k: v * 1e6 + 1e9 for k, v in observed.items()}
    assert d(far) == pytest.approx(Z_CAP) and d({}) == pytest.approx(Z_CAP)


def test_simulate_computes_every_modelled_target_in_its_window(targets):
    window = Window(start="2022-01", end="2023-12", agents=1500, burn_in=6)
    sim = simulate(toy_scenario(), targets, window, seed=5)
    inside = targets[targets.modelled & (targets.year >= 2022) & (targets.year <= 2023)]
    finite = [np.isfinite(sim.values[i]) for i in inside.id]
    assert np.mean(finite) > 0.9
    assert math.isnan(sim.values["wdi_bm_kaz_2015"])  # outside the window: not invented


# --- the gender study's patterns -------------------------------------------------------------
def _planted_profiles(n_each: int, rng) -> pd.DataFrame:
    """Migrants drawn from the three profiles the study describes."""
    def block(age, female, provider, dependants, remit):
        return pd.DataFrame({"age": rng.normal(age, 3, n_each), "female": rng.random(n_each) < female,
                             "provider": rng.random(n_each) < provider,
                             "dependants": rng.poisson(dependants, n_each).astype(float),
                             "remit_share": np.clip(rng.normal(remit, 0.05, n_each), 0, 1)})
    return pd.concat([block(23, 0.4, 0.1, 0.1, 0.1),  # aspirational youth
                      block(40, 0.02, 0.9, 1.5, 0.3),  # breadwinner males
                      block(38, 0.7, 0.5, 3.0, 0.6)],  # remittance-reliant families
                     ignore_index=True).astype(float)


def test_clustering_finds_planted_profiles_and_not_absent_ones():
    from calibration.patterns import PROFILES, migration_profiles

    rng = np.random.default_rng(3)
    found = migration_profiles(_planted_profiles(400, rng))
    assert found.meets.all() and sorted(found.profile) == sorted(PROFILES)
    # one homogeneous group of middle-aged men: no youth, no families
    same = pd.DataFrame({"age": rng.normal(40, 3, 1200), "female": np.zeros(1200), "provider": np.ones(1200),
                         "dependants": rng.poisson(1.5, 1200).astype(float), "remit_share": rng.random(1200) * 0.4})
    assert migration_profiles(same).meets.sum() < 3


def test_gender_patterns_are_computed_from_the_model_and_care_follows_its_parameter():
    targets = load_targets()
    patterns = targets[targets.kind == "pattern"]
    window = Window(start="2023-06", end="2023-12", agents=12_000, burn_in=24)  # 30+ experienced Kazakh migrants to cluster
    with_care = simulate(load_scenario("scenarios/baseline.toml"), patterns, window, seed=4).values
    assert with_care["oma_care_gap"] > 0 and np.isfinite(with_care["oma_intention_gap"])
    assert 0 <= with_care["oma_profiles"] <= 3 and math.isnan(with_care["oma_discrimination"])  # not modelled
    no_care = simulate(load_scenario("scenarios/baseline.toml").with_values(behaviour__beta_care=0.0),
                       patterns, window, seed=4).values
    assert no_care["oma_care_gap"] == pytest.approx(0.0, abs=1e-6)


# --- gravity baseline ----------------------------------------------------------------------------
def test_gravity_ppml_fits_the_2021_flows():
    data = observed_flows()
    assert len(data) >= 20 and (data.flow_usd >= 0).all()
    g = fit_gravity(data)
    assert np.isfinite(g.params).all() and 0 < g.deviance_explained <= 1
    assert g.params["log_pop_origin"] > 0  # bigger origins send more people and receive more
    loo = loo_predictions(data)
    assert len(loo) == len(data) and (loo > 0).all()


def test_gravity_meets_a_partial_recording_but_not_the_models_missing_senders(targets):
    # The Uzbek figures of 2010-2017 record part of any estimate of the flows, the gravity model's too;
    # the Kazakh diaspora's transfers are missing from the model only (`calibration/recording.py`).
    from calibration.gravity import _fitted, corridor_frame, predictions_for_targets

    g, _ = _fitted()
    pred = predictions_for_targets(targets)
    for tid, origin, year, share in (("wdi_bx_uzb_2013", "UZB", 2013, 0.675), ("wdi_bx_uzb_2018", "UZB", 2018, 1.0),
                                     ("wdi_bx_kaz_2021", "KAZ", 2021, 1.0)):
        frame = corridor_frame(year)
        flows = float(g.predict(frame[frame.origin == origin]).sum())
        assert pred[tid] == pytest.approx(share * flows, rel=1e-9), tid
    # ... while the model's Kazakh total is scaled up to the figure
    assert targets.set_index("id").stat["wdi_bx_kaz_2021"].recorded > 1.5


def test_sensitivity_morris_writes_table_and_plot(tmp_path):
    out = tmp_path / "sens"
    # the default scenario and window, as a user first runs it; fewer agents and one trajectory
    done = migsim("sensitivity", "--method", "morris", "--samples", "1", "--agents", "600", "--burn-in", "3",
                  "--jobs", "1", "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RuntimeWarning" not in done.stderr and "sigma (their spread) cannot be estimated" in done.stdout
    idx = pd.read_csv(out / "indices.csv")
    assert set(idx.parameter) == {p.key for p in SPACE} and (out / "sensitivity.png").exists()
    # every parameter gets a finite index, and the parameters do move the outputs
    assert np.isfinite(idx.mu_star).all() and (idx.groupby("output").mu_star.max() > 0).all()


def test_sobol_finds_the_parameter_that_moves_an_output_and_not_one_that_cannot():
    """The Sobol path end to end on a two-parameter space: Kazakhstan's pull moves the number
    of foreign workers there; the fee of sending money home from Europe cannot (common random
    numbers make its effect exactly zero)."""
    from calibration.sensitivity import run_sensitivity
    from calibration.space import Prior

    space = (Prior("behaviour.asc.KAZ", -7.0, -5.0, "pull of Kazakhstan"),
             Prior("remittances.fee_percent.EU", 1.0, 10.0, "a fee no foreign worker in Kazakhstan pays"))
    window = Window(start="2022-01", end="2022-12", agents=600, burn_in=3)
    indices, runs = run_sensitivity(toy_scenario(), "sobol", 8, window, seed=5, jobs=1, space=space)
    assert len(runs) == 8 * (len(space) + 2)
    st = indices[indices.output == "foreign_workers_kaz_2022"].set_index("parameter").ST
    assert np.isfinite(st).all()
    assert st["behaviour.asc.KAZ"] > 0.5 and abs(st["remittances.fee_percent.EU"]) < 1e-9


def test_the_gravity_comparison_says_which_is_closer_target_by_target():
    from calibration.report import closer, gravity_by_kind

    fit = pd.DataFrame({"id": ["a_2020", "a_2021", "b"], "origin_id": ["wdi_a", "wdi_a", "b"],
                        "kind": ["wdi", "wdi", "bilateral"], "observed": [100.0, 100.0, 10.0],
                        "rel_diff": [0.1, -0.5, 0.2], "gravity_rel_diff": [0.3, 0.2, np.nan]})
    fit["closer"] = closer(fit.rel_diff, fit.gravity_rel_diff)
    assert list(fit.closer) == ["migsim", "gravity", ""]
    assert gravity_by_kind(fit) == "wdi_a: migsim closer on 1 of 2"


def test_the_calibration_guide_states_the_current_counts(targets):
    import re

    text = (Path(__file__).resolve().parent.parent / "docs" / "calibration.md").read_text()
    raw = pd.read_csv("calibration/targets.csv", dtype=str, keep_default_na=False)
    m = re.search(r"holds (\d+) rows that expand to (\d+) targets:.*?(\d+) are computed by the model; (\d+)\s+carry",
                  text, re.S)
    assert m, "docs/calibration.md no longer states the counts in the expected sentence"
    assert tuple(map(int, m.groups())) == (len(raw), len(targets), int(targets.modelled.sum()),
                                           int(targets.fitted.sum())), "update the counts in docs/calibration.md"


def test_survey_rounds_are_compared_question_by_question(targets):
    from calibration.targets import non_sampling_sd, survey_round_agreement

    a = survey_round_agreement(targets).set_index("question")
    # the same question in both rounds, the assessment's origin share (not asked) left out
    assert {"female", "no_contract", "remit", "int_return"} <= set(a.index) and "origin_uzb" not in a.index
    assert a.loc["female", "difference"] == pytest.approx(0.31 - 0.16)
    tau = non_sampling_sd(a)
    assert np.mean(a.difference**2 / (a.sampling_sd**2 + 2 * tau**2)) == pytest.approx(1.0, abs=1e-6)
    # rounds that agree within their sampling error need no extra error
    calm = a.assign(difference=0.5 * a.sampling_sd)
    assert non_sampling_sd(calm) == 0.0


def test_the_calibrated_values_are_the_defaults_and_a_bad_file_is_refused(tmp_path):
    from simulation.parameters import CALIBRATED_FILE, DECLARED, with_calibration
    from simulation.scenario import _flatten

    flat = _flatten(tomllib.loads(CALIBRATED_FILE.read_text()))
    assert set(flat) == {p.key for p in SPACE}, "calibrated.toml should hold exactly the calibrated parameters"
    for key, value in flat.items():
        assert PARAMETERS[key].default == pytest.approx(value) and PARAMETERS[key].source.startswith("calibrated")
    bad = tmp_path / "calibrated.toml"
    bad.write_text("[behaviour]\nbeta_typo = 1.0\n")
    with pytest.raises(RuntimeError, match="beta_typo"):
        with_calibration(DECLARED, bad)
    bad.write_text("[labour]\nnetwork_reach = 3.0\n")  # outside 0..1
    with pytest.raises(RuntimeError, match="network_reach"):
        with_calibration(DECLARED, bad)


def test_survey_shares_count_in_the_distance_with_the_rounds_non_sampling_error(targets):
    d = TargetDistance(targets)
    assert 0.05 < d.non_sampling_sd < 0.2  # measured from the rounds' disagreement
    observed = dict(zip(d.ids, d.obs))
    off = dict(observed, s22_remit=observed["s22_remit"] + 0.1, k25_quota_2022=observed["k25_quota_2022"] * 1.1)
    z = dict(zip(d.ids, d.z(off)))
    sampling_sd = targets.set_index("id").sd
    assert z["s22_remit"] == pytest.approx(0.1 / math.hypot(sampling_sd["s22_remit"], d.non_sampling_sd))
    assert z["s22_remit"] < 1  # against sampling error alone it would be about 7
    assert z["k25_quota_2022"] == pytest.approx(0.1 * observed["k25_quota_2022"] / sampling_sd["k25_quota_2022"])


def test_the_targets_plot_draws_a_target_inside_the_grey_band_exactly_when_it_is_inside():
    """A published range is drawn on the same scale as observed +- 2 sd (a range row below its range was
    drawn inside the grey band, its z being -1.6)."""
    from calibration.report import plot_targets

    fit = pd.DataFrame({"id": ["share", "range_low", "range_in"], "kind": ["share", "range", "range"],
                        "status": ["inside", "outside band", "inside"], "low": [0.3, 200_000, 200_000],
                        "high": [0.5, 1_000_000, 1_000_000], "simulated": [0.45, 105_000, 900_000],
                        "z": [1.0, -1.6, 1.2]})
    x = plot_targets(fit).axes[0].collections[0].get_offsets()[:, 0]
    assert x[0] == pytest.approx(1.0) and x[1] < -2 and -2 < x[2] < 2


def test_a_note_over_two_lines_as_a_spreadsheet_writes_it_loads(tmp_path):
    """A quoted cell holding a line break (Alt+Enter in a spreadsheet) is one field, not a broken row."""
    import csv

    rows = list(csv.reader(open(DEFAULT_TARGETS, newline="", encoding="utf-8")))
    note = rows[0].index("note")
    rows[1][note] += "\nsecond line of the note"
    path = tmp_path / "targets.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    assert len(load_targets(path)) == len(load_targets())
