"""Course plumbing every notebook shares, below the paper sections and above models and training.

``outputs``: figures, ``metrics.json`` and self-checks (``outputs.begin`` starts a notebook);
``display``: inline audio and video; ``plots``: figures several notebooks draw; ``widgets``: sliders in
live sessions, still views in batch runs; ``hub``: named runs, published weights and ``make weights``;
``pipeline``: the series as a batch job (``make figures``).
"""
