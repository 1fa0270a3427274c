"""Benchmarks, not timed tests: ``python -m avscene.bench <name> [--profile cpu ...]``.

Each submodule of this package with ``add_arguments(parser)`` and ``run(args) -> dict`` is one
subcommand (``io``, ``synthetic``, ``model``, ``train``, ...); ``common`` holds the shared timers.
"""
