"""Callbacks for `GAN.fit`: pictures, curves and checkpoints (one per module)."""

from kgan.callbacks.checkpoint import Checkpoint
from kgan.callbacks.divergence import DivergenceMonitor, DivergenceWarning
from kgan.callbacks.history_log import HistoryLog
from kgan.callbacks.sample_grid import SampleGrid

__all__ = ["Checkpoint", "DivergenceMonitor", "DivergenceWarning", "HistoryLog", "SampleGrid"]
