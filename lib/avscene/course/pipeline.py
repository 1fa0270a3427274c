"""The notebook series as a batch job: pair, execute with papermill, summarize (``make figures``).

``python -m avscene.course.pipeline figures --profile cpu`` converts every ``notebooks/NN_*.py`` (jupytext
percent format, the source) to ``.ipynb``, runs them in order with papermill (``PROFILE`` injected),
keeps the executed copies in ``build/executed/<profile>/`` and prints a table of minutes and key
metrics read from each notebook's ``metrics.json``. ``python -m avscene.course.pipeline sync [--check]``
regenerates (or checks) the output-free ``.ipynb`` twins that Colab opens.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
NOTEBOOKS = REPO / "notebooks"
BUILD = REPO / "build"


def sources(notebooks: Path = NOTEBOOKS) -> list[Path]:
    """The series in order: ``notebooks/NN_slug.py``."""
    return sorted(p for p in notebooks.glob("[0-9][0-9]_*.py"))


def _cells(nb: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", ())))
            for c in nb.cells]


def pair_problems(py: Path) -> list[str]:
    """Why ``py`` and its ``.ipynb`` twin disagree (empty when in sync and output-free)."""
    import jupytext
    import nbformat

    ipynb = py.with_suffix(".ipynb")
    if not ipynb.exists():
        return [f"{ipynb.name} is missing: run `make notebooks`"]
    expected, actual = jupytext.read(py), nbformat.read(ipynb, as_version=4)
    problems = []
    if _cells(expected) != _cells(actual):
        problems.append(f"{ipynb.name} differs from {py.name}: run `make notebooks`")
    if any(c.get("outputs") or c.get("execution_count") for c in actual.cells if c.cell_type == "code"):
        problems.append(f"{ipynb.name} has outputs: commit it output-free (`make notebooks`)")
    if actual.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{ipynb.name} has no python3 kernelspec")
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
            jupytext.write(jupytext.read(py), py.with_suffix(".ipynb"), fmt="ipynb")
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


def figures(profile: str, only: list[str] | None = None, timeout: int | None = None, *,
            notebooks: Path = NOTEBOOKS, build: Path = BUILD) -> int:
    """Run the series under ``profile``; print a summary table; non-zero exit if any notebook failed."""
    import jupytext
    import papermill

    todo = [p for p in sources(notebooks) if not only or any(p.stem.startswith(o) for o in only)]
    converted, executed = build / "notebooks", build / "executed" / profile
    converted.mkdir(parents=True, exist_ok=True)
    executed.mkdir(parents=True, exist_ok=True)
    env_before = os.environ.get("AVSCENE_PROFILE")
    os.environ["AVSCENE_PROFILE"] = profile  # the kernel inherits it, as under nbval
    rows: list[tuple[str, float, str, str]] = []
    try:
        for py in todo:
            src = converted / f"{py.stem}.ipynb"
            jupytext.write(jupytext.read(py), src, fmt="ipynb")
            start, status = time.perf_counter(), "ok"
            print(f"\n=== {py.stem} ({profile})", flush=True)
            try:
                papermill.execute_notebook(str(src), str(executed / src.name),
                                           parameters={"PROFILE": profile}, kernel_name="python3",
                                           cwd=str(notebooks), log_output=True,
                                           execution_timeout=timeout, progress_bar=False)
            except Exception as exc:  # recorded in the executed notebook; keep going
                status = f"FAILED ({type(exc).__name__})"
                print(f"{py.stem} failed: {exc}", file=sys.stderr)
            rows.append((py.stem, (time.perf_counter() - start) / 60, status, _key_metrics(py.stem)))
    finally:
        if env_before is None:
            os.environ.pop("AVSCENE_PROFILE", None)
        else:
            os.environ["AVSCENE_PROFILE"] = env_before
    width = max([len(r[0]) for r in rows] + [8])
    print(f"\nSummary (profile {profile}; executed notebooks in {executed})")
    print(f"{'notebook'.ljust(width)}  minutes  status  key metrics")
    for stem, minutes, status, metrics in rows:
        print(f"{stem.ljust(width)}  {minutes:7.2f}  {status}  {metrics}")
    print(f"{'total'.ljust(width)}  {sum(r[1] for r in rows):7.2f}")
    return 1 if any(r[2] != "ok" for r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avscene.course.pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("figures", help="execute every notebook under a profile")
    f.add_argument("--profile", default="cpu")
    f.add_argument("--only", nargs="*", help="notebook number prefixes, e.g. 00 03")
    f.add_argument("--timeout", type=int, default=None, help="seconds per cell")
    s = sub.add_parser("sync", help="write the .ipynb twins from the .py sources")
    s.add_argument("--check", action="store_true", help="only report pairs out of sync")
    args = parser.parse_args(argv)
    if args.cmd == "figures":
        return figures(args.profile, args.only, args.timeout)
    return sync(args.check)


if __name__ == "__main__":
    sys.exit(main())
