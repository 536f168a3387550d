"""Output folders: checked before anything runs, written whole, never someone else's.

A results folder is replaced whole when a command finishes, so it must never be a
folder holding anything migsim did not write. Every folder migsim writes carries a
marker file (`.migsim-results`); `check_out` refuses, before any simulation starts,
an `--out` that is empty text, the current folder (or one above it), a file, a
system folder (/proc, /sys, /dev), a place migsim cannot write, a folder it could not
finish with (one it cannot write into, marked immutable or append-only, or, where it is
replaced whole, a mount point, which cannot be renamed), or a non-empty folder without the
marker. A folder with the marker (earlier results of migsim) is
replaced only with `--force`, and even then only when the folder holds nothing but what
migsim wrote there: when `atomic_dir` finishes a folder, the marker lists the command that
wrote it and every file and folder in it, and a folder holding anything the list does not
name (or marked by a migsim that kept no list, or written by another command) is refused.
`check_apart` refuses an `--out` that is, holds or lies inside one of the command's inputs.

`atomic_dir` writes into a hidden temporary folder beside the destination, named
`.<name>.partial-<host>-<pid>-<random>` and marked at once, then swaps it with the
destination in one atomic exchange (Linux `renameat2`; two renames elsewhere), so
at every moment the destination holds either the previous results or the new ones.
A run killed half-way leaves only that hidden folder; the next write to the same
destination removes it (only when its process is gone and it carries the marker, or
is empty) and, if a kill fell between the two renames of the fallback, puts the
previous results back. Should the swap itself fail (the destination made immutable or mounted
on during the run), the finished results stay in the hidden folder, which the command names
and later writes leave alone (its marker lists its files: it is finished, not partial).
Folders are created with the permissions the umask allows (0755 under the usual umask), so
colleagues can read shared results.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import socket
import stat
import struct
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError, RunError

MARKER = ".migsim-results"
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<what>partial|old)-(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-[A-Za-z0-9_]+$")


_command: str | None = None  # the migsim command writing in this process (recorded in the marker)


def set_command(name: str | None) -> None:
    """Name the command whose folders are written from now on (the CLI does; None: the Python API)."""
    global _command
    _command = name


def _say(flag: str, text: str) -> str:
    return f"{flag} {text}" if flag else text


def expand(text: str, flag: str = "--out") -> Path:
    """`text` with a leading `~` or `~user` made a home folder, as a shell would; one that names no
    home here (an unknown user, or no HOME) is refused, where `Path.expanduser` would raise."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        head = text.split("/", 1)[0]
        who = f"no user '{head[1:]}' on this machine" if head[1:] else "HOME is not set"
        raise OutputError(f"{_say(flag, text)}: '{head}' names no home folder ({who}); give the path without "
                          f"'{head}', e.g. {flag} results/try.") from None


def read_mark(folder) -> tuple[str | None, set[str] | None]:
    """The command a marked folder names, and the files and folders (ending in '/') its marker lists
    (None: no list, as in folders migsim writes into over time, or marked by an older migsim)."""
    try:
        text = (Path(folder) / MARKER).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, None
    command, files = None, None
    for line in text.splitlines():
        if files is not None and line.startswith("  "):
            files.add(line[2:])
        elif line.startswith("command: "):
            command = line[len("command: "):].strip()
        elif line == "files:":
            files = set()
    return command, files


def _walk(folder: Path, listed: set[str] | None = None) -> list[str]:
    """Relative names under `folder` (folders end in '/'), the marker left out; with `listed`, only
    those it does not name (a folder it does not name is given once, without its content)."""
    found = []
    for root, dirs, files in os.walk(folder):
        rel = os.path.relpath(root, folder)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        found += [prefix + f for f in files if prefix + f != MARKER and (listed is None or prefix + f not in listed)]
        unlisted = [d for d in dirs if listed is None or prefix + d + "/" not in listed]
        found += [prefix + d + "/" for d in unlisted]
        if listed is not None:
            dirs[:] = [d for d in dirs if d not in unlisted]
    return sorted(found)


def _check_command(path: Path, flag: str, text: str, doing: str = "replace it") -> None:
    """Refuse a marked folder that another command wrote: its files are that command's, which this
    one would replace or, writing into the folder over time (a calibration), mix its own with."""
    command, _ = read_mark(path)
    if command and _command and command != _command:
        raise OutputError(f"{_say(flag, text)}: holds the output of `migsim {command}`, not of `migsim {_command}`, "
                          f"so migsim will not {doing}, even with --force; choose another {flag or 'folder'}.")


def _check_replace(path: Path, flag: str, text: str) -> None:
    """Refuse to replace a marked folder that another command wrote or that holds files migsim did not."""
    _check_command(path, flag, text)
    _, listed = read_mark(path)
    foreign = _walk(path, listed or set())
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        why = ("holds files migsim did not write there" if listed is not None else
               f"has a {MARKER} file that lists no files (an older migsim's, or a folder written into over time), "
               "so migsim cannot tell its files from others'")
        raise OutputError(f"{_say(flag, text)}: {why} ({shown}); migsim will not replace it, even with --force: "
                          f"move them elsewhere or choose another {flag or 'folder'}.")


def check_apart(out, inputs=(), outputs=(), flag: str = "--out") -> None:
    """Refuse an output folder that is, holds or lies inside an input of the command, or that holds
    another file the command writes (e.g. --save-state): the folder is replaced whole at the end.
    `inputs`, `outputs`: (label, path) pairs; a path of None is skipped."""
    text = "" if out is None else str(out)
    if not text.strip():
        return  # `check_out` refuses it
    real = Path(os.path.realpath(os.path.abspath(expand(text, flag))))
    for kind, pairs in (("reads", inputs), ("writes", outputs)):
        for label, given in pairs:
            if given is None or not str(given).strip():
                continue
            try:  # a `~user` of no known user is compared as written
                path = Path(os.path.realpath(os.path.abspath(Path(str(given)).expanduser())))
            except RuntimeError:
                path = Path(os.path.realpath(os.path.abspath(str(given))))
            if kind == "writes" and (path == real or real in path.parents):
                raise OutputError(f"{label} {given}: lies inside {flag} {text}, which migsim replaces whole when the "
                                  f"command ends; put it elsewhere (outside {text}).")
            if path == real or real in path.parents:
                raise OutputError(f"{flag} {text}: holds {label} {given}, which this command reads, and migsim "
                                  f"replaces {flag} whole; choose another {flag}.")
            if path in real.parents:
                raise OutputError(f"{flag} {text}: lies inside {label} {given}, which this command reads; choose "
                                  f"a {flag} outside it.")


def expand_out(args) -> None:
    """Make a `~` or `~user` leading --out a home folder in the arguments themselves, as a shell
    would: quoted past the shell, it was checked as the home folder and written as a folder '~'."""
    if isinstance(getattr(args, "out", None), str) and args.out.startswith("~"):  # '' stays '', refused as such
        args.out = str(expand(args.out))


def check_names(pairs) -> None:
    """Refuse a path with a file or folder name longer than file systems allow (255 bytes), which would
    end in an OSError (File name too long) wherever it is first looked at. `pairs`: (label, path or list)."""
    for label, value in pairs:
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and any(len(os.fsencode(part)) > 255 for part in Path(v).parts):
                shown = v if len(v) <= 60 else v[:30] + "..." + v[-20:]
                raise OutputError(f"{label} {shown}: a file or folder name in it is longer than the 255 bytes file "
                                  "systems allow; give a shorter name.")


def check_out(out, *, force: bool = False, flag: str = "--out", what: str = "results",
              marks: tuple[str, ...] = (MARKER,)) -> Path:
    """Refuse an output folder that cannot or must not be written, before anything runs.

    Returns the folder as a Path. Raises `OutputError` (one line naming the folder and
    what to do) for: empty text, the current folder or one above it, a path under a
    system folder, an existing file, a non-empty folder without migsim's marker, a
    folder of earlier migsim results without `force`, one another command wrote or holding
    files migsim did not write (`_check_replace`), a place where no folder can be
    created (tried by making and removing an empty hidden folder there), and an existing
    folder the command could not finish with (`_check_finishable`). `marks`: the file
    names any one of which shows that migsim wrote the folder; names beyond the marker mean a
    folder migsim writes into and resumes (a sweep's, a calibration's), not one replaced whole,
    so its files are not checked against the marker's list; one another command marked is refused all the same.
    """
    text = "" if out is None else str(out)
    if not text.strip():
        raise OutputError(f"{flag} '': no folder named; give one, e.g. {flag} results/try.")
    path = expand(text, flag)
    absolute = Path(os.path.abspath(path))
    cwd = Path.cwd()
    if absolute == cwd or absolute in cwd.parents:
        raise OutputError(f"{_say(flag, text)}: is the current folder or one above it, and migsim replaces its "
                          f"output folder whole; name a new folder instead, e.g. {flag} results/try.")
    real = Path(os.path.realpath(absolute))
    for system in SYSTEM_FOLDERS:
        if real == system or system in real.parents:
            raise OutputError(f"{_say(flag, text)}: lies under {system}, a system folder; choose a folder of your own.")
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise OutputError(f"{_say(flag, text)}: exists and is not a folder; choose another {flag or 'folder'}.")
        try:
            entries = os.listdir(path)
        except OSError as exc:
            raise OutputError(f"{_say(flag, text)}: cannot be read ({exc.strerror}); choose another "
                              f"{flag or 'folder'}.") from None
        if entries and not set(marks) & set(entries):
            raise OutputError(f"{_say(flag, text)}: is not empty and was not written by migsim (no {MARKER} file "
                              f"in it), so migsim will not replace it; choose another {flag or 'folder'}.")
        if entries and tuple(marks) == (MARKER,):
            _check_replace(path, flag, text)
        elif entries:  # a folder written into over time is still never another command's
            _check_command(path, flag, text, "write into it")
        if entries and not force:
            raise OutputError(f"{_say(flag, text)}: holds earlier migsim {what}; add --force to replace them, "
                              f"or choose another {flag or 'folder'}.")
    ancestor = absolute.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{_say(flag, text)}: {ancestor} is a file, so no folder can be made under it; "
                          f"choose another {flag or 'folder'}.")
    _check_writable(ancestor, f"{_say(flag, text)}: cannot write in {ancestor}", f"choose another {flag or 'folder'}")
    if path.is_dir():
        _check_finishable(path, flag, text, what, replaced=tuple(marks) == (MARKER,))
    return path


_FS_IOC_GETFLAGS = (2 << 30) | (ctypes.sizeof(ctypes.c_long) << 16) | (ord("f") << 8) | 1  # Linux, _IOR('f', 1, long)
_LOCKS = ((0x10, "immutable", "i"), (0x20, "append-only", "a"))  # FS_IMMUTABLE_FL, FS_APPEND_FL: chattr +i, +a
_BSD_LOCKS = ((getattr(stat, "UF_IMMUTABLE", 0) | getattr(stat, "SF_IMMUTABLE", 0), "immutable", "i"),
              (getattr(stat, "UF_APPEND", 0) | getattr(stat, "SF_APPEND", 0), "append-only", "a"))


def _lock(folder: Path) -> tuple[str, str] | None:
    """The attribute that stops even root from renaming `folder` or removing what is in it: ('immutable',
    'i') or ('append-only', 'a') as chattr names them (chflags on BSD and macOS); None where it carries
    neither or the system cannot tell. Asked before writing a probe there: in an append-only folder
    the probe could not be removed."""
    try:
        bsd_flags = getattr(os.stat(folder), "st_flags", 0)
    except OSError:
        return None
    for bits, name, letter in _BSD_LOCKS:
        if bits and bsd_flags & bits:
            return name, letter
    try:
        import fcntl  # here, not at the top: Unix only (Windows has none)

        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except (ImportError, OSError):
        return None
    try:
        flags = struct.unpack("i", fcntl.ioctl(fd, _FS_IOC_GETFLAGS, bytes(8))[:4])[0]
    except OSError:  # a file system without these attributes
        return None
    finally:
        os.close(fd)
    return next(((name, letter) for bit, name, letter in _LOCKS if flags & bit), None)


def _mount_points() -> set[str]:
    """Where file systems are mounted (Linux's /proc/self/mountinfo; empty elsewhere), bind mounts of a
    folder onto itself included, which `os.path.ismount` cannot tell from a plain folder."""
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return set()
    unescape = re.compile(r"\\([0-7]{3})")
    return {unescape.sub(lambda m: chr(int(m[1], 8)), line.split()[4]) for line in lines if len(line.split()) > 4}


def _check_writable(folder: Path, refusal: str, advice: str) -> None:
    """Refuse a folder migsim cannot make, rename and remove files in, by making and removing an empty
    hidden folder there (permissions alone cannot tell: root ignores them, and neither a read-only mount
    nor an attribute shows in them). `refusal` begins the message, e.g. '--out x: cannot write in y'."""
    lock = _lock(folder)
    if lock:
        raise OutputError(f"{refusal}, as it is marked {lock[0]} (chattr +{lock[1]}), which lets no one, root "
                          f"included, rename or remove anything in it; {advice}, or lift the mark (chattr "
                          f"-{lock[1]} {folder}).")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".migsim-probe-", dir=folder))
    except OSError as exc:
        raise OutputError(f"{refusal} ({exc.strerror}); {advice}.") from None


def _check_finishable(path: Path, flag: str, text: str, what: str, replaced: bool) -> None:
    """Refuse an existing folder the command could not finish with, found now rather than after the
    run: one it cannot write into and, when it is replaced whole (`replaced`), a mount point, which
    no rename can move."""
    advice = f"choose another {flag or 'folder'}"
    _check_writable(path, f"{_say(flag, text)}: cannot be written into", advice)
    if replaced and (os.path.ismount(path) or os.path.realpath(path) in _mount_points()):
        raise OutputError(f"{_say(flag, text)}: is a mount point, and migsim puts its {what} in place by renaming "
                          f"a folder over it, which a mount point does not allow; name a folder inside it "
                          f"(e.g. {flag or 'folder'} {Path(text) / 'results'}) or {advice}.")


def _alive(host: str, pid: int) -> bool:
    if host != _HOST:
        return True  # another machine's process (a shared disk): not ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out_dir: Path) -> list[Path]:
    """Remove the hidden temporary folders a killed write to `out_dir` left behind.

    Only folders named as `atomic_dir` names them, whose process has ended, and that are
    empty or carry the marker are touched. If the destination is missing and a stale
    `.old-` folder holds the previous results (a kill between two renames), it is put back.
    Returns what was removed or restored.
    """
    out_dir = Path(out_dir)
    parent = out_dir.parent
    done: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return done
    for entry in sorted(entries):
        m = _TEMP.match(entry.name)
        if not m or m["name"] != out_dir.name or not entry.is_dir() or entry.is_symlink():
            continue
        if _alive(m["host"], int(m["pid"])):
            continue
        try:
            if not any(entry.iterdir()):
                entry.rmdir()
            elif not (entry / MARKER).is_file():
                continue
            elif m["what"] == "partial" and read_mark(entry)[1] is not None:
                continue  # finished results that could not be put in place; the command said where they are
            elif m["what"] == "old" and not out_dir.exists():
                entry.rename(out_dir)
            else:
                shutil.rmtree(entry)
        except OSError:
            continue
        done.append(entry)
    return done


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _readable(folder: Path) -> None:
    """Give the folders the umask's permissions (mkdtemp makes them 0700)."""
    mode = 0o777 & ~_umask()
    for root, dirs, _ in os.walk(folder):
        os.chmod(root, mode)
        for d in dirs:
            os.chmod(os.path.join(root, d), mode)


_RENAME_EXCHANGE = 2
try:
    _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
except (OSError, AttributeError):  # not Linux, or a C library without it
    _renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step; False where the system cannot."""
    if _renameat2 is None:
        return False
    at_cwd = -100
    return _renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE) == 0


def mark(folder: Path, what: str = "results", files: list[str] | None = None) -> None:
    """Write the marker that tells migsim's own folders from anyone else's: the command that wrote
    it and `files`, what migsim wrote in it (`atomic_dir` lists them when the folder is done)."""
    lines = [f"Written by migsim ({what}). migsim replaces this folder only when asked to (--force)."]
    lines += [f"command: {_command}"] if _command else []
    lines += ["files:", *(f"  {name}" for name in files)] if files is not None else []
    (Path(folder) / MARKER).write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextmanager
def claimed(folder: Path, what: str):
    """Mark `folder` as migsim's before a command writes into it over time (a calibration's history):
    stopped half-way, it can then be resumed or started again there, which the folder checks refuse
    for a folder without the marker. Stopped before anything else is written there, the command takes
    back what this wrote: the marker it added and the folders it made (a folder holding only a marker
    holds no results, yet would be refused to every other command)."""
    folder = Path(folder)
    made = [p for p in (folder, *folder.parents) if not (p.exists() or p.is_symlink())]  # the deepest first
    added = not (folder / MARKER).exists()
    folder.mkdir(parents=True, exist_ok=True)
    mark(folder, what)
    try:
        yield folder
    except BaseException:
        try:
            if added and os.listdir(folder) == [MARKER]:
                (folder / MARKER).unlink()
                for path in made:
                    path.rmdir()  # one that is not empty (something else appeared in it) stays
        except OSError:
            pass
        raise


def _refuse_to_replace(out_dir: Path) -> None:
    if out_dir.exists() or out_dir.is_symlink():
        if not out_dir.is_dir():
            raise OutputError(f"{out_dir}: exists and is not a folder; choose another --out.")
        if any(out_dir.iterdir()):
            if not (out_dir / MARKER).is_file():
                raise OutputError(f"{out_dir}: is not empty and was not written by migsim (no {MARKER} file in "
                                  "it), so migsim will not replace it; choose another --out.")
            _check_replace(out_dir, "", str(out_dir))


@contextmanager
def atomic_dir(out_dir: Path, what: str = "results"):
    """Yield a marked temporary folder that replaces `out_dir` at once on success.

    Results are written whole or not at all: on any error the temporary folder is removed
    and an existing `out_dir` is left as it was. A non-empty `out_dir` without the marker
    is never replaced, nor one holding files its marker does not list (checked again here, after
    the run, and just before the swap, in case they appeared meanwhile).
    """
    out_dir = Path(out_dir)
    parent = out_dir.parent
    clean_stale(out_dir)
    _refuse_to_replace(out_dir)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-{_HOST}-{os.getpid()}-", dir=parent))
        mark(tmp, what)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the {what} folder ({exc.strerror}); choose another --out.") from None
    try:
        yield tmp
        mark(tmp, what, _walk(tmp))
        _readable(tmp)
        _refuse_to_replace(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _put_in_place(tmp, out_dir, what)


def _put_in_place(tmp: Path, out_dir: Path, what: str) -> None:
    """Swap the finished `tmp` with `out_dir` (or rename it there). Where the system refuses (the
    destination made immutable or mounted on during the run), the results are not thrown away:
    they stay in `tmp`, which the message names, and the previous content stays where it was."""
    old = out_dir.parent / f".{out_dir.name}.old-{_HOST}-{os.getpid()}-{tmp.name.rsplit('-', 1)[-1]}"
    moved = False  # the previous content is in `old`, not at `out_dir`
    try:
        if not out_dir.exists():
            tmp.rename(out_dir)
        elif _exchange(tmp, out_dir):
            shutil.rmtree(tmp, ignore_errors=True)  # now the previous results, marked or empty
        else:
            out_dir.rename(old)
            moved = True
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        if moved:
            try:
                old.rename(out_dir)
                moved = False
            except OSError:
                pass
        before = f"; its previous content is in {old}" if moved else ""
        raise RunError(f"{out_dir}: the finished {what} could not be put there ({exc.strerror}); they are kept "
                       f"in {tmp}{before}: move that folder where you want it, e.g. mv {tmp} "
                       f"{out_dir.parent / (out_dir.name + '-new')}.") from None
