"""The notebook series as a batch job: pair, execute with papermill, summarize (``make figures``).

``python -m avscene.course.pipeline figures --profile cpu`` converts every ``notebooks/NN_*.py`` (jupytext
percent format, the source) to ``.ipynb``, runs them in order with papermill (``PROFILE`` injected),
keeps the executed copies in ``build/executed/<profile>/`` and prints a table of minutes, a status and
key metrics read from each notebook's ``metrics.json``. ``python -m avscene.course.pipeline sync [--check]``
regenerates (or checks) the output-free ``.ipynb`` twins that Colab opens; each twin's metadata asks Colab for
a T4 GPU runtime (:data:`COLAB_METADATA`), so a notebook opened from its badge starts on one.

A batch run never waits forever: each cell gets at most ``--timeout SECONDS`` (default
:data:`CELL_TIMEOUT_S`; ``0`` = no limit, the default of the paper-size ``gpu`` profile). While it runs,
the cells' own output streams to the terminal and every code cell adds a progress line of its own,
``[03_pretraining] cell 8/31 started: result = shift.pretrain(cfg, retrain=RETRAIN, ...`` and
``[03_pretraining] cell 8/31 done in 702.4 s (total 14:05)``. Cells are numbered among the code cells
that execute, papermill's ``injected-parameters`` cell included, so ``cell k`` is ``In [k]`` of the
executed notebook. A notebook that does not finish is reported in the summary with the cell that
stopped it, and the next notebooks still run (the exit code is 1 when any notebook is not ``ok``)::

    ok
    TIMEOUT (cell 7/31 after 1800 s)
    KILLED (cell 7/31: kernel died)
    FAILED (cell 7/31: AssertionError: first line of the message)

The executed kernels inherit ``AVSCENE_PROFILE=<profile>`` and ``AVSCENE_BATCH=1`` from this process
(both restored afterwards): library code reads ``AVSCENE_BATCH`` to know that no one is looking, so it
must not build interactive widgets (which would wait for a browser that never comes).
"""
from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..runtime import BATCH_ENV_VAR  # "1" for the kernels that ``figures`` starts: no widgets

REPO = Path(__file__).resolve().parents[3]
NOTEBOOKS = REPO / "notebooks"
BUILD = REPO / "build"

CELL_TIMEOUT_S = 1800
"""Default limit, in seconds, on one cell under ``make figures``: the longest cell of the ``cpu`` profile,
the shift-network pretraining in ``03_pretraining``, takes about 12 minutes on a 2-core laptop, so 30
minutes leaves room for a slower machine while a stalled cell still stops the run within the hour."""
NO_CELL_TIMEOUT_PROFILES = ("gpu",)
"""Profiles whose training cells run for days: no cell limit unless ``--timeout`` gives one."""
COLAB_METADATA: dict[str, Any] = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}
"""Notebook metadata of every ``.ipynb`` twin: Colab opens it on a T4 GPU runtime (the ``colab`` profile)."""


def sources(notebooks: Path = NOTEBOOKS) -> list[Path]:
    """The series in order: ``notebooks/NN_slug.py``."""
    return sorted(p for p in notebooks.glob("[0-9][0-9]_*.py"))


def to_ipynb(py: Path) -> Any:
    """The notebook ``py`` (jupytext percent format) as written to its ``.ipynb`` twin: with :data:`COLAB_METADATA`."""
    import jupytext

    nb = jupytext.read(py)
    nb.metadata.update(copy.deepcopy(COLAB_METADATA))
    return nb


def _cells(nb: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", ())))
            for c in nb.cells]


def pair_problems(py: Path) -> list[str]:
    """Why ``py`` and its ``.ipynb`` twin disagree (empty when in sync, output-free and asking for a GPU)."""
    import nbformat

    ipynb = py.with_suffix(".ipynb")
    if not ipynb.exists():
        return [f"{ipynb.name} is missing: run `make notebooks`"]
    expected, actual = to_ipynb(py), nbformat.read(ipynb, as_version=4)
    problems = []
    if _cells(expected) != _cells(actual):
        problems.append(f"{ipynb.name} differs from {py.name}: run `make notebooks`")
    if any(c.get("outputs") or c.get("execution_count") for c in actual.cells if c.cell_type == "code"):
        problems.append(f"{ipynb.name} has outputs: commit it output-free (`make notebooks`)")
    if actual.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{ipynb.name} has no python3 kernelspec")
    if any(actual.metadata.get(k) != v for k, v in COLAB_METADATA.items()):
        problems.append(f"{ipynb.name} does not ask Colab for a T4 GPU runtime: run `make notebooks`")
    return problems


def sync(check: bool = False, notebooks: Path = NOTEBOOKS) -> int:
    """Write each ``.ipynb`` from its ``.py`` (or, with ``check``, only report pairs out of sync)."""
    import jupytext

    bad = 0
    for py in sources(notebooks):
        problems = pair_problems(py)
        if not problems:
            continue
        if check:
            bad += 1
            print("\n".join(problems))
        else:
            jupytext.write(to_ipynb(py), py.with_suffix(".ipynb"), fmt="ipynb")
            print(f"wrote {py.with_suffix('.ipynb')}")
    return 1 if bad else 0


def _key_metrics(stem: str, limit: int = 4) -> str:
    from .outputs import figures_root

    path = figures_root() / stem / "metrics.json"
    if not path.exists():
        return ""
    doc = json.loads(path.read_text())
    names = [c["name"] for c in doc.get("checks", [])] or list(doc.get("metrics", {}))
    items = []
    for name in names[:limit]:
        value = doc["metrics"].get(name)
        items.append(f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}")
    return ", ".join(items)


def cell_timeout(profile: str, timeout: int | None = None) -> int | None:
    """The per-cell limit in seconds for ``profile`` (``None``: no limit); ``timeout`` overrides, ``0`` = none."""
    if timeout is None:
        timeout = 0 if profile in NO_CELL_TIMEOUT_PROFILES else CELL_TIMEOUT_S
    return int(timeout) if timeout and timeout > 0 else None


def _clock(seconds: float) -> str:
    minutes, s = divmod(int(seconds), 60)
    hours, m = divmod(minutes, 60)
    return f"{hours}:{m:02d}:{s:02d}" if hours else f"{m}:{s:02d}"


def _first_line(text: str, limit: int = 60) -> str:
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[:limit - 3] + "..."


class _Terminal:
    """Where a run talks: the cells' own output as it comes, and this module's ``[stem] ...`` lines.

    Progress lines always start on a line of their own, even after a cell printed half a line.
    """

    def __init__(self) -> None:
        self.stem = ""
        self.at_line_start = True

    def write(self, text: str, stream: Any = None) -> None:
        if not text:
            return
        stream = stream or sys.stdout
        stream.write(text)
        stream.flush()
        self.at_line_start = text.endswith("\n")  # after a bare "\r" (a progress bar) too, start afresh

    def say(self, line: str, stream: Any = None) -> None:
        self.write(("" if self.at_line_start else "\n") + f"[{self.stem}] {line}\n", stream)


class _PapermillOutput(logging.Handler):
    """Shows what papermill logs with ``log_output=True``: the cells' stdout (level INFO) and stderr
    (WARNING) as they stream, plus papermill's and nbclient's own warnings and errors. Papermill's
    other INFO records (paths, its ``Executing Cell 3---`` banners, which count markdown cells too)
    stay hidden: the progress lines number the cells."""

    def __init__(self, terminal: _Terminal) -> None:
        super().__init__(logging.INFO)
        self.terminal = terminal

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            stream = sys.stderr if record.levelno >= logging.WARNING else sys.stdout
            if record.funcName == "log_output_message":  # a cell's own output, verbatim
                self.terminal.write(text, stream)
            elif record.levelno >= logging.WARNING:
                self.terminal.say(text, stream)
        except Exception:  # never let the terminal break a run
            self.handleError(record)


@contextmanager
def _papermill_logging(terminal: _Terminal) -> Iterator[None]:
    log = logging.getLogger("papermill")
    handler = _PapermillOutput(terminal)
    level, propagate = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # shown once, here, whatever the root logger does
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    """Set environment variables (inherited by the kernels started inside); restore them afterwards."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Progress:
    """nbclient hooks (papermill hands them to its ``NotebookClient``): one line per code cell, and the
    cell that is running when something stops the notebook.

    Cells are numbered among those nbclient executes (code, non-empty, not tagged ``skip-execution``),
    in notebook order, papermill's ``injected-parameters`` cell included: cell k is ``In [k]``."""

    SKIP_TAG = "skip-execution"  # nbclient's NotebookClient.skip_cells_with_tag default

    def __init__(self, terminal: _Terminal) -> None:
        self.terminal = terminal
        self.number: dict[int, int] = {}  # notebook cell index -> k
        self.total = 0
        self.running: int | None = None  # cell index
        self.last_done: int | None = None
        self.cell_t0 = self.t0 = time.perf_counter()

    def hooks(self) -> dict[str, Any]:
        return {"on_notebook_start": self.notebook_start, "on_cell_execute": self.cell_execute,
                "on_cell_executed": self.cell_executed}

    def notebook_start(self, notebook: Any = None, **_: Any) -> None:
        runs = [i for i, c in enumerate(notebook.cells)
                if c.cell_type == "code" and c.source.strip()
                and self.SKIP_TAG not in c.get("metadata", {}).get("tags", ())]
        self.number = {index: k for k, index in enumerate(runs, start=1)}
        self.total = len(runs)

    def cell(self, index: int | None) -> str:
        if index in self.number:
            return f"cell {self.number[index]}/{self.total}"
        return "cell ?" if index is None else f"cell #{index}"

    def where(self) -> str:
        """The cell that was running, else the last one done (``after cell k/N``), else ``at kernel start``."""
        if self.running is not None:
            return self.cell(self.running)
        if self.last_done is not None:
            return f"after {self.cell(self.last_done)}"
        return "at kernel start"

    def cell_execute(self, cell: Any = None, cell_index: int | None = None, **_: Any) -> None:
        self.running, self.cell_t0 = cell_index, time.perf_counter()
        self.terminal.say(f"{self.cell(cell_index)} started: {_first_line(cell.source)}")

    def cell_executed(self, cell: Any = None, cell_index: int | None = None, execute_reply: Any = None,
                      **_: Any) -> None:
        now = time.perf_counter()
        failed = ((execute_reply or {}).get("content") or {}).get("status") == "error"
        self.running, self.last_done = None, cell_index
        self.terminal.say(f"{self.cell(cell_index)} {'raised an error' if failed else 'done'} "
                          f"in {now - self.cell_t0:.1f} s (total {_clock(now - self.t0)})")


def _status(exc: BaseException, progress: _Progress, timeout: int | None) -> str:
    """The summary's word for a notebook that raised ``exc`` (see the module docstring)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):  # an error output (or a CellExecutionError) in a cell
        where = progress.cell(exc.cell_index) if exc.cell_index in progress.number else f"cell In [{exc.exec_count}]"
        evalue = _first_line(exc.evalue, 100)
        return f"FAILED ({where}: {exc.ename}{': ' + evalue if evalue else ''})"
    if isinstance(exc, CellTimeoutError):
        if "IOPub" in str(exc):  # the reply came, the output did not within nbclient's iopub_timeout
            return f"TIMEOUT ({progress.where()}: no output from the kernel after its reply)"
        return f"TIMEOUT ({progress.where()} after {timeout} s)"
    if isinstance(exc, DeadKernelError):
        return f"KILLED ({progress.where()}: kernel died)"
    message = _first_line(str(exc), 100)
    return f"FAILED ({progress.where()}: {type(exc).__name__}{': ' + message if message else ''})"


def figures(profile: str, only: list[str] | None = None, timeout: int | None = None, *,
            notebooks: Path = NOTEBOOKS, build: Path = BUILD) -> int:
    """Run the series under ``profile``; print a summary table; non-zero exit if any notebook is not ok.

    ``timeout``: seconds per cell; ``None`` = the profile's default (:func:`cell_timeout`), ``0`` = no limit.
    """
    import jupytext
    import papermill

    limit = cell_timeout(profile, timeout)
    todo = [p for p in sources(notebooks) if not only or any(p.stem.startswith(o) for o in only)]
    converted, executed = build / "notebooks", build / "executed" / profile
    converted.mkdir(parents=True, exist_ok=True)
    executed.mkdir(parents=True, exist_ok=True)
    terminal = _Terminal()
    rows: list[tuple[str, float, str, str]] = []
    print(f"cell timeout: {f'{limit} s' if limit else 'none'}", flush=True)
    # the kernels inherit the environment, as under nbval
    with _environ(AVSCENE_PROFILE=profile, **{BATCH_ENV_VAR: "1"}), _papermill_logging(terminal):
        for py in todo:
            src = converted / f"{py.stem}.ipynb"
            jupytext.write(to_ipynb(py), src, fmt="ipynb")
            start, status, progress = time.perf_counter(), "ok", _Progress(terminal)
            terminal.stem = py.stem
            terminal.write(f"\n=== {py.stem} ({profile})\n")
            try:
                papermill.execute_notebook(str(src), str(executed / src.name),
                                           parameters={"PROFILE": profile}, kernel_name="python3",
                                           cwd=str(notebooks), log_output=True,
                                           execution_timeout=limit, progress_bar=False, **progress.hooks())
            except Exception as exc:  # recorded in the executed notebook; keep going
                status = _status(exc, progress, limit)
                terminal.say(status)
                print(f"{py.stem}: {exc}", file=sys.stderr, flush=True)
            rows.append((py.stem, (time.perf_counter() - start) / 60, status, _key_metrics(py.stem)))
    width = max([len(r[0]) for r in rows] + [8])
    status_width = max([len(r[2]) for r in rows] + [6])
    print(f"\nSummary (profile {profile}; executed notebooks in {executed})")
    print(f"{'notebook'.ljust(width)}  minutes  {'status'.ljust(status_width)}  key metrics")
    for stem, minutes, status, metrics in rows:
        print(f"{stem.ljust(width)}  {minutes:7.2f}  {status.ljust(status_width)}  {metrics}".rstrip())
    print(f"{'total'.ljust(width)}  {sum(r[1] for r in rows):7.2f}", flush=True)
    return 1 if any(r[2] != "ok" for r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avscene.course.pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("figures", help="execute every notebook under a profile")
    f.add_argument("--profile", default="cpu")
    f.add_argument("--only", nargs="*", help="notebook number prefixes, e.g. 00 03")
    f.add_argument("--timeout", type=int, default=None, metavar="SECONDS",
                   help=f"limit on each cell (default {CELL_TIMEOUT_S}; "
                        f"none for {', '.join(NO_CELL_TIMEOUT_PROFILES)}); 0 = no limit")
    s = sub.add_parser("sync", help="write the .ipynb twins from the .py sources")
    s.add_argument("--check", action="store_true", help="only report pairs out of sync")
    args = parser.parse_args(argv)
    if args.cmd == "figures":
        return figures(args.profile, args.only, args.timeout)
    return sync(args.check)


if __name__ == "__main__":
    sys.exit(main())
