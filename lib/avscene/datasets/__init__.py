"""Real datasets: folder / CSV scans into an ``Index`` of usable videos (step 2); task datasets later."""
from .scan import Index, IndexEntry, scan

__all__ = ["scan", "Index", "IndexEntry"]
