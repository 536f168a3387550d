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


def agents_source(args, scenario) -> str:
    """Where a command's agent count comes from, for `check_memory`'s message: '' for --agents,
    else the scenario file that sets run.agents."""
    return "" if getattr(args, "agents", None) is not None else str(scenario.path or "the scenario")


def check_memory(agents: int, processes: int = 1, flag: str = "--jobs", available: int | None = None,
                 source: str = "") -> None:
    """Refuse a run whose estimated peak memory exceeds what the machine has free, saying what fits:
    fewer agents, fewer processes at once (`flag`, the option that sets them), or neither.
    `source`: the scenario file when the count is its run.agents rather than --agents."""
    need = estimated_bytes(agents, processes)
    have = available_bytes() if available is None else available
    if have is None or need <= have:
        return
    per = f" ({estimated_bytes(agents) / 1e9:.1f} GB per run)" if processes > 1 else ""
    on = f" in each of {processes} processes" if processes > 1 else ""
    runs = int(have // estimated_bytes(agents))  # runs of this size that fit side by side
    if _fitting(have, processes) >= FEWEST:
        advice = f"give at most about {_fitting(have, processes):,} agents" + (
            f", or {flag} {runs} or fewer" if processes > 1 and runs else "")
    elif processes > 1 and runs:
        advice = f"give {flag} {runs} or fewer: only {runs} such run(s) fit at once"
    elif processes > 1 and _fitting(have, 1) >= FEWEST:
        advice = f"give {flag} 1 and at most about {_fitting(have, 1):,} agents"
    else:
        advice = f"even one run of {FEWEST} agents needs about {estimated_bytes(FEWEST) / 1e9:.1f} GB; free some memory"
    given = f"{source}: run.agents = {int(agents):,}" if source else f"--agents {int(agents):,}"
    raise ScenarioError(f"{given}{on} needs about {need / 1e9:.1f} GB of memory{per}, but this "
                        f"machine has {have / 1e9:.1f} GB free; {advice}.")


def processes_of(args) -> tuple[int, str]:
    """The processes a command runs at once, and the option that sets them (--jobs or --workers)."""
    for name in ("jobs", "workers"):
        if getattr(args, name, None):
            return getattr(args, name), f"--{name}"
    return 1, "--jobs"


FEWEST = 100  # the fewest agents a run takes (run.agents)


def _fitting(have: int, processes: int) -> int:
    """Agents per process that fit in `have` bytes, rounded down to a round number (0: not even 100)."""
    n = max(0, (have // max(1, processes) - FIXED_BYTES) // BYTES_PER_AGENT)
    return int(n // 1000 * 1000 if n >= 1000 else n // 100 * 100)
