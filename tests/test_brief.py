"""The policy brief: rendered in each language, read back, and opened by LibreOffice."""

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from simulation import load_scenario
from simulation.brief import (
    brief_dates,
    build_brief,
    event_sentence,
    headline_table,
    levers,
    make_brief,
)
from simulation.brief_xlsx import sheet_names
from simulation.cli import main
from simulation.experiments import compare, load_comparison
from simulation.report import write_comparison

SMALL = dict(run__agents=1500, run__start="2025-01", run__end="2027-12", run__burn_in_months=6)
WORDS = {"en": ["Policy brief", "Work-permit quota", "Uzbekistan", "Provenance", "January 2026"],
         "ru": ["Аналитическая записка", "Квота на привлечение", "Узбекистан", "Происхождение", "с января 2026 г."],
         "kk": ["Талдамалық жазба", "квота", "Өзбекстан", "шығу тегі", "қаңтардан"]}


@pytest.fixture(scope="module")
def comparison():
    base = load_scenario("scenarios/baseline.toml").with_values(**SMALL)
    policy = load_scenario("scenarios/quota_halved.toml").with_values(**SMALL)
    return compare(base, [policy], reps=3)


def test_headline_dates_follow_the_policy_and_differences_are_paired(comparison):
    assert brief_dates(comparison) == ["2027-12"]  # compare's dates: the first December a full year after 2026-01
    table = headline_table(comparison, ["2026-12"])
    row = table[table.indicator == "stock_kaz"].iloc[0]
    ts = {r.scenario.name: r.timeseries for r in comparison.results}
    at = {name: t[(t.indicator == "stock_kaz") & (t.date == "2026-12")].set_index("rep")["value"]
          for name, t in ts.items()}
    paired = at["quota_halved"] - at["baseline"]  # replication by replication, not band minus band
    assert row.diff_q50 == pytest.approx(paired.median())
    assert row.p_lower == pytest.approx((paired < 0).mean()) and row.p_higher == pytest.approx((paired > 0).mean())
    assert ((table.p_lower + table.p_higher) <= 1).all() and (table.replications == 3).all()


def test_levers_in_words_in_each_language():
    event = {"kind": "quota", "date": "2026-01", "total": 15000}
    assert event_sentence(event, "en") == "Work-permit quota from January 2026 — permits in total: 15,000 persons"
    assert event_sentence(event, "ru").startswith("Квота на привлечение иностранной рабочей силы с января 2026 г.")
    assert "15\xa0000 адам" in event_sentence(event, "kk")


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_the_brief_renders_and_reads_back(comparison, tmp_path, lang):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    pdf, xlsx = make_brief(comparison, tmp_path, lang=lang)
    reader = PdfReader(pdf)
    assert 2 <= len(reader.pages) <= 4
    text = " ".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")
    for word in WORDS[lang]:
        assert word in text, f"{word!r} missing from the {lang} brief"
    assert "behaviour.beta_income" in text and "KEL2025" in text  # assumptions with their sources
    assert load_workbook(xlsx).sheetnames == sheet_names(build_brief(comparison, lang))


def test_a_brief_from_a_compare_folder_equals_one_from_the_comparison(comparison, tmp_path):
    write_comparison(comparison, tmp_path / "cmp")
    again = load_comparison(tmp_path / "cmp")
    a = headline_table(comparison, ["2027-12"])
    b = headline_table(again, ["2027-12"])
    assert a.drop(columns="label").equals(b.drop(columns="label"))
    assert main(["brief", "--from", str(tmp_path / "cmp"), "--out", str(tmp_path / "b"), "--lang", "ru",
                 "--quiet"]) == 0
    assert (tmp_path / "b" / "brief_ru.pdf").stat().st_size > 10_000
    assert main(["brief", "--from", str(tmp_path), "--out", str(tmp_path / "c")]) == 2


def test_a_brief_says_which_assumptions_each_replication_drew(tmp_path):
    """Drawn from the posterior, beta_network is no single value: its spread over the draws is said, and a
    comparison read back from its folder keeps the draws (the split of its bands into parameters and chance)."""
    from simulation.brief import assumptions
    from simulation.posterior import load_posterior

    base = load_scenario("scenarios/baseline.toml").with_values(**SMALL)
    policy = load_scenario("scenarios/quota_halved.toml").with_values(**SMALL)
    drawn = compare(base, [policy], reps=4, posterior=load_posterior("shipped"))
    write_comparison(drawn, tmp_path / "cmp")
    again = load_comparison(tmp_path / "cmp")
    assert again.base.extra["draw_rows"] == drawn.base.extra["draw_rows"]
    page = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    assert "comes from 2 draws of the calibrated parameters with 2 seeds each" in page and "the split is rough" in page
    for c in (drawn, again):
        row = assumptions(c).set_index("key").loc["behaviour.beta_network"]
        assert row.source.startswith("drawn for each replication from the calibration's posterior") and "over 2 draws" in row.source
    assert "drawn" not in assumptions(compare(base, [policy], reps=2)).set_index("key").source["behaviour.beta_network"]


def test_a_brief_of_scenario_files_gives_the_figures_compare_gives(tmp_path):
    """The same posterior draws (the shipped posterior by default) and the same headline dates:
    a brief run on the scenario files used to run without parameter draws and pick other dates."""
    files = []
    for name in ("baseline", "quota_halved"):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'extends = "{Path("scenarios", name + ".toml").resolve()}"\nname = "{name}"\n[run]\n'
                        'start = "2025-01"\nend = "2027-12"\nagents = 1500\nburn_in_months = 6\n', encoding="utf-8")
        files.append(str(path))
    assert main(["compare", *files, "--reps", "2", "--out", str(tmp_path / "cmp"), "--quiet"]) == 0
    assert main(["brief", *files, "--reps", "2", "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert (tmp_path / "cmp" / "headline.csv").read_text() == (tmp_path / "b" / "comparison" / "headline.csv").read_text()
    assert main(["brief", "--from", str(tmp_path / "cmp"), "--posterior", "none", "--out", str(tmp_path / "c"),
                 "--quiet"]) == 2  # the folder's runs were made already


def _libreoffice():
    return shutil.which("libreoffice") or shutil.which("soffice")


@pytest.mark.skipif(not _libreoffice() and os.environ.get("CI") != "true",
                    reason="LibreOffice is not installed (setup.sh installs libreoffice-calc-nogui when run as root)")
def test_the_workbook_opens_in_libreoffice_with_every_sheet(comparison, tmp_path):
    assert _libreoffice(), "CI needs LibreOffice: setup.sh installs libreoffice-calc-nogui"
    _pdf, xlsx = make_brief(comparison, tmp_path, lang="kk")
    out = tmp_path / "converted"
    subprocess.run([_libreoffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "ods", "--outdir", str(out), str(xlsx)], check=True, capture_output=True,
                   timeout=900)  # minutes on a loaded machine
    content = zipfile.ZipFile(out / "brief_kk.ods").read("content.xml").decode()
    for name in sheet_names(build_brief(comparison, "kk")):
        assert f'table:name="{name}"' in content


def test_the_compare_report_and_run_figures_speak_the_language(comparison, tmp_path):
    from simulation.plots import standard_plots

    write_comparison(comparison, tmp_path / "kk", lang="kk", levers=levers)
    page = (tmp_path / "kk" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="kk">' in page and "Негізгі көрсеткіштер" in page and "Өзбекстан" in page
    assert "Шетелдік жұмыс күшін тартуға арналған квота" in page  # the lever in words
    made = standard_plots(comparison.base.timeseries, tmp_path, "baseline", 3, lang="ru")
    assert len(made) == 5 and all(p.stat().st_size > 10_000 for p in made)


@pytest.mark.parametrize("lang, unit, header, source", [
    ("ru", "чел.", "единица измерения", "допущение"), ("kk", "адам", "өлшем бірлігі", "болжам")])
def test_units_sources_and_workbook_headers_are_in_the_language(comparison, tmp_path, lang, unit, header, source):
    """The assumptions' units and sources, the workbook's column titles and the title's quotation marks
    were English in the Russian and Kazakh briefs ('30 000 persons', 'assumption', 'date', 'scenario')."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    pdf, xlsx = make_brief(comparison, tmp_path, lang=lang)
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages).replace("\xa0", " ")
    assert f"30 000 {unit}" in text and "persons" not in text and "per month" not in text
    assert "«quota_halved»" in text and "'quota_halved'" not in text
    assert source in text and "assumption" not in text and "KEL2025" in text
    book = load_workbook(xlsx)
    sheets = sheet_names(build_brief(comparison, lang))
    headline = [c.value for c in book[sheets[0]][1]]
    assert "date" not in headline and "scenario" not in headline and "p_lower" not in headline
    assumptions = book[sheets[-2]]
    assert header in [c.value for c in assumptions[1]] and "unit" not in [c.value for c in assumptions[1]]
    assert assumptions.cell(2, 3).value == unit  # policy.work_permit_quota, persons


def test_the_english_workbook_keeps_its_column_keys(comparison, tmp_path):
    from openpyxl import load_workbook

    _pdf, xlsx = make_brief(comparison, tmp_path, lang="en")
    book = load_workbook(xlsx)
    assert [c.value for c in book["Headline"][1]][:6] == ["date", "scenario", "indicator", "group", "label", "how"]
    assert [c.value for c in book["Assumptions"][1]] == ["key", "value", "unit", "role", "source", "why", "meaning"]


def test_a_kazakh_range_in_the_compare_report_needs_no_case_ending(comparison, tmp_path):
    """'451 000 дейін 915 000' read as Kazakh without its ablative; a dash needs no case ending."""
    write_comparison(comparison, tmp_path / "kk", lang="kk", levers=levers)
    page = (tmp_path / "kk" / "report.html").read_text(encoding="utf-8")
    assert " дейін " not in page.split("<h3>", 1)[1].split("</table>", 1)[0] and " – " in page
    assert "«quota_halved»" in page
