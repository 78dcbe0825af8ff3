"""What a PGGAN train step costs at each stage of its growth (7 -> 14 -> 28 for MNIST's 28 x 28).

    python benchmarks/pggan_stage_cost.py            # batch 64, XLA, 20 steps per timing, best of 3
    python benchmarks/pggan_stage_cost.py --steps 5  # a quick look

Times PGGAN's compiled train step (WGAN-GP with drift) with the networks
held at level 0 (7 x 7 alone), 0.5 (14 x 14 fading in), 1.5 (28 x 28 fading
in) and 2 (28 x 28 alone). Each step runs the networks of its stage
(`kgan.models.pggan.stage_networks`), so the early levels cost less than
the last; had every step run the full networks (the blocks not yet grown
computed and faded out), every level would cost what level 2 costs. Wall
seconds and process CPU seconds per step are printed (CPU seconds say more
on a loaded machine).
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kgan.variants import build_variant  # noqa: E402

PHASE = 1_000_000  # images per fade and per stable phase: the level stays put while timing
LEVELS = {0.0: 0, 0.5: int(1.5 * PHASE), 1.5: int(3.5 * PHASE), 2.0: 5 * PHASE}  # level: images seen


def seconds_per_step(gan, data, steps, repeats):
    """Best of `repeats` timings of `steps` train steps: `(wall seconds, CPU seconds)` per step."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
        best = min(best, ((time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps))
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per timing (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="timings per level, best kept (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=64, help="(default: %(default)s)")
    args = parser.parse_args(argv)
    gan = build_variant("pggan", image_shape=(28, 28, 1), seed=0, fade_images=PHASE, stable_images=PHASE)
    gan.compile(jit_compile=True)
    images = np.random.default_rng(0).uniform(-1, 1, (args.batch_size, 28, 28, 1)).astype("float32")
    data = tf.data.Dataset.from_tensors(images).repeat()
    gan.fit(data, epochs=1, steps_per_epoch=2, verbose=0)  # compile
    timings = {}
    for level, images_seen in LEVELS.items():
        gan.set_images_seen(images_seen)
        timings[level] = seconds_per_step(gan, data, args.steps, args.repeats)
    last_wall, last_cpu = timings[2.0]
    for level, (wall, cpu) in timings.items():
        print(
            f"level {level:3.1f}: {wall:.3f} s/step wall, {cpu:.3f} CPU s/step "
            f"({cpu / last_cpu:.2f} of level 2's CPU time, {wall / last_wall:.2f} of its wall time)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
