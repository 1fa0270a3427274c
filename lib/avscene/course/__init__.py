"""Course plumbing every notebook shares (below the paper sections, above models and training).

``outputs``: figures, ``metrics.json`` and self-checks; ``display``: inline audio and video; ``plots``:
figures used by several notebooks; ``pipeline``: the series as a batch job (``make figures``).
"""
