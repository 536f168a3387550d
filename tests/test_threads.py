"""Worker processes use their share of the cores, although this process imported numba first.

Two workers on two cores each running two-thread kernels ran a calibration 2.7 times
slower; these tests ask the workers themselves how many threads their kernels use.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numba
import pytest

from simulation import threads
from simulation.model import MigrationModel

from conftest import toy_scenario


def test_share_of_the_cores(monkeypatch):
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    cores = threads.usable_cores()
    assert threads.threads_per_worker(1) == cores
    assert threads.threads_per_worker(cores) == 1
    monkeypatch.setenv("NUMBA_NUM_THREADS", "1")  # the user's ceiling
    assert threads.threads_per_worker(1) == 1
    assert threads.threads_per_worker(10 * cores) == 1
    assert threads.worker_environment(3)["NUMBA_NUM_THREADS"] == "3"


def test_spawning_with_restores_the_environment(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv(threads.ENV, raising=False)
    with threads.spawning_with(threads.worker_environment(1)):
        assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ[threads.ENV] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "7" and threads.ENV not in os.environ


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="numba runs one thread here anyway")
def test_a_model_built_in_a_worker_thread_follows_the_setting(monkeypatch):
    """Dask runs tasks in a thread of its own, and numba counts threads per thread."""
    monkeypatch.setenv(threads.ENV, "1")
    seen = {}

    def task():
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)  # a fresh thread's default
        MigrationModel(toy_scenario(run__agents=300, run__burn_in_months=0))
        seen["threads"] = numba.get_num_threads()

    t = threading.Thread(target=task)
    t.start()
    t.join()
    assert seen["threads"] == 1


# Run as a script whose main module imports numba first, as the `migsim` command does: a
# spawned worker re-imports it, so numba is set up before a nanny's `env` could apply.
PROBE_SCRIPT = """
import simulation.model  # numba first
import json
import sys


def probe():
    import numba

    return [numba.get_num_threads(), numba.config.NUMBA_NUM_THREADS]


def profiling():
    import dask

    import logging

    from simulation.threads import QuietWhileClosing

    handlers = logging.getLogger("distributed").handlers
    quiet = bool(handlers) and all(any(isinstance(f, QuietWhileClosing) for f in h.filters) for h in handlers)
    return [dask.config.get("distributed.worker.profile.enabled"), dask.config.get("distributed.admin.tick.interval"),
            quiet]


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "pool":
        from simulation.runner import process_pool

        with process_pool(2) as pool:
            answers = [f.result() for f in [pool.submit(probe) for _ in range(4)]]
    else:
        from dask.distributed import Client

        from calibration.fit import make_client
        from simulation.sweep import local_cluster

        if what == "calibrate":
            client, cluster = make_client(2, None)
        else:
            cluster = local_cluster(2, dashboard_address=":0", silence_logs=40)
            client = Client(cluster)
        answers = client.gather([client.submit(probe, pure=False) for _ in range(4)])
        answers += list(client.run(probe).values())
        print("PROFILING" + json.dumps(list(client.run(profiling).values())))
        client.close()
        cluster.close()
    print("ANSWER" + json.dumps(answers))
"""


@pytest.mark.parametrize("what", ["calibrate", "sweep", "pool"])
def test_workers_use_their_share_of_the_cores(tmp_path, what):
    """Asked in their task threads and on start: kernel threads in use, and launched by numba."""
    script = tmp_path / "probe_workers.py"
    script.write_text(PROBE_SCRIPT)
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(script), what], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})
    line = [x for x in done.stdout.splitlines() if x.startswith("ANSWER")]
    assert line, done.stderr[-2000:]
    expected = threads.threads_per_worker(2)
    assert {tuple(a) for a in json.loads(line[0][6:])} == {(expected, expected)}
    if what != "pool":  # Dask's workers neither sample the tasks' stacks nor wake every 20 ms (threads.WORKER_CONFIG)
        profiling = [x for x in done.stdout.splitlines() if x.startswith("PROFILING")]
        # ...and close without a traceback of their own (threads.QuietWhileClosing)
        assert json.loads(profiling[0][9:]) == [[False, "1s", True], [False, "1s", True]]


def test_a_closing_worker_keeps_quiet_about_its_lost_connections_only():
    """A heartbeat cut short by the worker's own closing printed a traceback beside Ctrl+C's one line."""
    import logging

    from distributed.comm.core import CommClosedError
    from distributed.core import Status

    class Worker:
        status = Status.running

    worker = Worker()
    quiet = threads.QuietWhileClosing(worker)

    def record(error):
        return logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1, "heartbeat failed", None,
                                 (type(error), error, None))

    lost = record(CommClosedError("Stream is closed"))
    assert quiet.filter(lost)  # a running worker's lost scheduler is news
    worker.status = Status.closing
    assert not quiet.filter(lost)
    assert quiet.filter(record(ValueError("a real failure")))  # other errors are kept while closing too
