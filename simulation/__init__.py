"""migsim: an agent-based model of labour migration into and out of Kazakhstan.

    from simulation import load_scenario, run
    result = run(load_scenario("scenarios/baseline.toml"), agents=20_000)
    result.timeseries.query("indicator == 'stock_kaz'")
"""

__version__ = "0.1.0"

from .errors import DataError, MigsimError, RunError, ScenarioError  # noqa: E402
from .model import MigrationModel, Worker  # noqa: E402
from .runner import RunResult, run  # noqa: E402
from .scenario import Scenario, load_scenario  # noqa: E402

__all__ = ["MigrationModel", "Worker", "Scenario", "load_scenario", "run", "RunResult",
           "MigsimError", "ScenarioError", "DataError", "RunError"]
