"""Every lever and shock moves what it should, in the direction it should, only from its date.

One toy world (8,000 workers, 2021-2022), run once without events and once per
event dated 2021-07. Common random numbers make the comparison exact before the
date (every indicator identical) and sharp after it (differences come from the
event, not from shifted draws). "Not others": indicators the event does not reach
stay within a few percent (contacts cross origins, so a small echo is allowed).
"""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from simulation.indicators import INDICATORS
from simulation.model import MigrationModel
from simulation.world import DEST_COUNTRIES

from conftest import toy_scenario

DATE = "2021-07"
AGENTS = 8000


def _run(events, keep_model=False):
    s = toy_scenario(run__agents=AGENTS)
    model = MigrationModel(replace(s, events=[dict(e, _file="test.toml") for e in events]))
    model.run()
    return (model.timeseries(), model) if keep_model else model.timeseries()


@pytest.fixture(scope="module")
def base():
    return _run([], keep_model=True)


def _post(ts, indicator, group="all"):
    """Post-date mean of an indicator's group, or of the sum of several groups (a tuple)."""
    groups = group if isinstance(group, tuple) else (group,)
    sel = ts[(ts.indicator == indicator) & ts.group.isin(groups) & (ts.date >= DATE)]
    return float(sel.groupby("date").value.sum().mean())


def change(base_ts, ts, indicator, group="all"):
    """Relative change of the post-date mean."""
    b = _post(base_ts, indicator, group)
    return _post(ts, indicator, group) / b - 1 if b else np.inf * np.sign(_post(ts, indicator, group))


# kind -> (events, {(indicator, group): "+" or "-"}, [(indicator, group) that stays within 3%])
CASES = {
    "quota_halved_to_a_binding_level": (
        [dict(kind="quota", date=DATE, total=1500)],
        {("quota_permits_kaz", "all"): "-", ("share_irregular", "all"): "+"},
        [("kazakhs_abroad", "all"), ("stock_kaz_by_origin", "UZB"), ("stock_kaz_by_origin", "KGZ")]),
    "quota_by_category": (
        [dict(kind="quota", date=DATE, skilled=0, other=1500)],
        {("quota_permits_kaz", "all"): "-"},
        [("kazakhs_abroad", "all"), ("stock_kaz_by_origin", "KGZ")]),
    "patent_fee_quadrupled": (
        [dict(kind="fees", date=DATE, patent_monthly_usd=60)],
        # Uzbeks in Kazakhstan: -0.5% with the 2026-12-01 calibration (most work without a patent:
        # legal.patent_take_up 0.39), so the threshold is "small", the sign the same. Remittances
        # paid: within chance with that calibration (-0.2%, +0.7%); with the 2026-12-03 one (pools
        # following the working-age population) -5% to -9% on seeds 1-3, with Uzbeks -2.5% to -3%:
        # the fee comes out of the cash that caps what is sent, and fewer stay
        {("stock_kaz_by_origin", "UZB"): "-small", ("remittances_out_kaz_usd", "all"): "-"},
        [("kazakhs_abroad", "all"), ("stock_kaz_by_origin", "KGZ")]),
    "patent_processing_slower": (
        [dict(kind="fees", date=DATE, processing_months=4)],
        {("share_irregular", "all"): "+", ("deportations_kaz", "all"): "+"},
        [("stock_kaz_by_origin", "KGZ")]),
    "deportations_tripled": (
        [dict(kind="enforcement", date=DATE, deportation_factor=3)],
        {("deportations_kaz", "all"): "+", ("share_irregular", "all"): "-", ("stock_kaz", "all"): "-"},
        [("kazakhs_abroad", "all"), ("stock_kaz_by_origin", "KGZ")]),
    "workplace_inspections": (
        [dict(kind="enforcement", date=DATE, inspection_rate=0.2)],
        {("share_no_contract", "all"): "-", ("inspections_kaz", "all"): "+", ("stock_kaz", "all"): "-"},
        [("kazakhs_abroad", "all")]),
    "amnesty": (
        [dict(kind="amnesty", start=DATE, end="2021-09")],
        {("share_irregular", "all"): "-", ("amnesty_kaz", "all"): "+", ("deportations_kaz", "all"): "-"},
        [("kazakhs_abroad", "all"), ("stock_kaz", "all")]),
    "minimum_wage": (
        [dict(kind="minimum_wage", date=DATE, usd=450)],
        {("share_no_contract", "all"): "+", ("avg_income_usd", "all"): "+"},
        [("kazakhs_abroad", "all"), ("share_irregular", "all")]),
    "entry_ban": (
        [dict(kind="entry", date=DATE, origins="TJK", regime="none")],
        {("stock_kaz_by_origin", "TJK"): "-", ("arrivals_kaz", "TJK"): "-"},
        [("migrants_abroad", "KAZ->RUS")]),
    "uzbekistan_joins_the_eaeu": (
        [dict(kind="entry", date=DATE, origins="UZB", destinations=["KAZ", "RUS"], regime="eaeu")],
        {("share_irregular", "all"): "-", ("deportations_kaz", "all"): "-", ("stock_kaz_by_origin", "UZB"): "+"},
        [("kazakhs_abroad", "all"), ("stock_kaz_by_origin", "KGZ")]),
    "organised_recruitment": (
        [dict(kind="recruitment", date=DATE, origin="UZB")],
        {("job_channel", "agency"): "+", ("share_no_contract", "all"): "-", ("stock_kaz_by_origin", "UZB"): "+"},
        [("kazakhs_abroad", "all"), ("stock_kaz_by_origin", "KGZ")]),
    "remittance_fee_cap": (
        [dict(kind="remittance_fee", date=DATE, country="KAZ", cap_percent=0.5)],
        {("remittances_received_usd", "UZB"): "+tiny"},  # Kazakhstan's fee is 2%; most arrives from Russia
        [("stock_kaz", "all"), ("remittances_out_kaz_usd", "all")]),
    "remittance_channel_closed": (
        [dict(kind="remittance_channel", date=DATE, country="KAZ", origins="UZB", capacity=0.0)],
        {("remittances_out_kaz_usd", "all"): "-", ("remittances_received_usd", "UZB"): "-"},
        # not the stock in Kazakhstan: money that cannot be sent stays in savings, so fewer run
        # out of money and go home (measured +6% with the calibrated defaults)
        [("kazakhs_abroad", "all")]),
    "information_campaign": (
        [dict(kind="information_campaign", date=DATE, reach=0.8)],
        {("job_channel", "agency"): "+", ("share_no_contract", "all"): "-small"},
        [("kazakhs_abroad", "all"), ("stock_kaz", "all")]),
    "employers_formalise": (
        [dict(kind="formalisation", date=DATE, share=0.5, contract_factor=1.5)],
        {("share_no_contract", "all"): "-", ("share_informal_kaz", "all"): "-"},
        [("kazakhs_abroad", "all"), ("stock_kaz", "all"), ("share_irregular", "all")]),
    "tenge_devaluation": (
        [dict(kind="exchange_rate", date=DATE, country="KAZ", change_percent=-30)],
        {("stock_kaz", "all"): "-", ("kazakhs_abroad", "all"): "+", ("avg_income_usd", "all"): "-"},
        []),
    "sanctions_on_russia": (
        [dict(kind="sanctions", start=DATE, end="2022-06")],
        {("stock_kaz_by_origin", "RUS"): "+", ("kazakhs_abroad", "RUS"): "-", ("remittances_usd", "RUS->UZB"): "-",
         ("relocations", "all"): "+"},
        []),
    "mobilisation": (
        [dict(kind="mobilisation", start=DATE, end="2022-06")],
        {("stock_kaz_by_origin", "RUS"): "+", ("relocations", "all"): "+"},
        [("kazakhs_abroad", "all"), ("stock_kaz_by_origin", "KGZ")]),
    "border_closure": (
        [dict(kind="border_closure", start=DATE, end="2022-03")],
        {("arrivals_kaz", "all"): "-", ("stock_kaz", "all"): "-", ("departures_kaz", "all"): "-"},
        []),
    "oil_price_fall": (
        [dict(kind="sector_demand", date=DATE, places=["mangystau", "atyrau"], sectors=["industry", "construction"],
              factor=0.5)],
        # the two oil regions together: Atyrau alone holds about ten agents at this size, too few
        # for one seed's comparison to show a fall reliably
        {("stock_kaz_by_region", ("mangystau", "atyrau")): "-", ("stock_kaz_by_region", "mangystau"): "-"},
        [("kazakhs_abroad", "all")]),
    "construction_boom": (
        [dict(kind="sector_demand", date=DATE, sectors="construction", factor=1.5)],
        {("stock_kaz", "all"): "+", ("stock_kaz_by_sector", "construction"): "+"},
        [("kazakhs_abroad", "all")]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_event_moves_its_indicators_from_its_date_only(base, name):
    base_ts, _ = base
    events, moves, unmoved = CASES[name]
    ts = _run(events)
    before_b, before_a = base_ts[base_ts.date < DATE], ts[ts.date < DATE]
    pd.testing.assert_frame_equal(before_a.reset_index(drop=True), before_b.reset_index(drop=True))
    assert not ts.value.fillna(-1).equals(base_ts.value.fillna(-1)), "the event changed nothing"
    for (indicator, group), sign in moves.items():
        c = change(base_ts, ts, indicator, group)
        least = {"tiny": 1e-5, "small": 0.001}.get(sign.lstrip("+-"), 0.01)
        assert (c > least) if sign.startswith("+") else (c < -least), \
            f"{indicator}[{group}] moved {c:+.1%}, expected {sign}"
    scale = base[1].population.scale
    for indicator, group in unmoved:
        c = change(base_ts, ts, indicator, group)
        assert abs(c) < _echo_allowed(base_ts, indicator, group, scale), \
            f"{indicator}[{group}] moved {c:+.1%}; the event should not reach it"


def _echo_allowed(base_ts, indicator, group, scale):
    """3%, or for a stock of few agents two of them: contacts cross origins, so an event shifts a
    worker or two of other origins, and in a group of a few dozen agents that is more than 3%."""
    if INDICATORS[indicator][1] != "persons":
        return 0.03
    agents = _post(base_ts, indicator, group) / scale
    return max(0.03, 2 / max(agents, 1.0))


def test_remittance_fee_cap_changes_only_money_received(base):
    base_ts, _ = base
    ts = _run(CASES["remittance_fee_cap"][0])
    other = ts.indicator != "remittances_received_usd"
    pd.testing.assert_frame_equal(ts[other].reset_index(drop=True), base_ts[other].reset_index(drop=True))
    # Uzbekistan gains exactly the fee no longer taken on what is sent from Kazakhstan: 2% -> 0.5%.
    sent = ts[(ts.indicator == "remittances_usd") & (ts.group == "KAZ->UZB") & (ts.date >= DATE)].value.sum()
    gained = _post(ts, "remittances_received_usd", "UZB") - _post(base_ts, "remittances_received_usd", "UZB")
    months = ts[(ts.indicator == "remittances_usd") & (ts.group == "KAZ->UZB") & (ts.date >= DATE)].date.nunique()
    assert sent > 0 and gained == pytest.approx(0.015 * sent / months, rel=1e-6)


def test_exchange_rate_moves_only_that_countrys_wages(base):
    _, base_model = base
    _, model = _run([dict(kind="exchange_rate", date=DATE, country="RUS", change_percent=-25)], keep_model=True)
    rus = DEST_COUNTRIES.index("RUS")
    assert np.allclose(model.economy.dest_wage[rus], base_model.economy.dest_wage[rus] * 0.75)
    others = [i for i in range(len(DEST_COUNTRIES)) if i != rus]
    assert np.array_equal(model.economy.dest_wage[others], base_model.economy.dest_wage[others])


def test_a_window_ends_and_its_levers_return():
    """After a closure and a fee rise end, the levers are back where they were."""
    s = toy_scenario(run__agents=2000)
    events = [dict(kind="border_closure", start="2021-03", end="2021-06", _file="t.toml"),
              dict(kind="fees", start="2021-03", end="2021-06", patent_monthly_usd=80, _file="t.toml"),
              dict(kind="exchange_rate", start="2021-03", end="2021-06", country="KAZ", change_percent=-40,
                   _file="t.toml")]
    model = MigrationModel(replace(s, events=events))
    plain = MigrationModel(s)
    while model.date < "2021-05":
        model.step()
    assert model.levers.closed.sum() > 0 and model.levers.patent_fee == 80
    model.run()
    plain.run()
    assert model.levers.closed.sum() == 0 and model.levers.patent_fee == plain.levers.patent_fee
    assert np.allclose(model.economy.dest_wage, plain.economy.dest_wage)
    assert np.array_equal(model.levers.exit_factor, plain.levers.exit_factor)
