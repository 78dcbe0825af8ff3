"""Train an InfoGAN (DCGAN networks with a 20-way categorical code) on MNIST and export its generator (kgan's main job).

    python scripts/train_mnist_gan.py                       # 5,000 embedded digits, offline
    python scripts/train_mnist_gan.py --epochs 5            # a quick look
    python scripts/train_mnist_gan.py --arch lecture004     # the Keras lecture's DCGAN, exactly (slower)
    python scripts/train_mnist_gan.py --variant gan --arch dcgan --ema 0 --augment off --lr-d 2e-4 --lr-g 2e-4
    python scripts/train_mnist_gan.py --dataset mnist       # full MNIST through tensorflow-datasets
    python scripts/train_mnist_gan.py --dataset npz --data-path ~/mnist.npz

Everything lands in a new run directory (printed at the end): per-epoch sample
grids and a montage, the training curves (PNG and CSV), checkpoints, and the
SavedModel export under saved_models/<name>/<version>.
"""

import argparse
import sys

from kgan.cli import ArgumentParser, add_train_arguments, run_train
from kgan.cli.errors import run_main
from kgan.training import MAIN_JOB


def main(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_train_arguments(parser, **MAIN_JOB)  # the recipe of benchmarks/RESULTS.md
    return run_train(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(run_main(main))
