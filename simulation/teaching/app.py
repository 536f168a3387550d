"""The teaching app (`migsim app`): a migration-theory laboratory in the browser.

`migsim app` serves the Solara page of `page.py` with Solara's server on this machine only
(localhost). The page, its model and its controls are described there and in the modules
beside it; the classroom exercises are in each preset's Info panel (`info.py`). The server runs in
this process until interrupted (Ctrl+C); it sends nothing outside this machine (Solara's
usage telemetry and version check are switched off).
"""

from __future__ import annotations

import importlib
import os
import socket

from ..errors import MigsimError, ScenarioError

DEFAULT_PORT = 8765
PAGE_MODULE = "simulation.teaching.page"


def register(subparsers) -> None:
    """Add the `app` command to the CLI."""
    p = subparsers.add_parser(
        "app", help="open the teaching app: theories of migration as switchable mechanisms, in the browser",
        description="Serve the teaching page on http://localhost:PORT (open it in a browser). "
                    "Stop with Ctrl+C.")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port on localhost to serve the page on (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--agents", type=int, default=None,
                   help="workers in the page's model (default 3000: small enough to run several months a second)")
    p.add_argument("--benchmark", action="store_true",
                   help="measure how many months per second the page's model runs (alone, and with the "
                        "chart data of every tab each month), print it and exit without serving")
    p.set_defaults(func=cmd_app)


def check_port(port: int) -> int:
    """The port to serve on, or a clear error if it is out of range or already taken."""
    if not 0 <= port <= 65535:
        raise ScenarioError(f"--port {port} is not allowed; give a port from 1024 to 65535 (or 0 for a free one).")
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise MigsimError(f"port {port} on localhost is already in use (another `migsim app`?); "
                              "choose another with --port, e.g. --port 8766.") from None
    return port


def warm_up(agents: int) -> None:
    """Build and step the page's model once, with a shock and every chart's data, before serving.

    The model's kernels compile on first use (a minute or more on a fresh machine, then read
    from numba's cache). Done while the first page was loading, that made the first visit time
    out; done here, the server starts listening only when a page can be served at once. The
    compiled kernels stay in this process, which is the server's.
    """
    from ..i18n import translator
    from .charts import TIME_CHARTS, map_data, time_data
    from .session import Session

    importlib.import_module(PAGE_MODULE)  # the page and its web framework, imported once here
    session = Session(agents=agents)
    session.advance(2)
    session.shock("sanctions")
    snap = session.advance(1)
    _ = translator("en")
    map_data(snap, "en", _)
    for key in TIME_CHARTS:
        time_data(key, snap, "en", _)


def cmd_app(args) -> int:
    from .presets import APP_AGENTS

    agents = APP_AGENTS if args.agents is None else args.agents
    if not 100 <= agents <= 200_000:
        raise ScenarioError(f"--agents {agents} is not allowed; give from 100 to 200,000 workers "
                            "(the page is meant for a small population that runs smoothly).")
    if args.benchmark:
        from .benchmark import benchmark

        r = benchmark(agents=agents)
        print(f"page model, {agents:,} workers: {r['model_only']:.0f} months/s stepping alone; "
              f"{r['with_snapshot']:.0f} months/s with a snapshot and the chart data of every tab each month.")
        return 0
    port = check_port(args.port)
    # Settings Solara reads when its server module is imported: set them first.
    os.environ["MIGSIM_APP_AGENTS"] = str(agents)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "False"  # the "runs on Solara" footer covered a chart
    os.environ.setdefault("MPLBACKEND", "Agg")
    print("migsim app: preparing the model (the first start on a machine compiles its kernels)...", flush=True)
    warm_up(agents)
    try:
        from solara.__main__ import cli
    except ImportError as exc:
        raise MigsimError(f"the teaching app needs the 'solara' package ({exc}); run `bash setup.sh` "
                          "to install migsim's dependencies.") from None
    print(f"migsim app: open http://localhost:{port} in a browser (Ctrl+C stops the server).", flush=True)
    cli.main(args=["run", PAGE_MODULE, "--host", "localhost", "--port", str(port), "--production",
                   "--no-check-version", "--no-open", "--log-level", "warning"],
             prog_name="migsim app", standalone_mode=False)
    return 0
