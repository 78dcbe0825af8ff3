"""kgan's version, here at the bottom layer so every layer can record it (run markers, export metadata)."""

__version__ = "0.1.0"
