"""Train a progressively growing GAN (PGGAN, Karras et al. 2018) on MNIST and export its generator.

    python scripts/train_pggan.py                                # 5,000 embedded MNIST digits, 7 -> 14 -> 28
    python scripts/train_pggan.py --epochs 5                     # a quick look (stops before it has grown)
    python scripts/train_pggan.py --fade-images 600000 --stable-images 600000  # the paper's schedule
    python scripts/train_pggan.py --dataset folder --data-path pictures/ --image-size 32  # 4 -> 8 -> 16 -> 32

G and D start at a quarter of the image size (7 x 7 for MNIST; 4 x 4 for sizes
of 4 times a power of two) and double it stage by stage; each new block fades
in over --fade-images images, then trains alone for --stable-images. The
critic's loss is WGAN-GP's with the drift term 0.001 * E[D(x)^2]. The samples
of every epoch (samples/) show the stage it reached; history.csv logs the
level (stage - 1 + alpha). The export is an ordinary generator at the final size.
"""

import sys

from kgan.cli.errors import run_main
from kgan.cli.train import run_script

VARIANT = "pggan"
# The paper's G average (its Adam(1e-3, beta_1=0, beta_2=0.99) is the variant's own default); a schedule that
# grows to 28 x 28 in the first third of the run. The run behind it: benchmarks/RESULTS.md, "PGGAN".
DEFAULTS = dict(
    epochs=20,
    batch_size=64,
    ema=0.999,
    variant_options={"fade_images": 15_000, "stable_images": 15_000},
)


def main(argv=None):
    return run_script(VARIANT, __doc__, argv, **DEFAULTS)


if __name__ == "__main__":
    sys.exit(run_main(main))
