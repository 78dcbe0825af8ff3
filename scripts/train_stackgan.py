"""Train a StackGAN (Zhang et al. 2017; lecture 000): digits drawn from captions, in two stages.

    python scripts/train_stackgan.py                                  # the 5,000 embedded digits, offline
    python scripts/train_stackgan.py --size small --stage1-epochs 2 --stage2-epochs 2   # a quick look
    python scripts/train_stackgan.py --data digits.npz                # your digits with labels (x, y)

The captions are written from the labels ("a handwritten seven", "the digit 7", "number seven, written by
hand", kgan.data.captions). Stage I trains G0 (14 x 14 images from z and the caption) against D0, stage II
trains G1 (G0's image and the caption to 28 x 28) against D1 with G0 frozen; both discriminators are
matching-aware. samples/stage1/ and samples/stage2/ hold a grid per epoch, each caption beside its stage-I and
stage-II images; run the same command again to resume. Draw from the export:
`kgan sample RUN/saved_models/stackgan --text "a handwritten three" -n 16 -o three.png`.
"""

import sys

from kgan.cli.errors import run_main
from kgan.cli.stackgan import main as stackgan_main


def main(argv=None):
    return stackgan_main(argv, __doc__)


if __name__ == "__main__":
    sys.exit(run_main(main))
