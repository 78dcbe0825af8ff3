"""What PGGAN pays for building its networks once at the final size: the blocks not yet grown still run.

    python benchmarks/pggan_stage_cost.py            # MNIST's 28 x 28 (7 -> 14 -> 28), batch 64, XLA
    python benchmarks/pggan_stage_cost.py --steps 5  # a quick look

Times PGGAN's compiled train step (WGAN-GP with drift, batch 64) on the full
28 x 28 networks (7 -> 14 -> 28) against the same step on networks built for
14 x 14 images (7 -> 14: the first two stages alone). Until the 28 x 28 block
fades in, the full networks compute it and fade it out: the ratio is what the
static-shape design costs in those stages (at stage 0 the 14 x 14 block is
wasted as well, so the waste there is larger still).
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kgan.variants import build_variant  # noqa: E402


def seconds_per_step(size, steps, batch_size=64, repeats=3):
    """Best of `repeats` timings of `steps` compiled train steps of a PGGAN on `size` x `size` images."""
    gan = build_variant("pggan", image_shape=(size, size, 1), seed=0)
    gan.compile(jit_compile=True)
    images = np.random.default_rng(0).uniform(-1, 1, (batch_size, size, size, 1)).astype("float32")
    data = tf.data.Dataset.from_tensors(images).repeat()
    gan.fit(data, epochs=1, steps_per_epoch=2, verbose=0)  # compile
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
        best = min(best, (time.perf_counter() - start) / steps)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per timing (default: %(default)s)")
    args = parser.parse_args(argv)
    full = seconds_per_step(28, args.steps)
    part = seconds_per_step(14, args.steps)
    print(f"stages 0-1 alone (14 x 14 networks): {part:.3f} s/step")
    print(f"the full 28 x 28 networks: {full:.3f} s/step ({full / part:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
