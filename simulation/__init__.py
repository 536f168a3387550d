"""migsim: an agent-based model of labour migration into and out of Kazakhstan.

    from simulation import load_scenario, run
    result = run(load_scenario("scenarios/baseline.toml"), agents=20_000)
    result.timeseries.query("indicator == 'stock_kaz'")

The names below load on first use (PEP 562), so importing one module of the package
(say `simulation.events`, to validate a scenario) does not import the whole model.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "MigrationModel": "model", "Worker": "worker", "RunResult": "runner", "run": "runner",
    "Scenario": "scenario", "load_scenario": "scenario",
    "MigsimError": "errors", "ScenarioError": "errors", "DataError": "errors", "RunError": "errors",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    """Load an exported name from its module when it is first asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'simulation' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
