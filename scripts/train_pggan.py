"""Train a progressively growing GAN (PGGAN, Karras et al. 2018) on MNIST and export its generator.

    python scripts/train_pggan.py                                # 5,000 embedded MNIST digits, 7 -> 14 -> 28
    python scripts/train_pggan.py --epochs 10                    # a quick look (stops at 14 x 14)
    python scripts/train_pggan.py --fade-images 600000 --stable-images 600000  # the paper's schedule
    python scripts/train_pggan.py --dataset folder --data-path pictures/ --image-size 32  # 4 -> 8 -> 16 -> 32
    python scripts/train_pggan.py --categories 0                 # the paper's networks, without kgan's code

G and D start at a quarter of the image size (7 x 7 for MNIST; 4 x 4 for sizes
of 4 times a power of two) and double it stage by stage; each new block fades
in over --fade-images images, then trains alone for --stable-images. The
critic's loss is WGAN-GP's with the drift term 0.001 * E[D(x)^2]. Each step
runs only the blocks grown so far. The samples of every epoch (samples/) are
titled with the stage it reached; history.csv logs the level (stage - 1 +
alpha). The export is an ordinary generator at the final size.

The default run adds InfoGAN's categorical code with 20 categories, which is
not in the paper (--categories K changes it, --categories 0 leaves it out): G
reads one of K categories from its latent vector and a second head of D must
tell it from the image (no labels; the export still takes the latent only).
"""

import sys

from kgan.cli.errors import run_main
from kgan.cli.train import run_script

VARIANT = "pggan"
# 20,000 images at 7 x 7 and at 14 x 14 (cheap: only their blocks run), 28 x 28 fading in from image 50,000 and
# alone from 60,000 of 250,000; G's average (EMA) as the paper's; InfoGAN's categorical code with 20 categories
# (kgan's addition to the paper: --categories 0 leaves it out). The optimizer, Adam(3e-3, 0, 0.99), is the
# variant's own default. The runs behind these: benchmarks/RESULTS.md, "PGGAN".
DEFAULTS = dict(
    epochs=50,
    batch_size=64,
    ema=0.999,
    variant_options={"fade_images": 10_000, "stable_images": 20_000, "categories": 20},
)


def main(argv=None):
    return run_script(VARIANT, __doc__, argv, **DEFAULTS)


if __name__ == "__main__":
    sys.exit(run_main(main))
