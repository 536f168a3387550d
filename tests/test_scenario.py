"""Scenario files: validated when loaded, with messages that name file, key and what is allowed."""

import pytest

from simulation.errors import ScenarioError
from simulation.scenario import load_scenario


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_baseline_loads_and_round_trips(tmp_path):
    base = load_scenario("scenarios/baseline.toml")
    assert base.name == "baseline" and base["run.agents"] == 100_000
    again = load_scenario(write(tmp_path, "resolved.toml", base.to_toml()))
    assert again.values == base.values


def test_extends_changes_only_what_differs(tmp_path):
    write(tmp_path, "base.toml", 'name = "base"\n[policy]\nwork_permit_quota = 20000\n')
    child = write(tmp_path, "child.toml", 'extends = "base"\n[behaviour]\nbeta_network = 1.5\n')
    s = load_scenario(child)
    assert s["policy.work_permit_quota"] == 20000 and s["behaviour.beta_network"] == 1.5
    assert [p.name for p in s.chain] == ["base.toml", "child.toml"]


def test_unknown_key_names_the_file_the_key_and_a_suggestion(tmp_path):
    path = write(tmp_path, "typo.toml", "[behaviour]\nbeta_netwrok = 1.0\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert str(path) in msg and "behaviour.beta_netwrok" in msg and "behaviour.beta_network" in msg


def test_unknown_table_lists_the_allowed_tables(tmp_path):
    with pytest.raises(ScenarioError, match="Top-level tables allowed: .*behaviour"):
        load_scenario(write(tmp_path, "t.toml", "[behavior]\nbeta_network = 1.0\n"))


@pytest.mark.parametrize("text, fragment", [
    ("[policy]\nwork_permit_quota = -5\n", "an integer from 0 to 100,000,000"),
    ("[policy]\nwork_permit_quota = \"many\"\n", "'many' is not allowed"),
    ("[behaviour]\nbeta_network = true\n", "must be a number"),
    ("[run]\nagents = 2.5\n", "an integer"),
    ("[run]\nstart = \"2015-13\"\n", "YYYY-MM"),
    ("[corridor.UZB.KAZ]\nregime = \"open\"\n", "one of 'none', 'eaeu'"),
    ("[corridor.KAZ.KAZ]\nregime = \"patent\"\n", "corridor.KAZ.KAZ.regime = 'patent': workers from KAZ are at home"),
    ("[mobility.intention]\nstay = 0.5\n", "add up to 1"),
    ("[run]\nstart = \"2020-01\"\nend = \"2019-12\"\n", "before run.start"),
    ("[policy]\nwork_permit_quota = inf\n", "an integer from 0 to 100,000,000"),
    ("[wages]\nkaz_migrant_ratio = -1\n", "a number from 0 to 10"),
    ("name = \"\"\n", "names the results folder"),
    ("name = \"../elsewhere\"\n", "names the results folder"),
])
def test_bad_values_are_refused_with_what_is_allowed(tmp_path, text, fragment):
    with pytest.raises(ScenarioError, match=fragment):
        load_scenario(write(tmp_path, "bad.toml", text))


def test_missing_file_bad_toml_and_cycles(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(write(tmp_path, "broken.toml", "[run\nagents = 3\n"))
    write(tmp_path, "a.toml", 'extends = "b"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(write(tmp_path, "b.toml", 'extends = "a"\n'))
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(write(tmp_path, "orphan.toml", 'extends = "ghost"\n'))


def test_every_parameter_is_documented():
    from simulation.parameters import PARAMETERS

    for p in PARAMETERS.values():
        assert p.unit and p.source and p.doc and p.role in {"run", "lever", "uncertainty", "data"}, p.key
