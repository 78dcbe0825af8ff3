"""One montage row per PGGAN stage, from a finished run's samples: docs/images/mnist_pggan_stages.png.

    python benchmarks/pggan_stages.py RUN_DIR docs/images/mnist_pggan_stages.png

Reads `RUN_DIR/history.csv` (the epoch's mean `level`) and `RUN_DIR/samples/montage.npz` (the first images of
every epoch's sample grid, the same latent vectors) and keeps the last epoch of every stage and of every fade.
"""

import csv
import sys

import numpy as np

from kgan.core import plotting


def main(argv=None):
    run, out = (argv if argv is not None else sys.argv[1:])[:2]
    with open(f"{run}/history.csv") as f:
        levels = {int(row["epoch"]): float(row["level"]) for row in csv.DictReader(f)}
    sizes = [f"{7 * 2**k}x{7 * 2**k}" for k in range(3)]  # MNIST's stages
    picks = {}
    for epoch, level in sorted(levels.items()):
        whole = abs(level - round(level)) < 0.02
        name = sizes[round(level)] if whole else "fading " + sizes[int(level) + 1].split("x")[0]
        picks[name] = epoch  # the last epoch of each stage and of each fade
    with np.load(f"{run}/samples/montage.npz") as shots:
        rows = [shots[f"epoch_{e:04d}"] for e in picks.values()]
    labels = [f"{name}\nepoch {e}" for name, e in picks.items()]
    plotting.save_montage(rows, labels, out, title="PGGAN on MNIST: the same latent vectors, one row per stage")
    return 0


if __name__ == "__main__":
    sys.exit(main())
