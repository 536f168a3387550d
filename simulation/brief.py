"""A policy brief: the answer of a comparison for someone who will never open a terminal.

`make_brief` turns a `Comparison` (run now, or read back from a `compare` report folder with
`experiments.load_comparison`) into a print-ready PDF of three pages and an XLSX workbook, in English, Russian
or Kazakh. The content is decided here, the page layout in `brief_pdf.py`:

- the question, in one sentence, built from what the alternative changes;
- the levers, in words, from the scenario files' dated events and changed keys;
- a headline table at dates after the policies start: each scenario's median and band, the
  difference paired by replication with its band, and the share of replications in which the
  policy lowers or raises the indicator (the chance, under common random numbers, that the
  policy moves it that way);
- four figures (level and paired difference over time);
- the assumptions that drive the answer, with their sources from the parameter registry (and
  their influence when a sensitivity table is given);
- what the model leaves out, and provenance (version, commit, seeds, data vintages).

The workbook holds the same numbers: one sheet per figure's data, the headline table, the
levers, the assumptions and the provenance.
"""

from __future__ import annotations

# Imports inside functions: the PDF and workbook writers and the report's figures load only when a brief is made.
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ScenarioError, not_a_file
from .events import KINDS, NAME_LISTS
from .experiments import FIGURES, Comparison, band_columns, headline_values, policy_dates, scenario_diff
from .i18n import country_name, format_month, format_number, quoted, translator
from .parameters import PARAMETERS


def _(message: str) -> str:
    """Marks a message for the catalogues (gettext's N_); it is translated where it is shown."""
    return message


BRIEF_FIGURES = ("stock_kaz", "irregular_share", "informal_share", "remittances_out")

# (indicator, group, how, label): how = "level" at the date, or "year" (12 months to the date)
BRIEF_HEADLINE = [
    ("stock_kaz", "all", "level", _("Foreign workers in Kazakhstan, persons")),
    *[("stock_kaz_by_origin", o, "level", _("from {country}, persons")) for o in ("UZB", "TJK", "KGZ", "CHN")],
    ("share_irregular", "all", "level", _("Share without a right to work")),
    ("share_no_contract", "all", "level", _("Share of the employed without a written contract")),
    ("remittances_out_kaz_usd", "all", "year", _("Remittances sent from Kazakhstan, USD, 12 months to the date")),
    ("kazakhs_abroad", "all", "level", _("Kazakh citizens working abroad, persons")),
]

KIND_TITLES = {
    "quota": _("Work-permit quota"), "fees": _("Patent and permit fees"),
    "enforcement": _("Enforcement: inspections and deportations"),
    "amnesty": _("Amnesty (regularisation window)"), "minimum_wage": _("Minimum wage in Kazakhstan"),
    "entry": _("Entry rules"), "recruitment": _("Organised recruitment agreement"),
    "remittance_fee": _("Remittance fee"), "remittance_channel": _("Remittance channel disrupted"),
    "information_campaign": _("Information campaign on recruitment agencies"),
    "formalisation": _("Formalisation of informal jobs"), "exchange_rate": _("Exchange-rate change"),
    "sanctions": _("Sanctions on Russia"), "relocation": _("Relocation wave"), "mobilisation": _("Mobilisation"),
    "border_closure": _("Border closure"), "sector_demand": _("Demand for foreign workers"),
    "employer_fines": _("Fines on employers for irregular workers"),
}

SETTING_LABELS = {
    "total": _("permits in total"), "skilled": _("permits for tertiary-educated workers"),
    "other": _("permits for other workers"), "patent_monthly_usd": _("monthly patent fee"),
    "patent_entry_usd": _("documents for a patent"), "permit_entry_usd": _("documents for a quota permit"),
    "processing_months": _("time to obtain a patent"),
    "deportation_rate": _("monthly chance that an irregular worker is deported"),
    "deportation_factor": _("deportation rate multiplied by"),
    "inspection_rate": _("monthly chance that an informal job is inspected"),
    "reentry_ban_months": _("entry ban after deportation"), "monthly_take_up": _("monthly take-up"),
    "origins": _("citizenships"), "origin": _("citizenship"), "usd": _("minimum wage"),
    "destinations": _("destinations"), "destination": _("destination"), "regime": _("entry regime"),
    "agency_factor": _("job finding through agencies multiplied by"), "reach": _("share reached"),
    "cost_covered": _("share of costs paid by employers"), "legal_share": _("share taking a patent on arrival"),
    "country": _("country"), "percent": _("fee"), "cap_percent": _("fee ceiling"),
    "capacity": _("share of the money that gets through"), "where": _("where"), "share": _("share"),
    "contract_factor": _("chance of a written contract multiplied by"),
    "change_percent": _("change of the currency's value in USD"),
    "rouble_change_percent": _("change of the rouble's value in USD"),
    "real_wage_change_percent": _("further change of wages in Russia"),
    "channel_capacity": _("share of remittances from Russia that get through"),
    "relocation_share": _("share of Russians who relocate"), "relocation_months": _("months over which they leave"),
    "return_share": _("share who go home at the end"), "months": _("months over which they leave"),
    "men_only": _("men only"), "age_max": _("oldest age"), "exit_factor": _("chance of leaving multiplied by"),
    "places": _("places"), "sectors": _("sectors"), "factor": _("demand multiplied by"),
    "layoffs": _("a fall lays workers off"), "usd_per_worker": _("fine per worker found"),
}
UNITS = {"USD": _("USD"), "USD per month": _("USD per month"), "months": _("months"), "per month": _("per month"),
         "persons": _("persons"), "years": _("years")}

# The units of the parameter registry (and of event settings), as the assumptions table and the events
# workbook show them; "-" (no unit) and "percent" ("%") are written the same in every language.
PARAM_UNITS = {
    "utility": _("utility"), "share": _("share"), "USD": _("USD"), "0..1": _("0..1"), "x": _("x"),
    "logit": _("logit"), "per month": _("per month"), "probability": _("probability"), "persons": _("persons"),
    "USD per month": _("USD per month"), "months": _("months"), "jobs": _("jobs"),
    "x average wage": _("x average wage"), "x hazard": _("x hazard"), "years": _("years"),
    "YYYY-MM": _("YYYY-MM"), "agents": _("agents"), "contacts": _("contacts"), "replications": _("replications"),
    "year": _("year"), "ties": _("ties"), "months of home wage": _("months of home wage"),
    "log points": _("log points"), "x national rate": _("x national rate"),
    "utility per log point": _("utility per log point"), "x beta_income": _("x beta_income"),
    "utility per month of home wage": _("utility per month of home wage"),
    "utility per log(1+contacts)": _("utility per log(1+contacts)"),
    "utility per decade over 35": _("utility per decade over 35"),
    "utility per decade under 25": _("utility per decade under 25"), "x home wage": _("x home wage"),
    "USD per worker": _("USD per worker"), "x contact": _("x contact"), "log sd": _("log sd"),
    "x national average wage": _("x national average wage"), "logit per dependant": _("logit per dependant"),
    "share of income": _("share of income"),
}
ROLES = {"lever": _("lever"), "uncertainty": _("uncertainty"), "data": _("data"), "run": _("run setting")}

# Sources in the parameter registry are citations in free text. Their recurring words are translated;
# the rest (survey figures, authors) is kept as written, so that a reader can find it in the source.
SOURCES = [  # whole sources, as the registry writes them
    _("assumption"), _("calibrated"), _("law (EAEU treaty, visa regimes)"),
    _("assumption: none beyond the other terms"), _("assumption (share of WB working-age population)"),
    _("KEL2025: 37,900 (2015), 28,300 (2022) under quota"), _("KEL2025: about 30,000 deported in 2023"),
    _("assumption: no workplace inspections in the baseline"), _("assumption (about 2 MCI)"),
    _("assumption (a patent takes weeks to issue)"), _("law: five-year entry ban"),
    _("assumption: not modelled in the baseline (0 = no floor)"), _("assumption (Harris-Todaro)"),
    _("assumption (Massey)"), _("assumption (NELM)"), _("assumption (the surveys cover Kazakhstan only)"),
    _("STAT 2022 wages by occupation"), _("law: 90 days visa-free stay"),
    _("law: the quota may be split by qualification"), _("assumption: no employer fines in the baseline (0 = none)"),
    _("assumption: 1 (no formalisation drive in the baseline)"), _("assumption (construction season)"),
    _("assumption: agencies place workers with a contract"),
]
SOURCE_WORDS = {"assumption": _("assumption"), "calibrated": _("calibrated"), "law": _("law")}

# Parameters that govern how the model answers each kind of lever (beside those a scenario changes).
DRIVERS = {
    "quota": ("policy.work_permit_quota", "legal.quota_skilled_take_up", "legal.quota_refused_irregular",
              "legal.deportation_rate", "legal.inspection_rate", "labour.irregular_job_factor"),
    "fees": ("policy.patent_fee_usd", "legal.patent_take_up", "legal.patent_processing_months"),
    "enforcement": ("legal.deportation_rate", "legal.inspection_rate", "legal.inspection_formalise_share",
                    "legal.reentry_ban_months"),
    "amnesty": ("legal.patent_hazard", "legal.deportation_rate"),
    "minimum_wage": ("policy.minimum_wage_usd", "labour.minimum_wage_compliance"),
}
ALWAYS = ("behaviour.beta_income", "behaviour.beta_network", "behaviour.beta_cost", "population.pool.UZB")

LEAVES_OUT = [
    _("Employers are not agents: the jobs open to foreign workers in each region and sector are fixed and "
      "change only through the dated events, so employers do not respond to the quota by hiring differently."),
    _("Wages, exchange rates and unemployment after 2024 are held at their last observed values."),
    _("Only workers are modelled, not their families; Kazakh workers' wages and public revenue from patents "
      "and permits are not computed."),
    _("Origins outside the seven modelled countries are absent, except that quota workers from China also "
      "stand for them."),
    _("Behavioural parameters are calibrated to the IOM surveys of 2022 and 2023 and World Bank series; "
      "the calibrated model does not reproduce every target within its band."),
]


@dataclass
class Brief:
    """Everything a brief shows, in one language, before layout."""

    lang: str
    title: str
    question: str
    levers: dict[str, list[str]]  # alternative name -> sentences
    dates: list[str]
    headline: pd.DataFrame
    figures: list[tuple[str, str, bytes, pd.DataFrame]]  # stem, title, PNG, data
    assumptions: pd.DataFrame
    leaves_out: list[str]
    provenance: list[tuple[str, str]]
    comparison: Comparison


# --- the content -------------------------------------------------------------------------------
def _changed_events(base, alt) -> tuple[list[dict], list[dict]]:
    strip = lambda evs: [{k: v for k, v in e.table.items() if k != "_file"} for e in evs]  # noqa: E731
    a, b = strip(base.events), strip(alt.events)
    return [e for e in b if e not in a], [e for e in a if e not in b]


def brief_dates(comparison: Comparison) -> list[str]:
    """The headline dates of `migsim compare` (`experiments.policy_dates`): a brief made from
    the scenarios and one made `--from` their compare folder show the report's own table."""
    return policy_dates(comparison)


def _value_text(setting, value, lang: str) -> str:
    _ = translator(lang)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)) or setting.type in NAME_LISTS:
        items = [value] if isinstance(value, str) else list(value)
        return ", ".join(country_name(x, lang) for x in items)
    if isinstance(value, str):
        return value
    if setting.unit == "share":
        return format_number(100 * value, lang, 1 if 100 * value % 1 else 0) + "%"
    if setting.unit == "percent":
        return format_number(value, lang, 1 if value % 1 else 0) + "%"
    if setting.unit == "x":
        return "×" + format_number(value, lang, 2 if value % 1 else 0)
    digits = 0 if float(value).is_integer() else 2
    unit = UNITS.get(setting.unit)
    return format_number(value, lang, digits) + (f" {_(unit)}" if unit else "")


def event_sentence(event: dict, lang: str = "en") -> str:
    """One dated event in words: 'Work-permit quota from January 2026 — permits in total: 15,000 persons'."""
    _ = translator(lang)
    kind = KINDS[event["kind"]]
    if "date" in event:
        when = (_("in {month}").format(month=format_month(event["date"], lang, "in")) if kind.window == "none"
                else _("from {month}").format(month=format_month(event["date"], lang, "from")))
    elif "end" in event:
        when = _("from {start} to {end}").format(start=format_month(event["start"], lang, "from"),
                                                 end=format_month(event["end"], lang, "through"))
    else:
        when = _("from {month}").format(month=format_month(event["start"], lang, "from"))
    parts = [f"{_(SETTING_LABELS.get(k, k))}: {_value_text(kind.settings[k], v, lang)}"
             for k, v in event.items() if k in kind.settings]
    return f"{_(KIND_TITLES.get(kind.name, kind.name))} {when}" + (" — " + "; ".join(parts) if parts else "")


def levers(base, alt, lang: str = "en") -> list[str]:
    """What the alternative changes, in words: its own events, events it drops, and keys it sets."""
    _ = translator(lang)
    added, dropped = _changed_events(base, alt)
    lines = [event_sentence(e, lang) for e in added]
    lines += [_("No longer: {event}").format(event=event_sentence(e, lang)) for e in dropped]
    for key, a, b in scenario_diff(base, alt):
        if key.startswith("[[events]]"):
            continue
        p = PARAMETERS[key]
        show = lambda v: format_number(v, lang, 0 if float(v).is_integer() else 3) \
            if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)  # noqa: E731
        doc = f" ({p.doc})" if lang == "en" else ""
        lines.append(_("{key}{doc}: {new} instead of {old}").format(key=key, doc=doc, new=show(b), old=show(a)))
    return lines or [_("The same parameters and events as the baseline.")]


def question(comparison: Comparison, lang: str = "en") -> str:
    """The brief's question in one sentence, naming every alternative's policy."""
    _ = translator(lang)
    changes = []
    for alt in comparison.alternatives:
        added, _dropped = _changed_events(comparison.base.scenario, alt.scenario)
        change = event_sentence(added[0], lang) if added else levers(comparison.base.scenario, alt.scenario, lang)[0]
        changes.append(change[0].lower() + change[1:])
    end = format_month(comparison.base.scenario["run.end"], lang, "until")
    if len(changes) == 1:
        text = _("What would this policy change, compared with the baseline, for the foreign workers in Kazakhstan, "
                 "their legal status and informality, and the money they send home, up to {end}? The policy: "
                 "{change}.").format(end=end, change=changes[0])
    else:
        listed = "; ".join(f"({k}) «{alt.scenario.name}»: {c}" if lang != "en" else f"({k}) '{alt.scenario.name}': {c}"
                           for k, (alt, c) in enumerate(zip(comparison.alternatives, changes), 1))
        text = _("What would these policies change, each compared with the baseline, for the foreign workers in "
                 "Kazakhstan, their legal status and informality, and the money they send home, up to {end}? "
                 "The policies: {changes}.").format(end=end, changes=listed)
    return text[:-1] if text.endswith("..") else text  # a change ending in an abbreviation ("15 000 чел.")


def headline_table(comparison: Comparison, dates: list[str], lang: str = "en") -> pd.DataFrame:
    """Rows: date, alternative, indicator; the baseline's and the alternative's median and band,
    the paired difference's median and band, and the shares of replications lowered and raised."""
    _ = translator(lang)
    lo, mid, hi = band_columns(comparison.band)
    q = lambda v, p: float(np.percentile(v, p)) if len(v) else np.nan  # noqa: E731
    rows = []
    for date in dates:
        for r in comparison.alternatives:
            for indicator, group, how, label in BRIEF_HEADLINE:
                base = headline_values(comparison.base.timeseries, indicator, group, date, how)
                alt = headline_values(r.timeseries, indicator, group, date, how)
                if base is None or alt is None:
                    continue
                diff = (alt - base).dropna().to_numpy()
                row = {"date": date, "scenario": r.scenario.name, "indicator": indicator, "group": group,
                       "label": _(label).format(country=country_name(group, lang)), "how": how}
                for name, values in (("base", base.to_numpy()), ("alt", alt.to_numpy()), ("diff", diff)):
                    values = values[~np.isnan(values)]
                    row.update({f"{name}_{lo}": q(values, comparison.band[0]), f"{name}_{mid}": q(values, 50),
                                f"{name}_{hi}": q(values, comparison.band[1])})
                row["p_lower"] = float(np.mean(diff < 0)) if len(diff) else np.nan
                row["p_higher"] = float(np.mean(diff > 0)) if len(diff) else np.nan
                row["replications"] = len(diff)
                rows.append(row)
    return pd.DataFrame(rows)


def assumptions(comparison: Comparison, lang: str = "en", sensitivity: str | Path | None = None) -> pd.DataFrame:
    """The parameters that drive the answer: set by the policy, governing its lever, or most influential."""
    _ = translator(lang)
    base = comparison.base.scenario
    reasons: dict[str, str] = {}
    for r in comparison.alternatives:
        for key, _a, _b in scenario_diff(base, r.scenario):
            if key in PARAMETERS:
                reasons.setdefault(key, _("changed by the policy"))
        for e in _changed_events(base, r.scenario)[0]:
            for key in DRIVERS.get(e.get("kind"), ()):
                reasons.setdefault(key, _("governs how the model responds to this lever"))
    if sensitivity is not None:
        table = read_sensitivity(sensitivity)
        for key, value in table.head(5).items():
            reasons.setdefault(key, _("among the five most influential in the sensitivity analysis (mu* = {value})")
                               .format(value=format_number(value, lang, 3)))
    for key in ALWAYS:
        reasons.setdefault(key, _("drives every decision to migrate"))
    drawn = _drawn_ranges(comparison)
    rows = []
    for key, why in reasons.items():
        if key not in PARAMETERS:
            continue
        p = PARAMETERS[key]
        value, source = base[key], source_text(p.source, lang)
        if key in drawn:  # each replication took its own value: the median shown, the spread said
            low, value, high, n = drawn[key]
            source = _("drawn for each replication from the calibration's posterior: {low} to {high} over {n} "
                       "draws (the median shown)").format(low=format_number(low, lang, 2),
                                                          high=format_number(high, lang, 2), n=n) + "; " + source
        rows.append({"key": key, "value": value, "unit": unit_text(p.unit, lang), "role": _(ROLES.get(p.role, p.role)),
                     "source": source, "why": why, "meaning": _(p.doc)})
    return pd.DataFrame(rows, columns=["key", "value", "unit", "role", "source", "why", "meaning"])


def _drawn_ranges(comparison: Comparison) -> dict[str, tuple[float, float, float, int]]:
    """(lowest, median, highest, draws) of each calibrated parameter the replications drew from a
    posterior, except keys the scenario sets itself (`posterior.apply_draw`); {} without draws."""
    from .parameters import defaults
    from .posterior import load_posterior

    info = comparison.base.extra
    if not info.get("posterior") or not info.get("draw_rows"):
        return {}
    try:
        posterior = load_posterior(info["posterior"])
    except ScenarioError:  # the posterior file of a compare folder made elsewhere is not here
        return {}
    rows = sorted(set(int(r) for r in info["draw_rows"] if 0 <= int(r) < len(posterior.draws)))
    base, shipped = comparison.base.scenario, defaults()
    return {key: (float(v.min()), float(v.median()), float(v.max()), len(rows))
            for key, v in posterior.draws.iloc[rows].items() if key in shipped and base[key] == shipped[key]}


def unit_text(unit: str, lang: str = "en") -> str:
    """A parameter's or setting's unit in the language ("persons" -> "чел."; "-" and "%" as they are)."""
    if lang == "en" or unit not in PARAM_UNITS:
        return unit
    return "%" if unit == "percent" else translator(lang)(PARAM_UNITS[unit])


def source_text(source: str, lang: str = "en") -> str:
    """A parameter's source in the language: whole sources the registry repeats, the calibration's note
    and a leading "assumption", "calibrated" or "law" are translated; citations are kept as written."""
    _ = translator(lang)
    if lang == "en" or source in ("", "-"):
        return source
    if source in SOURCES:
        return _(source)
    calibrated = re.fullmatch(r"calibrated \((simulation/data/calibrated\.toml)\); set by hand before: ([^,]+), (.*)",
                              source)
    if calibrated:
        try:  # the value set by hand, written as the language writes numbers
            value = format_number(float(calibrated[2]), lang, len(calibrated[2].partition(".")[2]))
        except ValueError:
            value = calibrated[2]
        return _("calibrated ({file}); set by hand before: {value}, {source}").format(
            file=calibrated[1], value=value, source=source_text(calibrated[3], lang))
    word = re.match(r"(assumption|calibrated|law)\b", source)
    if word:
        return _(SOURCE_WORDS[word[1]]) + source[word.end():]
    return source


def read_sensitivity(path: str | Path) -> pd.Series:
    """Mean |elementary effect| (Morris mu*) of each parameter over the outputs of a sensitivity table."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"--sensitivity {path}: {not_a_file(path) or 'no such file'}; give the sensitivity "
                            "table (indices.csv) that `migsim sensitivity` writes.")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)  # as written: 'nan' is text, not a gap
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot read the sensitivity table ({exc}); give the indices.csv "
                            "that `migsim sensitivity` writes.") from None
    measure = "mu_star" if "mu_star" in table else "ST" if "ST" in table else None
    if measure is None or "parameter" not in table:
        raise ScenarioError(f"{path}: a sensitivity table needs the columns 'parameter' and 'mu_star' (or 'ST'); "
                            f"it has {', '.join(table.columns)}.")
    if table.empty or not (table["parameter"] != "").any():  # the brief would name no influential parameter
        raise ScenarioError(f"{path}: the sensitivity table holds no parameter; give the indices.csv that `migsim "
                            "sensitivity` writes.")
    text = table[measure].str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = text[~np.isfinite(values)]  # nan, inf and an empty cell would each leave an index out or on top
    if len(bad):
        i, word = bad.index[0], bad.iloc[0]
        what = "empty" if not word else "not a number" if pd.isna(values[i]) and word.lower() != "nan" else \
            "not a finite number (an index is a number such as 0.25)"
        raise ScenarioError(f"{path}, line {i + 2}: column '{measure}' = {word!r} is {what}; give the indices.csv "
                            "that `migsim sensitivity` writes.")
    return values.groupby(table["parameter"].where(table["parameter"] != "")).mean().sort_values(ascending=False)


def data_vintages() -> list[str]:
    """The latest year of each embedded data file the run reads."""
    folder = Path(__file__).parent / "data"
    out = []
    for name, column in (("wdi.csv", "year"), ("bilateral.csv", "year"), ("kaz_wages.csv", "period")):
        try:
            years = pd.read_csv(folder / name, usecols=[column])[column].astype(str).str[:4]
            out.append(f"{name}: {years.min()}-{years.max()}")
        except (OSError, ValueError):
            continue
    return out


def provenance(comparison: Comparison, lang: str = "en") -> list[tuple[str, str]]:
    """(what, value) pairs saying how the numbers were made."""
    from .outputs import git_commit, versions  # noqa: PLC0415 - outputs imports matplotlib; only the brief needs it here

    _ = translator(lang)
    base = comparison.base
    v = versions()
    files = [str(r.scenario.path.name) if r.scenario.path else r.scenario.name for r in comparison.results]
    return [
        (_("migsim version"), v["migsim"]),
        (_("git commit"), git_commit() or "-"),
        (_("scenarios"), ", ".join(f"{r.scenario.name} ({f})" for r, f in zip(comparison.results, files))),
        (_("simulated months"), f"{base.scenario['run.start']} – {base.scenario['run.end']}"),
        (_("replications"), str(len(base.seeds))),
        (_("seeds"), ", ".join(str(s) for s in base.seeds)),
        (_("worker agents"), format_number(base.agents, lang)),
        (_("persons per agent"), format_number(base.scale, lang)),
        (_("band"), _("percentiles {low} to {high} across replications").format(low=comparison.band[0],
                                                                               high=comparison.band[1])),
        (_("data vintages"), "; ".join(data_vintages())),
        (_("calibration"), "simulation/data/calibrated.toml"),
        (_("software"), ", ".join(f"{k} {x}" for k, x in v.items() if k != "migsim")),
    ]


def build_brief(comparison: Comparison, lang: str = "en", dates: list[str] | None = None,
                sensitivity: str | Path | None = None) -> Brief:
    """Decide the brief's content in one language."""
    from .report import figure  # noqa: PLC0415 - the report's matplotlib figures, loaded when a brief is made

    _ = translator(lang)
    dates = dates or brief_dates(comparison)
    figures = []
    for stem, indicator, group, title, scale, unit in FIGURES:
        if stem in BRIEF_FIGURES:
            png, data = figure(comparison, indicator, group, title, scale, unit, lang=lang, size=(5.2, 4.6), dpi=200)
            figures.append((stem, _(title), png, data))
    base = comparison.base.scenario
    title = _("{policy} against {baseline}").format(
        policy=", ".join(quoted(r.scenario.name, lang) for r in comparison.alternatives), baseline=quoted(base.name, lang))
    return Brief(lang, title, question(comparison, lang),
                 {r.scenario.name: levers(base, r.scenario, lang) for r in comparison.alternatives},
                 dates, headline_table(comparison, dates, lang), figures,
                 assumptions(comparison, lang, sensitivity), [_(x) for x in LEAVES_OUT],
                 provenance(comparison, lang), comparison)


def _replace_into(path: Path, write) -> None:
    """Write a file under a temporary name beside it, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def make_brief(comparison: Comparison, out_dir: str | Path, *, lang: str = "en", dates: list[str] | None = None,
               sensitivity: str | Path | None = None) -> tuple[Path, Path]:
    """Write `brief_<lang>.pdf` and `brief_<lang>.xlsx` into `out_dir`; returns their paths."""
    from .brief_pdf import write_pdf
    from .brief_xlsx import write_workbook
    from .outdir import mark

    brief = build_brief(comparison, lang, dates, sensitivity)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        mark(out_dir, "brief")  # the CLI then writes into this folder again, and into no one else's
    except OSError as exc:
        raise ScenarioError(f"{out_dir}: cannot create the brief folder ({exc.strerror}); choose another --out.") \
            from None
    pdf, xlsx = out_dir / f"brief_{lang}.pdf", out_dir / f"brief_{lang}.xlsx"
    _replace_into(pdf, lambda p: write_pdf(brief, p))
    _replace_into(xlsx, lambda p: write_workbook(brief, p))
    return pdf, xlsx
