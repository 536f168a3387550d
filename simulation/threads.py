"""How many threads the compiled kernels use in each worker process.

Replications, sweeps and calibrations run one model per worker process, and the
processes, not the threads inside them, should share the cores: two workers on two
cores each running a two-thread kernel spend their time waiting for each other
(measured: a calibration ran 2.7 times slower so). Setting `NUMBA_NUM_THREADS` in
the worker's environment is not enough on its own: numba reads it once, when it is
first imported, and a spawned worker re-imports the parent's main module (the `migsim`
script imports numba) before a Dask nanny applies its `env`. And numba's thread count
is kept per thread, while Dask runs tasks in a thread of its own.

So the setting travels two ways, and either is enough:

1. the environment of the parent is set while it spawns the workers (`spawning_with`),
   so numba starts with that many threads in every new process;
2. `MIGSIM_KERNEL_THREADS` in a worker's environment is applied by every model built
   there, in the thread that runs it (`follow_worker_setting`), so a worker started in
   any other way (a Dask nanny's `env`, a restarted worker) obeys it too.

A process nobody configured (a plain `migsim run`) keeps numba's default: all cores.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import contextmanager

ENV = "MIGSIM_KERNEL_THREADS"
# numba reads NUMBA_NUM_THREADS; the others bound the BLAS and OpenMP pools of numpy and scipy.
_LIBRARY_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads_per_worker(workers: int) -> int:
    """Kernel threads for each of `workers` processes sharing this machine's cores.

    A `NUMBA_NUM_THREADS` the user exported is a ceiling, as it is for numba itself.
    """
    share = max(1, usable_cores() // max(int(workers), 1))
    try:
        return max(1, min(share, int(os.environ.get("NUMBA_NUM_THREADS", share))))
    except ValueError:
        return share


def worker_environment(threads: int) -> dict[str, str]:
    """Environment variables that make a new process use `threads` kernel threads."""
    value = str(max(int(threads), 1))
    return {ENV: value, **{name: value for name in _LIBRARY_VARIABLES}}


@contextmanager
def spawning_with(env: dict[str, str]):
    """Set `env` in this process while workers are spawned, then restore what was there."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def follow_worker_setting() -> int | None:
    """Apply `MIGSIM_KERNEL_THREADS` to the calling thread's numba kernels; the count, or None.

    Called when a model is built, so it holds in whichever thread runs the model.
    Never above what numba launched (`numba.config.NUMBA_NUM_THREADS`).
    """
    value = os.environ.get(ENV)
    if not value:
        return None
    import numba  # only in a worker process that was given a share: numba reads its threads at import

    try:
        wanted = int(value)
    except ValueError:
        return None
    threads = min(max(wanted, 1), numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(threads)
    return threads


@contextmanager
def deaf_to_ctrl_c():
    """Processes spawned inside this block ignore Ctrl+C; this one hears it again after.

    A terminal's Ctrl+C reaches every process of the command's group: the workers of a
    sweep or calibration then each died with a KeyboardInterrupt traceback of their own
    beside the command's one-line "interrupted". An ignored signal stays ignored in a
    spawned process (and Python then installs no handler of its own), so only the
    command hears it, and it stops its workers itself. A Ctrl+C in the second or two the
    workers take to start is lost; the next one is heard.
    """
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def init_pool_worker(threads: int) -> None:
    """`initializer` of a process pool: the worker's kernels use `threads` threads, and Ctrl+C
    is left to the command, which stops the pool (see `deaf_to_ctrl_c`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ[ENV] = str(max(int(threads), 1))
    follow_worker_setting()


@contextmanager
def process_pool(jobs: int):
    """A spawn pool of `jobs` processes whose kernels share the cores.

    spawn, not fork: the compiled kernels' OpenMP threads do not survive a fork. The
    environment is set for the pool's whole life, since a spawn pool starts its
    processes at the first submission, not when it is made.
    """
    # Imports inside functions here: only the pool path needs them, not every model.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    threads = threads_per_worker(jobs)
    with spawning_with(worker_environment(threads)):
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=init_pool_worker, initargs=(threads,))
        try:
            yield pool
        except BaseException:
            # Ctrl+C or a failure: the workers ignore Ctrl+C, so stop them here rather than wait
            # for their runs to finish.
            pool.shutdown(wait=False, cancel_futures=True)
            for child in multiprocessing.active_children():
                child.terminate()
            raise
        pool.shutdown(wait=True)


# Dask's workers sample the stack of the thread running a task every 10 ms for their
# dashboard's profile. The model's runs are long chains of short Python calls, and each
# sample takes the interpreter's lock from them: measured, a calibration sampled 145 runs a
# minute with it and 177 without (benchmarks/calibration_rate.py, 2 workers, 10,000 agents).
# Every Dask process also wakes its event loop every 20 ms to check that the loop is not
# blocked; in a worker, each wake-up takes the interpreter's lock from the run as well. Once
# a second is enough for a check whose warning starts at 3 s blocked: 195-199 runs a minute
# became 207-208 (the same benchmark, alternated).
# Each worker also loads this module on start (`dask_setup` below) to keep its closing quiet.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                 "distributed.worker.preload": [__name__]}


class QuietWhileClosing(logging.Filter):
    """Drops a worker's error about a lost connection once the worker is closing.

    Stopping a local cluster (a command's end, or Ctrl+C) closes each worker's connections;
    a heartbeat to the scheduler that is on its way at that moment then ends in a logged
    "Failed to communicate with scheduler during heartbeat" and a traceback on the user's
    terminal, beside the command's own one-line message. Errors of a running worker, and
    errors other than a lost connection, are kept.
    """

    def __init__(self, worker):
        super().__init__()
        self.worker = worker

    def filter(self, record: logging.LogRecord) -> bool:
        from distributed.core import Status

        error = record.exc_info[1] if record.exc_info else None
        closing = getattr(self.worker, "status", None) in (Status.closing, Status.closed, Status.closing_gracefully)
        return not (closing and isinstance(error, OSError))  # Dask's CommClosedError is an OSError


def dask_setup(worker) -> None:
    """Run by each worker of a local cluster on start (Dask's preload, `WORKER_CONFIG`).

    The filter sits on the handlers that print Dask's log (those of the `distributed` logger),
    so it sees the records of every part of the worker (its heartbeat, its connections).
    """
    quiet = QuietWhileClosing(worker)
    for handler in logging.getLogger("distributed").handlers:
        handler.addFilter(quiet)


def local_cluster(workers: int, **kwargs):
    """A Dask `LocalCluster` of `workers` single-threaded processes whose kernels share the cores.

    The workers neither profile the tasks they run nor check their event loop every 20 ms
    (`WORKER_CONFIG`): a nanny hands its own Dask configuration to the worker it starts, so
    the setting is made while they start.
    """
    import dask
    from dask.distributed import LocalCluster

    env = worker_environment(threads_per_worker(workers))
    with spawning_with(env), dask.config.set(WORKER_CONFIG), deaf_to_ctrl_c():
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, env=env, **kwargs)


def probe() -> dict[str, int]:
    """This thread's kernel threads and the count numba launched (asked of workers in tests)."""
    import numba

    return {"threads": int(numba.get_num_threads()), "launched": int(numba.config.NUMBA_NUM_THREADS),
            "pid": os.getpid()}
