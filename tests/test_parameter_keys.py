"""Every parameter key the code reads exists in the registry, so a typo fails here, not when its line runs."""

import re
import subprocess
import sys
from pathlib import Path

from simulation.parameters import CALIBRATED_FILE, DECLARED, PARAMETERS, with_calibration

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "simulation").rglob("*.py")) + sorted((ROOT / "calibration").rglob("*.py"))
TABLES = {k.split(".")[0] for k in PARAMETERS}
KEY = re.compile(r"\[\s*(f?)\"((?:%s)\.[A-Za-z0-9_.{}\[\]\"']+)\"\s*\]" % "|".join(sorted(TABLES)))
OVERRIDE = re.compile(r"\b((?:%s)__[A-Za-z0-9_]+)\s*=" % "|".join(sorted(TABLES)))


def _read_keys():
    literal, formatted = set(), set()
    for path in SOURCES:
        text = path.read_text()
        for f, key in KEY.findall(text):
            (formatted if f and "{" in key else literal).add((path.name, key))
        for key in OVERRIDE.findall(text):
            literal.add((path.name, key.replace("__", ".")))
    return literal, formatted


def test_the_scan_finds_the_keys_the_code_reads():
    literal, formatted = _read_keys()
    assert len({k for _, k in literal}) >= 80 and len(formatted) >= 10
    assert ("month.py", "behaviour.beta_income") in literal
    assert ("economy.py", "corridor.{o}.{c}.regime") in formatted


def test_every_literal_key_read_is_declared():
    literal, _ = _read_keys()
    missing = sorted(f"{name}: {key}" for name, key in literal if key not in PARAMETERS)
    assert not missing, "keys read but not declared in parameters.py:\n" + "\n".join(missing)


def test_every_formatted_key_matches_declared_keys():
    _, formatted = _read_keys()
    for name, key in sorted(formatted):
        pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", r"[^.]+", re.escape(key)) + "$")
        assert any(pattern.match(k) for k in PARAMETERS), f"{name}: {key} matches no declared key"


def test_every_model_parameter_has_a_unit_and_a_source():
    for key, p in PARAMETERS.items():
        parts = key.split(".")
        own_country = parts[0] == "corridor" and parts[1] == parts[2]  # no corridor: nothing to source
        if p.role != "run" and not own_country:
            assert p.unit and p.source and p.source != "-", f"{key} has no unit or no source"


def test_the_calibration_is_applied_by_a_named_call_not_at_import():
    code = ("import simulation.parameters as p; print(p.PARAMETERS._params is None); "
            "print(p.DECLARED['behaviour.beta_network'].default == p.with_calibration(p.DECLARED, None)"
            "['behaviour.beta_network'].default)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True"]
    calibrated = with_calibration(DECLARED, CALIBRATED_FILE)
    fitted = [k for k in DECLARED if calibrated[k].default != DECLARED[k].default]
    assert fitted and all(calibrated[k].source.startswith("calibrated") for k in fitted)
    assert all(PARAMETERS[k].default == calibrated[k].default for k in DECLARED)
