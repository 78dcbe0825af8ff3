"""Train an auxiliary-classifier GAN (ACGAN, lecture 001) on MNIST and export a generator that takes labels.

    python scripts/train_acgan.py                              # 5,000 embedded MNIST digits, offline
    python scripts/train_acgan.py --epochs 5                   # a quick look
    python scripts/train_acgan.py --validity-weight 0.01       # lecture 001's tip if G ignores the class
    python scripts/train_acgan.py --dataset fashion_mnist

G multiplies the latent vector by a learned class embedding (lecture 001's
tip: an Embedding projects the integer class into a vector); D sees the image
only and has two heads, real/fake and a classifier over the classes. Its loss
is validity_weight * (real/fake loss) + classification_weight * (class
cross-entropy on real and generated images). samples/epoch_NNNN.png has one
row per class (lecture 001's exercise: an image per class after every epoch);
d_class_acc and g_class_acc in history.csv say how well D classifies real
digits and how often G's digits are classified as the class asked for.
"""

import sys

from kgan.cli.errors import run_main
from kgan.cli.train import run_script

VARIANT = "acgan"
DEFAULTS = dict(epochs=40)


def main(argv=None):
    return run_script(VARIANT, __doc__, argv, **DEFAULTS)


if __name__ == "__main__":
    sys.exit(run_main(main))
