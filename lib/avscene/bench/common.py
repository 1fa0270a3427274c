"""Shared measuring tools for ``python -m avscene.bench``: timers, peak memory, result tables."""
from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any, Callable


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


def rate(fn: Callable[[], Any], items_per_call: float, *, warmup: int = 1, min_seconds: float = 2.0,
         max_calls: int = 10_000) -> dict[str, float]:
    """Call ``fn`` after ``warmup`` calls until ``min_seconds`` pass; items/s and seconds per call."""
    for _ in range(warmup):
        fn()
    calls, start = 0, time.perf_counter()
    while calls < max_calls:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            break
    elapsed = time.perf_counter() - start
    return {"items_per_s": calls * items_per_call / elapsed, "s_per_call": elapsed / calls, "calls": calls}


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    """A plain fixed-width table (the benchmark's human output; ``--json`` gives the machine one)."""
    print(f"\n{title}")
    if not rows:
        return
    cols = list(dict.fromkeys(k for row in rows for k in row))
    fmt = {c: (lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)) for c in cols}
    widths = {c: max(len(c), *(len(fmt[c](r.get(c, ""))) for r in rows)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(fmt[c](r.get(c, "")).ljust(widths[c]) for c in cols))


def dump_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, default=str)


def measure_matmul_flops(n: int = 2048, *, device: str = "cpu", dtype: Any = None,
                         min_seconds: float = 2.0) -> float:
    """The machine's achievable dense matmul rate: FLOP/s of ``[n, n] @ [n, n]`` (fp32 by default),
    ``2 n³`` FLOPs per call, measured on ``device`` with the current thread settings. Model benchmarks
    quote their FLOP/s as a fraction of this, measured in the same run."""
    import torch

    dtype = dtype or torch.float32
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    out = torch.empty(n, n, device=device, dtype=dtype)
    sync = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)

    def call() -> None:
        torch.mm(a, b, out=out)
        sync()

    return rate(call, 2.0 * n**3, warmup=2, min_seconds=min_seconds)["items_per_s"]


def train_step(net: Any, task: Any, optimizer: Any, batches: Any, to_device: Callable[[Any, Any], Any],
               device: Any, frozen: tuple = ()) -> Callable[[], None]:
    """One optimizer step of ``net`` on the next batch of ``batches`` (moved by ``to_device``), as the
    Trainer takes it: frozen modules kept in eval mode, loss, backward, step (and a CUDA sync, so that a
    timing measures the work)."""
    import torch

    def step() -> None:
        for module in frozen:
            module.eval()
        loss, _ = task.loss(net, to_device(next(batches), device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if getattr(device, "type", str(device)) == "cuda":
            torch.cuda.synchronize()
    return step


def profile_rows(measure: Callable[..., dict[str, Any] | list[dict[str, Any]]], profiles: list[str],
                 *args: Any) -> list[dict[str, Any]]:
    """``measure(config.get(name), *args)`` for each profile name (one row, or a list of rows: one per network or
    variant), each row with the peak resident memory so far."""
    from avscene import config

    rows = []
    for name in profiles:
        measured = measure(config.get(name), *args)
        peak = round(peak_rss_mib(), 1)
        rows += [{**r, "peak_rss_mib": peak} for r in (measured if isinstance(measured, list) else [measured])]
    return rows
