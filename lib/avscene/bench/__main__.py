"""``python -m avscene.bench <name> ...``: run one benchmark (see ``python -m avscene.bench -h``)."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import avscene.bench as pkg
from avscene.bench.common import dump_json, peak_rss_mib


def _benchmarks() -> dict[str, object]:
    mods = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name in ("common",) or info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"avscene.bench.{info.name}")
        if hasattr(mod, "add_arguments") and hasattr(mod, "run"):
            mods[info.name] = mod
    return mods


def main(argv: list[str] | None = None) -> int:
    mods = _benchmarks()
    parser = argparse.ArgumentParser(prog="python -m avscene.bench", description=__doc__)
    sub = parser.add_subparsers(dest="name", required=True)
    for name, mod in sorted(mods.items()):
        p = sub.add_parser(name, help=(mod.__doc__ or "").strip().splitlines()[0] if mod.__doc__ else None)
        p.add_argument("--json", help="also write the results to this JSON file")
        mod.add_arguments(p)
    args = parser.parse_args(argv)
    from avscene import runtime

    runtime.flush_denormals()  # as the notebooks and training commands run
    result = mods[args.name].run(args) or {}
    result.setdefault("peak_rss_mib", round(peak_rss_mib(), 1))
    print(f"\npeak resident memory: {result['peak_rss_mib']} MiB")
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(dump_json(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
