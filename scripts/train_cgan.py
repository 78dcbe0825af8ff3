"""Train a conditional GAN (lecture 003) on MNIST and export a generator that takes latent vectors and labels.

    python scripts/train_cgan.py                              # 5,000 embedded MNIST digits, offline
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

import sys

from kgan.cli.errors import run_main
from kgan.cli.train import run_script

VARIANT = "cgan"
DEFAULTS = dict(epochs=40)  # the run behind it: benchmarks/RESULTS.md, "The variant scripts' default runs"


def main(argv=None):
    return run_script(VARIANT, __doc__, argv, **DEFAULTS)


if __name__ == "__main__":
    sys.exit(run_main(main))
