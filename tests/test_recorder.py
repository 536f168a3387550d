"""The month's indicators as the recorder writes them: every slot of the row, in numpy's arithmetic."""

import copy

import numpy as np

from simulation.indicators import COUNTERS, INCOME, SLICES, WIDTH, Tally, month_row, tally
from simulation.model import MigrationModel
from simulation.world import DEST_COUNTRIES, LOCATION_COUNTRY, ORIGINS

from conftest import toy_scenario

KAZ = DEST_COUNTRIES.index("KAZ")


def _stepped(months: int = 8) -> MigrationModel:
    model = MigrationModel(toy_scenario(run__end="2022-12"))
    for _ in range(months):
        model.step()
    return model


def test_the_compiled_row_fills_every_slot_in_the_order_of_the_indicators():
    """Adding an indicator without its place in `month_row` would shift every later one."""
    model = _stepped(2)
    pop, totals = model.population, model.totals
    t = Tally(*tally(pop.origin, pop.location, pop.job_sector, pop.female, pop.status, pop.contract, pop.pension,
                     pop.paid_leave, pop.channel, pop.intention, pop.wage))
    line = np.full(WIDTH, np.nan)
    counted = np.array([getattr(totals, c) for c, _, _, _ in COUNTERS], np.float64)
    written = month_row(line, t.abroad, t.by_origin, t.by_region, t.by_sector, t.by_status, t.by_channel,
                        t.by_intention, t.counts, totals.flows, totals.stays_begun, totals.remitted, totals.remitters,
                        model.economy.levers.fee_corridor, counted, pop.scale)
    assert written == WIDTH
    left = np.flatnonzero(np.isnan(line))  # the mean wages and those waiting for a permit: written by `record`
    expected = list(range(INCOME.start, INCOME.stop)) + list(range(SLICES["quota_waiting_kaz"].start,
                                                                       SLICES["quota_waiting_kaz"].stop))
    assert list(left) == expected


def test_recorded_values_are_numpys_own_arithmetic_bit_for_bit():
    """Totals and shares as numpy computes them from the population and the month's totals."""
    model = _stepped(7)
    seen = {}
    record = model.recorder.record

    def keep_totals(m, row):  # the month's totals are reset after recording
        record(m, row)
        seen.update(row=row, totals=copy.deepcopy(m.totals))

    model.recorder.record = keep_totals
    model.step()
    v = {name: values[seen["row"]] for name, values in model.recorder.values.items()}
    pop, totals, scale = model.population, seen["totals"], model.population.scale
    in_kaz = LOCATION_COUNTRY[pop.location] == KAZ  # home is no country (-1)
    foreign = in_kaz & (pop.origin != ORIGINS.index("KAZ"))
    employed = foreign & (pop.job_sector >= 0)
    assert v["stock_kaz"][0] == foreign.sum() * scale
    assert np.array_equal(v["stock_kaz_by_origin"],
                          np.bincount(pop.origin[foreign], minlength=len(ORIGINS))[:-1] * scale)
    assert v["share_no_contract"][0] == (employed & ~pop.contract).sum() / employed.sum()
    assert v["avg_income_usd"][0] == pop.wage[employed].astype(np.float64).mean()
    assert np.array_equal(v["remittances_received_usd"],
                          (totals.remitted * (1 - model.economy.levers.fee_corridor)).sum(axis=0))
    assert v["remittances_out_kaz_usd"][0] == totals.remitted[KAZ].sum()
    assert v["kazakhs_abroad"][0] == v["kazakhs_abroad"][1:].sum()
    assert v["arrivals_kaz"][0] == v["arrivals_kaz"][1:].sum() > 0
    assert v["quota_waiting_kaz"][0] == np.count_nonzero(pop.permit_wait) * scale

