"""How the code is put together: imports go one way, modules use each other's public names only."""

import ast
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from simulation.events import KINDS
from simulation.levers import Levers
from simulation.policy import ACTIONS

SIMULATION = Path(__file__).resolve().parent.parent / "simulation"
MODULES = sorted(SIMULATION.glob("*.py"))


def _runtime_imports(path: Path) -> set[str]:
    """Sibling modules a module imports when it runs (not those under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text())
    found = set()

    def visit(node, checking=False):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            checking = True
        if isinstance(node, ast.ImportFrom) and node.level == 1 and not checking:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, checking)

    visit(tree)
    return found


def test_the_schema_of_events_does_not_import_the_model():
    code = ("import sys, simulation.events; "
            "print(sorted(m for m in sys.modules if m.startswith('simulation')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for heavy in ("simulation.model", "simulation.month", "simulation.policy", "simulation.economy"):
        assert f"'{heavy}'" not in out, f"importing simulation.events imports {heavy}"


def test_no_import_cycle_among_the_modules():
    graph = {p.stem: _runtime_imports(p) for p in MODULES}
    state: dict[str, int] = {}

    def walk(module, path):
        if state.get(module) == 1:
            raise AssertionError("import cycle: " + " -> ".join(path + [module]))
        if state.get(module) == 2 or module not in graph:
            return
        state[module] = 1
        for dep in sorted(graph[module]):
            walk(dep, path + [module])
        state[module] = 2

    for module in graph:
        walk(module, [])


def test_no_private_names_used_across_modules():
    siblings = {p.stem for p in MODULES}
    for path in MODULES:
        text = path.read_text()
        for match in re.finditer(r"from \.(\w*) import ([^\n(]+|\([^)]*\))", text):
            names = re.findall(r"\b(\w+)\b(?: as \w+)?", match.group(2))
            assert not [n for n in names if n.startswith("_") and not n.startswith("__")], f"{path.name}: {match.group(0)}"
        for module, name in re.findall(r"\b(\w+)\._([a-z]\w*)\(", text):
            assert module not in siblings, f"{path.name} calls {module}._{name}, private to {module}.py"


def test_every_event_kind_has_actions_and_every_action_a_kind():
    assert set(ACTIONS) == set(KINDS)
    levers = {f.name for f in fields(Levers)}
    for name, kind in KINDS.items():
        assert not kind.sets or set(kind.sets.values()) <= levers, f"{name} sets a lever that does not exist"
        assert not kind.sets or set(kind.sets) <= set(kind.settings), f"{name} sets from an unknown setting"
    for name, action in ACTIONS.items():
        assert action.begin or action.monthly, f"{name} does nothing"


def test_no_module_over_500_lines():
    long = {p.name: n for p in MODULES if (n := len(p.read_text().splitlines())) > 500}
    assert not long, f"modules over 500 lines: {long}"


# The teaching app's modules are on their way into a sub-package of their own; they are held
# to this rule once there.
APP_MODULES = {"app.py", "app_page.py", "teaching.py"}
WHY_HERE = "imports inside functions"  # a module-wide comment that says why, as cli.py has


def test_imports_inside_functions_say_why():
    for path in MODULES:
        if path.name in APP_MODULES:
            continue
        text = path.read_text()
        lines = text.splitlines()
        module_wide = WHY_HERE in text.lower()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    line, above = lines[sub.lineno - 1], lines[sub.lineno - 2].strip()
                    explained = "#" in line or above.startswith("#") or module_wide
                    assert explained, f"{path.name}:{sub.lineno}: an import inside a function, with no comment why"
