"""Train a CycleGAN (Zhu et al. 2017; lectures 000 and 002): unpaired translation between two image domains.

    python scripts/train_cyclegan.py                         # MNIST (A) <-> UCI 8x8 digits (B), offline
    python scripts/train_cyclegan.py --epochs 1              # a quick look
    python scripts/train_cyclegan.py --data-path-a horses/ --data-path-b zebras/ --image-size 64

Both domains are resized with bilinear tf.image.resize and scaled to [-1, 1], the UCI digits framed as MNIST's
(into the central 20x20 of 28x28, centred by mass); the export (signatures a_to_b and b_to_a) expects images
prepared the same way, as its kgan.json records per domain. samples/epoch_NNNN.png shows A, A->B, A->B->A, B,
B->A and B->A->B. A killed run resumes with the same command and ends as an uninterrupted one would (a command
with other settings of the run is refused); --overwrite trains a finished run again. Translate with the export:
`kgan sample RUN/saved_models/cyclegan --translate b_to_a --input DIR_OR_NPZ -o grid.png`.
"""

import sys

from kgan.cli.cyclegan import main as cyclegan_main
from kgan.cli.errors import run_main


def main(argv=None):
    return cyclegan_main(argv, __doc__)


if __name__ == "__main__":
    sys.exit(run_main(main))
