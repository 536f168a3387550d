"""One family of errors, so the CLI can report any of them without a traceback.

Every message says what was given, what is allowed and how to fix it. The command
exits with 2 for bad input (`ScenarioError`, `DataError`, `OutputError`: something
the user gave, refused before anything runs) and with 1 for a failure while running
(`RunError`), so a script can tell "fix the call" from "try again". Ctrl+C exits with 130
and says what the command leaves behind (`interrupted`). Every file argument is refused in the
same words when it is there but is no file to read (`not_a_file`).
"""

import os
import stat
from pathlib import Path


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


def not_a_file(path) -> str | None:
    """What `path` is when it is there but is no regular file: 'is a folder', or 'is not a regular
    file (a pipe, socket or device)'; None for a regular file and for a path that is not there (each
    reader says what to make instead). Every file argument asks before reading: a named pipe would
    make the command wait for ever, a device might never end, and a folder is not 'no such file'."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # not there, or a name no file can have
        return None
    if stat.S_ISREG(mode):
        return None
    return "is a folder" if stat.S_ISDIR(mode) else "is not a regular file (a pipe, socket or device)"


def interrupted(command: str, out: str | None) -> str:
    """What a command stopped by Ctrl+C leaves: a sweep keeps its finished runs and a calibration
    its finished waves, each to be resumed; the other commands write nothing until they are done."""
    if command == "sweep" and out and any(Path(out).glob("part-*.parquet")):
        return f"the runs finished so far are kept in {out}; the same command goes on from there."
    if command == "calibrate" and out and (Path(out) / "history").is_dir():
        return f"the waves finished so far are kept in {Path(out) / 'history'}; add --resume to go on."
    return "no results were written."
