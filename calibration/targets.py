"""Observed targets: what the model is held against, with uncertainty and source.

A targets file is a CSV with one row per published figure (`calibration/targets.csv`
is the project's own; `migsim validate` accepts any file in the same format). Each row
says how the model computes the same quantity (`statistic`, parsed and checked here)
and how uncertain the figure is:

- ``share`` (survey share): sd = sqrt(design_effect * p * (1 - p) / n), the sampling
  error inflated for a design that was not a simple random sample; rows without n give
  ``rel_sd`` instead (key-informant estimates). Where the survey says how many of those
  asked did not answer (``unanswered``), the share among all of them is known only to lie
  between the published share (no one silent had the trait) and the share plus the silent
  (all of them had it): the worst-case bounds of Manski (1989, J Hum Resour 24:343). The
  band is those bounds widened by 2 sd of sampling error; the value fitted is their
  midpoint, with the bounds' width as a uniform's variance added to the sampling variance;
- ``count``: sd = rel_sd * value;
- ``range``: the value is a published range "low-high"; the band is that range;
- ``pattern``: a qualitative finding (OMA2026, see `patterns.py`); the value is the
  condition the simulated statistic must meet (``>0``, ``>=2``, ``=3``), the band is the
  set of values that meet it, and the weight must be 0 (reported, not fitted);
- ``wdi`` / ``bilateral``: the values are read from the World Bank data embedded with
  the model (``simulation/data/wdi.csv``, ``bilateral.csv``), one target per year,
  sd = rel_sd * value. The file names the series (``data_ref``), not its numbers, so
  the numbers live in one place.

The band is value +- 2 sd (about 95 per cent). ``weight`` is the row's weight in the
calibration distance (0: reported, not fitted); a series row's weight is shared
equally between its years.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.dates import month_index
from simulation.errors import DataError, not_a_file
from simulation.indicators import INDICATORS
from simulation.world import ORIGINS

from .patterns import FIELDWORK_MONTHS, PATTERN_STATISTICS
from .recording import REMITTANCES_RECEIVED, recording
from .survey import SURVEY_STATISTICS, SURVEYS

DEFAULT_TARGETS = Path(__file__).resolve().parent / "targets.csv"
SIM_DATA = Path(__file__).resolve().parent.parent / "simulation" / "data"

COLUMNS = ("id", "kind", "source", "year", "population", "measure", "group", "value", "unit", "n",
           "design_effect", "rel_sd", "weight", "data_ref", "statistic", "note", "unanswered")
REQUIRED = ("id", "kind", "source", "year", "measure", "value", "weight")
KINDS = ("share", "count", "range", "wdi", "bilateral", "pattern")
PATTERN_SURVEY = "OMA2026"
BAND_SD = 2.0  # band = value +- 2 sd

_MONTHS = r"(\d{4}-\d{2})\.\.(\d{4}-\d{2})"
_AGGS = ("sum", "mean")


@dataclass(frozen=True)
class Statistic:
    """A parsed `statistic` cell: how the model computes a target."""

    kind: str  # survey | pattern | series | ratio | product | gdp_percent
    survey: str | None = None
    name: str | None = None
    agg: str | None = None
    terms: tuple[tuple[str, str], ...] = ()  # (indicator, group) pairs
    start: str | None = None
    end: str | None = None
    country: str | None = None
    year: int | None = None
    recorded: float = 1.0  # the published figure per unit of the simulated total (`recording.py`)

    @property
    def months(self) -> tuple[str, str] | None:
        return (self.start, self.end) if self.start else None


def _indicator_term(text: str, where: str) -> tuple[str, str]:
    if text.count(":") != 1:
        raise DataError(f"{where}: '{text}' must be INDICATOR:GROUP")
    ind, grp = text.split(":")
    if ind not in INDICATORS:
        raise DataError(f"{where}: unknown indicator '{ind}'; known: {', '.join(INDICATORS)}")
    groups = INDICATORS[ind][0]
    if grp not in groups:
        raise DataError(f"{where}: indicator '{ind}' has no group '{grp}'; groups: {', '.join(groups)}")
    return ind, grp


def _simulated_year(year: int, text: str, where: str) -> None:
    """A statistic the model computes must lie in the years it can simulate (else the run's window,
    taken from the targets, would be refused as if --start or --end had been given wrong)."""
    from simulation.drivers import FIRST_YEAR, LAST_YEAR

    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DataError(f"{where}: year {year} in '{text}' lies outside the years the model simulates "
                        f"({FIRST_YEAR} to {LAST_YEAR}); leave the statistic empty to report the row without "
                        "computing it")


def parse_statistic(text: str, where: str) -> Statistic:
    """Parse and check a statistic; `where` names the file and row for the message."""
    allowed = ("survey:SURVEY:NAME | pattern:NAME | series:sum|mean:INDICATOR:GROUP:YYYY-MM..YYYY-MM | "
               "ratio:IND:GRP/IND:GRP:YYYY-MM..YYYY-MM | product:IND:GRP*IND:GRP:YYYY-MM..YYYY-MM | "
               "gdp_percent:ORIGIN:YEAR")
    head, _, rest = text.partition(":")
    if head == "survey":
        survey, _, name = rest.partition(":")
        if survey not in SURVEYS:
            raise DataError(f"{where}: unknown survey '{survey}' in '{text}'; known: {', '.join(SURVEYS)}")
        if name not in SURVEY_STATISTICS:
            raise DataError(f"{where}: unknown survey statistic '{name}' in '{text}'; "
                            f"known: {', '.join(SURVEY_STATISTICS)}")
        return Statistic("survey", survey=survey, name=name)
    if head == "pattern":
        if rest not in PATTERN_STATISTICS:
            raise DataError(f"{where}: unknown pattern '{rest}' in '{text}'; known: {', '.join(PATTERN_STATISTICS)}")
        return Statistic("pattern", survey=PATTERN_SURVEY, name=rest)
    if head == "gdp_percent":
        m = re.fullmatch(r"([A-Z]{3}):(\d{4})", rest)
        if not m or m.group(1) not in ORIGINS:
            raise DataError(f"{where}: '{text}' must be gdp_percent:ORIGIN:YEAR with ORIGIN one of {', '.join(ORIGINS)}")
        _simulated_year(int(m.group(2)), text, where)
        return Statistic("gdp_percent", country=m.group(1), year=int(m.group(2)))
    if head in ("series", "ratio", "product"):
        m = re.fullmatch(r"(.+):" + _MONTHS, rest)
        if not m:
            raise DataError(f"{where}: '{text}' must end with a month range YYYY-MM..YYYY-MM; allowed: {allowed}")
        body, start, end = m.groups()
        for month in (start, end):
            try:
                month_index(month)
            except ValueError:
                raise DataError(f"{where}: '{month}' in '{text}' is not a month: write YYYY-MM with the month 01 "
                                "to 12") from None
            _simulated_year(int(month[:4]), text, where)
        if end < start:
            raise DataError(f"{where}: month range {start}..{end} in '{text}' ends before it starts")
        if head == "series":
            agg, _, term = body.partition(":")
            if agg not in _AGGS:
                raise DataError(f"{where}: aggregation '{agg}' in '{text}' must be one of {', '.join(_AGGS)}")
            return Statistic("series", agg=agg, terms=(_indicator_term(term, where),), start=start, end=end)
        sep = "/" if head == "ratio" else "*"
        if body.count(sep) != 1:
            raise DataError(f"{where}: '{text}' must hold two INDICATOR:GROUP terms joined by '{sep}'")
        a, b = body.split(sep)
        return Statistic(head, terms=(_indicator_term(a, where), _indicator_term(b, where)), start=start, end=end)
    raise DataError(f"{where}: statistic '{text}' is not understood; allowed forms: {allowed}")


def _num(raw, where: str, column: str, *, positive=False, allow_zero=True) -> float | None:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or str(raw).strip() == "":
        return None
    try:
        value = float(str(raw).replace("_", ""))
    except ValueError:
        raise DataError(f"{where}: column '{column}' = {raw!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0 and not allow_zero):
        raise DataError(f"{where}: column '{column}' = {raw!r} must be a finite number of at least 0"
                        + (" and above 0" if positive else ""))
    return value


def _wdi_series(ref: str, where: str, kind: str, indicators: tuple[str, ...] = ()) -> pd.DataFrame:
    """The embedded rows of a data_ref INDICATOR:ISO3 (of `indicators` if given). One naming no
    embedded series is refused: on a count row a mistyped country once passed, and its figure was
    silently met without its recording factor (`recording.py`)."""
    form = " or ".join(f"{i}:ISO3" for i in indicators) or "INDICATOR:ISO3"
    m = re.fullmatch(r"([A-Z0-9.]+):([A-Z]{3})", ref or "")
    if not m or (indicators and m.group(1) not in indicators):
        raise DataError(f"{where}: column 'data_ref' = {ref!r} must be {form} on kind '{kind}', e.g. "
                        f"{indicators[0] if indicators else 'BM.TRF.PWKR.CD.DT'}:KAZ")
    wdi = _embedded("wdi.csv")
    series = wdi[wdi.indicator == m.group(1)]
    rows = series[series.country_iso3 == m.group(2)]
    if rows.empty:
        held = (f"it holds {m.group(1)} for {', '.join(sorted(series.country_iso3.unique()))}" if len(series)
                else f"it holds no series {m.group(1)}")
        raise DataError(f"{where}: column 'data_ref' = {ref!r} matches no rows of {SIM_DATA / 'wdi.csv'}; {held}")
    return rows


def _wdi_values(ref: str, where: str, years: range) -> dict[int, float]:
    rows = _wdi_series(ref, where, "wdi")
    return {int(y): float(v) for y, v in zip(rows.year, rows.value) if int(y) in years and np.isfinite(v)}


def _bilateral_value(ref: str, where: str) -> tuple[float, str]:
    m = re.fullmatch(r"(remittance|migrant_stock):([A-Z]{3}):([A-Z]{3}):(\d{4})", ref or "")
    if not m:
        raise DataError(f"{where}: column 'data_ref' = {ref!r} must be remittance|migrant_stock:FROM:TO:YEAR on "
                        "kind 'bilateral', e.g. remittance:RUS:UZB:2021")
    bil = _embedded("bilateral.csv")
    kind, a, b, year = m.group(1), m.group(2), m.group(3), int(m.group(4))
    pair = bil[(bil.kind == kind) & (bil.from_iso3 == a) & (bil.to_iso3 == b)]
    rows = pair[pair.year == year]
    if rows.empty:
        held = f"{kind} from {a} to {b} for {', '.join(str(y) for y in sorted(pair.year.unique())) or 'no year'}"
        raise DataError(f"{where}: column 'data_ref' = {ref!r} matches no row of {SIM_DATA / 'bilateral.csv'}; "
                        f"it holds {held}")
    row = rows.iloc[0]
    value = float(row.value) * (1e6 if row.unit == "USD_million" else 1.0)
    return value, str(row.source)


_CACHE: dict[str, pd.DataFrame] = {}


def _embedded(name: str) -> pd.DataFrame:
    if name not in _CACHE:
        path = SIM_DATA / name
        if not path.exists():
            raise DataError(f"{path}: embedded World Bank data file is missing; restore it from git.")
        _CACHE[name] = pd.read_csv(path)
    return _CACHE[name]


def _years(text: str, where: str) -> range:
    m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", str(text).strip())
    if not m:
        raise DataError(f"{where}: column 'year' = {text!r} must be a year (2022) or a range of years (2010-2023)")
    first = int(m.group(1))
    last = int(m.group(2) or first)
    if last < first:
        raise DataError(f"{where}: year range {text!r} ends before it starts")
    return range(first, last + 1)


def _condition(text: str, where: str) -> tuple[float, float, float]:
    """A pattern's condition as its threshold and the (low, high) band of values that meet it."""
    m = re.fullmatch(r"\s*(>=|<=|>|<|=)\s*(-?[\d.]+)\s*", text or "")
    if not m:
        raise DataError(f"{where}: kind 'pattern' needs a condition in 'value' such as '>0', '>=2' or '=3'; "
                        f"got {text!r}.")
    op, x = m.group(1), float(m.group(2))
    low, high = {">": (np.nextafter(x, np.inf), np.inf), ">=": (x, np.inf), "<": (-np.inf, np.nextafter(x, -np.inf)),
                 "<=": (-np.inf, x), "=": (x, x)}[op]
    return x, low, high


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read, check and expand a targets file into one row per observed value.

    Returns columns id, kind, source, year, measure, group, value (what is fitted: the
    published figure, or the midpoint of its bounds where some gave no answer), published
    (the figure as printed), unanswered, unit, sd, low, high, weight, statistic (the text),
    stat (parsed `Statistic` or None: not modelled), condition (a pattern's condition, e.g.
    '>0'; '' for other kinds), fitted (weight > 0 and modelled), note, origin_id (its file row).
    """
    path = Path(path) if path is not None else DEFAULT_TARGETS
    if not path.exists():
        raise DataError(f"{path}: no such targets file. Give a CSV with columns {', '.join(COLUMNS)}.")
    if what := not_a_file(path):
        raise DataError(f"{path}: {what}; give a targets CSV file.")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")  # with or without a BOM
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror}); check its permissions.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc}).") from None
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; a targets file has columns "
                        f"{', '.join(COLUMNS)} (see calibration/README.md).")
    unknown = [c for c in raw.columns if c not in COLUMNS]
    if unknown:
        raise DataError(f"{path}: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}.")
    raw = raw.reindex(columns=[*raw.columns, *(c for c in COLUMNS if c not in raw.columns)], fill_value="")
    with path.open(newline="", encoding="utf-8-sig") as f:  # one field too many shifts every column (pandas)
        rows = csv.reader(f)
        width = len(next(rows, []))
        bad = next(((rows.line_num, len(r)) for r in rows if len(r) > width), None)
    if bad:
        raise DataError(f"{path}, line {bad[0]}: {bad[1]} fields where the header has {width}: a comma too many, or "
                        "a field holding commas without a quote (\") at both ends.")
    spaced = [line for line, x in enumerate(raw.id, start=2) if x.strip() and x != x.strip()]
    if spaced:  # ' t1' and 't1' would pass as two targets, and the report would show them alike
        x = raw.id.iloc[spaced[0] - 2]
        raise DataError(f"{path}, line {spaced[0]}: id {x!r} has spaces around it; write it as {x.strip()!r} "
                        "(every id must be unique, and ids are compared exactly).")
    dup = raw.id[raw.id.duplicated()].tolist()
    if dup:
        raise DataError(f"{path}: duplicate target id(s) {', '.join(dup)}; every id must be unique.")
    if raw.empty:
        raise DataError(f"{path}: holds no targets.")

    rows = []
    for line, r in enumerate(raw.itertuples(index=False), start=2):
        where = f"{path}, line {line} (id '{r.id}')"
        if not r.id.strip():
            raise DataError(f"{path}, line {line}: empty id; every target needs an id.")
        if r.kind not in KINDS:
            raise DataError(f"{where}: kind '{r.kind}' is not one of {', '.join(KINDS)}.")
        if r.data_ref.strip() and r.kind not in ("wdi", "bilateral", "count"):  # it would be ignored
            raise DataError(f"{where}: column 'data_ref' = {r.data_ref!r} is not used by kind '{r.kind}'; leave it "
                            "empty (it names the embedded series of kinds wdi, bilateral and count).")
        weight = _num(r.weight, where, "weight")
        if weight is None:
            raise DataError(f"{where}: column 'weight' is empty; give 0 to report a target without fitting it.")
        stat = parse_statistic(r.statistic.strip(), where) if r.statistic.strip() and "{year}" not in r.statistic else None
        base = dict(kind=r.kind, source=r.source, measure=r.measure, group=r.group, unit=r.unit,
                    note=r.note, origin_id=r.id)
        rel_sd = _num(r.rel_sd, where, "rel_sd")
        if r.kind in ("wdi", "bilateral"):
            if rel_sd is None or rel_sd == 0:
                raise DataError(f"{where}: kind '{r.kind}' needs rel_sd above 0 (relative uncertainty).")
            if not r.statistic.strip():
                raise DataError(f"{where}: kind '{r.kind}' needs a statistic.")
            if r.value.strip():  # the value is read from the embedded data (data_ref), never from the file
                raise DataError(f"{where}: column 'value' = {r.value!r} must be empty for kind '{r.kind}'; its "
                                "value comes from the embedded data named in data_ref.")
        if r.kind == "wdi":
            years = _years(r.year, where)
            values = _wdi_values(r.data_ref, where, years)
            if not values:
                raise DataError(f"{where}: data_ref '{r.data_ref}' has no values in {r.year}.")
            for year, value in sorted(values.items()):
                text = r.statistic.replace("{year}", str(year))
                stat, rec = parse_statistic(text, where), recording(r.data_ref, year)
                if rec is not None:  # the figure records part of what migrants send home, or more
                    stat = dataclasses.replace(stat, recorded=rec.factor)
                note = "; ".join(x for x in (r.note, rec and f"model counterpart x {rec.factor:.3g}: {rec.source}")
                                 if x)
                rows.append(dict(base, id=f"{r.id}_{year}", year=year, value=value, sd=rel_sd * abs(value),
                                 weight=weight / len(values), statistic=text, stat=stat, data_ref=r.data_ref,
                                 source=f"{r.source} ({r.data_ref})", note=note))
            continue
        year = _years(r.year, where).start
        if r.kind == "pattern":
            threshold, low, high = _condition(r.value, where)
            if weight != 0:
                raise DataError(f"{where}: a pattern is reported, not fitted: give weight 0 (got {r.weight}).")
            if stat is not None and stat.kind != "pattern":
                raise DataError(f"{where}: kind 'pattern' needs a statistic pattern:NAME; got '{r.statistic}'.")
            rows.append(dict(base, id=r.id, year=year, value=threshold, sd=np.nan, low=low, high=high,
                             weight=0.0, statistic=r.statistic, stat=stat, data_ref=r.data_ref,
                             condition=r.value.strip()))
            continue
        if r.kind == "bilateral":
            value, source = _bilateral_value(r.data_ref, where)
            rows.append(dict(base, id=r.id, year=year, value=value, sd=rel_sd * abs(value), weight=weight,
                             statistic=r.statistic, stat=stat, data_ref=r.data_ref,
                             source=f"{r.source} ({r.data_ref})"))
            continue
        if r.kind == "range":
            m = re.fullmatch(r"\s*([\d_.]+)\s*-\s*([\d_.]+)\s*", r.value)
            if not m:
                raise DataError(f"{where}: kind 'range' needs value 'LOW-HIGH', e.g. 200000-1000000; got {r.value!r}.")
            low, high = float(m.group(1).replace("_", "")), float(m.group(2).replace("_", ""))
            if not 0 < low < high:
                raise DataError(f"{where}: range {r.value!r} must have 0 < LOW < HIGH.")
            rows.append(dict(base, id=r.id, year=year, value=math.sqrt(low * high), sd=(high - low) / (2 * BAND_SD),
                             low=low, high=high, weight=weight, statistic=r.statistic, stat=stat,
                             data_ref=r.data_ref))
            continue
        value = _num(r.value, where, "value")
        if value is None:
            raise DataError(f"{where}: column 'value' is empty; kind '{r.kind}' needs the observed value.")
        n, deff = _num(r.n, where, "n"), _num(r.design_effect, where, "design_effect")
        if deff is not None and deff < 1:
            raise DataError(f"{where}: column 'design_effect' = {r.design_effect!r} must be at least 1 "
                            "(1: a simple random sample; leave it empty for 1).")
        unanswered = _num(r.unanswered, where, "unanswered") or 0.0
        if unanswered and r.kind != "share":
            raise DataError(f"{where}: column 'unanswered' is for survey shares (kind 'share'); "
                            f"kind '{r.kind}' has none.")
        if r.kind == "share":
            if value > 1:
                raise DataError(f"{where}: a share must be between 0 and 1 (0.55 = 55 per cent); got {value}.")
            if n:
                p = min(max(value, 0.5 / n), 1 - 0.5 / n)  # keep the band open at 0 and 1
                sd = math.sqrt((deff or 1.0) * p * (1 - p) / n)
            elif rel_sd:
                sd = rel_sd * value
            else:
                raise DataError(f"{where}: a share needs a sample size n (with design_effect) or rel_sd.")
            if unanswered:
                if value + unanswered > 1:
                    raise DataError(f"{where}: value {value:g} plus unanswered {unanswered:g} is above 1; "
                                    "'unanswered' is the share of those asked who gave no answer.")
                rows.append(dict(base, id=r.id, year=year, value=value + unanswered / 2,
                                 sd=math.sqrt(sd**2 + unanswered**2 / 12), low=value - BAND_SD * sd,
                                 high=value + unanswered + BAND_SD * sd, weight=weight, statistic=r.statistic,
                                 stat=stat, data_ref=r.data_ref, published=value, unanswered=unanswered))
                continue
        else:
            if not rel_sd:
                raise DataError(f"{where}: kind 'count' needs rel_sd above 0 (relative uncertainty).")
            if value == 0:  # sd = rel_sd x value: a band of width 0, which no run can meet
                raise DataError(f"{where}: kind 'count' needs a value above 0 (its sd is rel_sd x value); "
                                "for a count near 0 give kind 'range' with bounds, e.g. 1-100.")
            sd = rel_sd * value
            # A World Bank figure quoted as a count (its series named in data_ref) is met as its series is
            if r.data_ref.strip():
                _wdi_series(r.data_ref, where, "count", REMITTANCES_RECEIVED)
            rec = recording(r.data_ref, year) if stat is not None else None
            if rec is not None:
                stat = dataclasses.replace(stat, recorded=rec.factor)
                base["note"] = "; ".join(x for x in (r.note, f"model counterpart x {rec.factor:.3g}: {rec.source}") if x)
        rows.append(dict(base, id=r.id, year=year, value=value, sd=sd, weight=weight, statistic=r.statistic,
                         stat=stat, data_ref=r.data_ref))

    out = pd.DataFrame(rows)
    if "published" not in out:
        out["published"] = np.nan
        out["unanswered"] = 0.0
    out["published"] = out.published.fillna(out.value)  # the figure as printed (value: what is fitted)
    out["unanswered"] = out.unanswered.fillna(0.0)
    if "low" not in out:
        out["low"] = np.nan
        out["high"] = np.nan
    fill = out.low.isna()
    out.loc[fill, "low"] = out.value[fill] - BAND_SD * out.sd[fill]
    out.loc[fill, "high"] = out.value[fill] + BAND_SD * out.sd[fill]
    share = out.kind == "share"
    out.loc[share, "low"] = out.low[share].clip(lower=0.0)
    out.loc[share, "high"] = out.high[share].clip(upper=1.0)
    counted = ~out.kind.isin(["share", "pattern"])
    out.loc[counted, "low"] = out.low[counted].clip(lower=0.0)
    if "condition" not in out:
        out["condition"] = ""
    out["condition"] = out.condition.fillna("")
    out["modelled"] = out.stat.notna()
    out["fitted"] = out.modelled & (out.weight > 0)
    cols = ["id", "kind", "source", "year", "measure", "group", "value", "published", "unanswered", "unit", "sd",
            "low", "high", "weight", "statistic", "stat", "modelled", "fitted", "data_ref", "condition", "note",
            "origin_id"]
    return out[cols].reset_index(drop=True)


def stat_months(stat: Statistic) -> tuple[str, str]:
    """First and last month a target's statistic needs simulated."""
    if stat.kind == "survey":
        return SURVEYS[stat.survey].months[0], SURVEYS[stat.survey].months[-1]
    if stat.kind == "pattern":
        return FIELDWORK_MONTHS[0], FIELDWORK_MONTHS[-1]
    if stat.kind == "gdp_percent":
        return f"{stat.year}-01", f"{stat.year}-12"
    return stat.start, stat.end


def months_needed(targets: pd.DataFrame, source=None) -> tuple[str, str]:
    """First and last month any modelled target needs simulated (`source`: the file, for the message)."""
    spans = [stat_months(stat) for stat in targets.stat.dropna()]
    firsts, lasts = [a for a, _ in spans], [b for _, b in spans]
    if not firsts:
        raise DataError(f"{source or 'the targets file'}: none of the targets is computed by the model (every "
                        "statistic is empty); give at least one target a statistic (see calibration/targets.csv).")
    return min(firsts), max(lasts)


def survey_round_agreement(targets: pd.DataFrame, first: str = "s22_", second: str = "m23_") -> pd.DataFrame:
    """The questions both survey rounds asked (same id after the prefix), side by side.

    If each round's band held only its sampling error, the two answers to the same
    question a year apart would differ by about their combined sd (z near 1). Much larger
    differences mean the rounds measure differently (cities against regions, stratified
    against snowball sampling, wording) or the population changed: either way, a model
    cannot sit inside both bands, and the fit report should say so. `non_sampling_sd` is
    the extra sd per round that would make the differences typical (mean z^2 = 1).
    """
    statistic = targets.statistic.fillna("").astype(str)
    asked = (statistic == "") | statistic.str.startswith("survey:")  # not the key-informant assessment
    rows = targets[(targets.kind == "share") & asked & targets.id.str.match(f"^({first}|{second})")]
    rows = rows.assign(question=rows.id.str.slice(len(first)))
    a = rows[rows.id.str.startswith(first)].set_index("question")
    b = rows[rows.id.str.startswith(second)].set_index("question")
    both = a.index.intersection(b.index)
    out = pd.DataFrame({"question": both, "measure": a.loc[both, "measure"].to_numpy(),
                        first.rstrip("_"): a.loc[both, "value"].to_numpy(float),
                        second.rstrip("_"): b.loc[both, "value"].to_numpy(float),
                        "difference": (a.loc[both, "value"] - b.loc[both, "value"]).to_numpy(float),
                        "sampling_sd": np.hypot(a.loc[both, "sd"], b.loc[both, "sd"]).to_numpy(float)})
    out["z"] = out.difference / out.sampling_sd
    out["agree"] = out.z.abs() <= 2
    return out.reset_index(drop=True)


def non_sampling_sd(agreement: pd.DataFrame) -> float:
    """Extra sd per round, tau, with mean(d^2 / (sampling_sd^2 + 2 tau^2)) = 1 (0 if already <= 1)."""
    d2, v = agreement.difference.to_numpy() ** 2, agreement.sampling_sd.to_numpy() ** 2
    if len(d2) == 0 or np.mean(d2 / v) <= 1:
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(60):  # bisection: the mean falls as tau grows
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(d2 / (v + 2 * mid**2)) > 1 else (lo, mid)
    return (lo + hi) / 2
