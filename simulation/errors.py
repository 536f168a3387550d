"""One family of errors, so the CLI can report any of them without a traceback.

Every message says what was given, what is allowed and how to fix it. The command
exits with 2 for bad input (`ScenarioError`, `DataError`, `OutputError`: something
the user gave, refused before anything runs) and with 1 for a failure while running
(`RunError`), so a script can tell "fix the call" from "try again".
"""


class MigsimError(Exception):
    """Base of every error migsim raises on purpose."""


class ScenarioError(MigsimError):
    """A scenario file is missing, malformed, or holds an unknown key or a bad value."""


class DataError(MigsimError):
    """An embedded data file is missing or does not hold what the model needs."""


class OutputError(MigsimError):
    """An output folder cannot or must not be written (a file, a system folder, someone else's files)."""


class RunError(MigsimError):
    """A run could not be carried out or its results could not be written."""
