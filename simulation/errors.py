"""One family of errors, so the CLI can report any of them without a traceback.

Every message says what was given, what is allowed and how to fix it.
"""


class MigsimError(Exception):
    """Base of every error migsim raises on purpose."""


class ScenarioError(MigsimError):
    """A scenario file is missing, malformed, or holds an unknown key or a bad value."""


class DataError(MigsimError):
    """An embedded data file is missing or does not hold what the model needs."""


class RunError(MigsimError):
    """A run could not be carried out or its results could not be written."""
