"""Train a Wasserstein GAN with gradient penalty (WGAN-GP, lecture 000) on MNIST and export its generator.

    python scripts/train_wgan_gp.py                            # 5,000 embedded MNIST digits, offline
    python scripts/train_wgan_gp.py --epochs 5                 # a quick look
    python scripts/train_wgan_gp.py --d-steps 5 --gp-weight 10 # the paper's n_critic and lambda
    python scripts/train_wgan_gp.py --dataset fashion_mnist

The critic (D with a linear output) minimises E[D(G(z))] - E[D(x)] plus
gp_weight * E[(||grad D(x_hat)|| - 1)^2] on random interpolates x_hat of real
and generated images (Gulrajani et al. 2017); G takes one step per --d-steps
critic steps, so an epoch holds (steps / d_steps) generator updates. In
history.csv, -d_loss without the penalty estimates the Wasserstein distance:
it should fall as the samples improve.
"""

import sys

from kgan.cli.errors import run_main
from kgan.cli.train import run_script

VARIANT = "wgan_gp"
# Adam(2e-4, beta_1=0.5) and one critic step per G step (the paper has Adam(1e-4, 0, 0.9) and 5): the samples
# improve with G's updates, and with d_steps=1 G reuses the critic's fake batch. 40 epochs = 3,120 G steps. The
# runs behind it: benchmarks/RESULTS.md, "The variant scripts' default runs".
DEFAULTS = dict(epochs=40, d_steps=1, lr_d=2e-4, lr_g=2e-4, beta_1=0.5, beta_2=0.999)


def main(argv=None):
    return run_script(VARIANT, __doc__, argv, **DEFAULTS)


if __name__ == "__main__":
    sys.exit(run_main(main))
