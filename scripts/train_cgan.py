"""Train a conditional GAN (lecture 003) on MNIST and export a generator that takes latent vectors and labels.

    python scripts/train_cgan.py                              # 5,000 embedded MNIST digits, offline, ~10 min on 2 CPU cores
    python scripts/train_cgan.py --epochs 5                   # a quick look
    python scripts/train_cgan.py --dataset fashion_mnist      # lecture 003's Fashion-MNIST (tensorflow-datasets)
    python scripts/train_cgan.py --label-smoothing 0.1 --instance-noise 0.1 --instance-noise-steps 3000

Labels condition both networks: G multiplies the latent vector by a learned
class embedding, D reads the embedded label as an extra image channel, and the
fakes are made for labels drawn uniformly over the classes, as lecture 003's
loop does. samples/epoch_NNNN.png has one row per class (row i: label i), so
you can see whether G draws the digit it is asked for. The export takes
`latent` and `labels` (see docs/serving.md).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from kgan.cli import add_train_arguments, run_train  # noqa: E402
from kgan.variants.cli import add_variant_arguments, variant_options  # noqa: E402

VARIANT = "cgan"
DEFAULTS = dict(epochs=40)  # ~10 min on the 5,000 embedded digits, 2 CPU cores


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_train_arguments(parser, **DEFAULTS)
    add_variant_arguments(parser, VARIANT)
    args = parser.parse_args(argv)
    args.variant_options = variant_options(args)
    args.variant = VARIANT
    return run_train(args)


if __name__ == "__main__":
    sys.exit(main())
