"""Checks of the machine made before a run starts: will it fit in memory?

An agent count inside the allowed range can still exceed what the machine holds;
numpy would then fail after the population has half been built, a minute in. The
estimate below comes from measuring peak memory at several agent counts (see
`BYTES_PER_AGENT`), so the refusal names a figure, not a guess.
"""

from __future__ import annotations

# Imports inside functions: the model and resource module load only when memory is measured.
import os

from .errors import ScenarioError

# Peak resident memory of one model (a fresh process each, 2021-01..2022-12 with 12 burn-in
# months, ru_maxrss), measured on 2026-12-01 on this project's 2-core, 24 GB machine with
#   python -c "from simulation.safety import measure_peak; print(measure_peak(N))"
#   N = 100,000: 0.36 GB; 400,000: 0.53 GB; 1,600,000: 1.44 GB
# a slope of 565 to 760 bytes per agent over about 0.29 GB of Python, numpy, pandas, numba
# and the compiled kernels. Rounded up, so the refusal errs on the side of running.
BYTES_PER_AGENT = 900
FIXED_BYTES = 300_000_000


def measure_peak(agents: int) -> int:
    """Peak resident memory (bytes) of this process after building and running one short model."""
    import resource

    from .model import MigrationModel
    from .scenario import default_scenario

    scenario = default_scenario().with_values(run__agents=agents, run__start="2021-01", run__end="2022-12",
                                              run__burn_in_months=12)
    model = MigrationModel(scenario, seed=1)
    model.run()
    model.timeseries()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def estimated_bytes(agents: int, processes: int = 1) -> int:
    """Peak memory of `processes` models of `agents` each running at once."""
    return max(1, processes) * (FIXED_BYTES + BYTES_PER_AGENT * int(agents))


def available_bytes() -> int | None:
    """Memory the system can give without swapping (MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(agents: int, processes: int = 1, available: int | None = None) -> None:
    """Refuse a run whose estimated peak memory exceeds what the machine has free."""
    need = estimated_bytes(agents, processes)
    have = available_bytes() if available is None else available
    if have is None or need <= have:
        return
    per = f" ({estimated_bytes(agents) / 1e9:.1f} GB per run)" if processes > 1 else ""
    fits = max(0, (have // max(1, processes) - FIXED_BYTES) // BYTES_PER_AGENT)
    on = f" in each of {processes} processes" if processes > 1 else ""
    raise ScenarioError(
        f"--agents {int(agents):,}{on} needs about {need / 1e9:.1f} GB of memory{per}, "
        f"but this machine has {have / 1e9:.1f} GB free; give at most about {int(fits) // 1000 * 1000:,} agents"
        + (" or fewer processes" if processes > 1 else "") + ".")
