"""What the EMA generator and differentiable augmentation cost per train step (issue 14's goal: < 15 % together).

    python benchmarks/ema_augment_cost.py                    # the main job's networks, batch 64, XLA on
    python benchmarks/ema_augment_cost.py --arch dcgan --json out.json

For each case (plain, `ema`, `augment`, both) this times one epoch of `fit` (`--steps` batches of 64
random images, after a warm-up fit), interleaved over the cases and repeated (best of `--repeats`),
so load on a shared machine hits every case alike, and prints seconds per step and the ratio to plain.
"""

import argparse
import json
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from d_steps_xla import seconds_per_step  # noqa: E402  (the same timing of one fit epoch)

from kgan.core import GAN  # noqa: E402
from kgan.models import build_models  # noqa: E402

BATCH = 64
POLICY = "color,translation,cutout"
CASES = {
    "plain": {},
    "ema": {"ema": 0.999},
    "augment": {"augment": POLICY},
    "ema+augment": {"ema": 0.999, "augment": POLICY},
    "ema+ada": {"ema": 0.999, "augment": POLICY, "augment_probability": 0.0, "ada_target": 0.6},
}


def make_model(arch, options, xla):
    generator, discriminator = build_models(arch, seed=0)
    model = GAN(generator, discriminator, seed=0, **options)
    model.compile(jit_compile=xla)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="dcgan")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40, help="batches per timed epoch (default: %(default)s)")
    parser.add_argument("--no-jit", dest="xla", action="store_false", help="time without XLA")
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args(argv)

    images = np.random.default_rng(0).uniform(-1, 1, (BATCH * args.steps, 28, 28, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(images).batch(BATCH, drop_remainder=True).cache()
    models = {name: make_model(args.arch, options, args.xla) for name, options in CASES.items()}
    for model in models.values():
        model.fit(data.take(2), epochs=1, verbose=0)  # compiles
    best = {name: float("inf") for name in CASES}
    for _ in range(args.repeats):
        for name, model in models.items():
            best[name] = min(best[name], seconds_per_step(model, data, args.steps))
    rows = [dict(case=name, seconds_per_step=best[name], ratio_to_plain=best[name] / best["plain"]) for name in CASES]
    print(f"{'case':12} {'ms/step':>8} {'vs plain':>9}")
    for row in rows:
        print(f"{row['case']:12} {1000 * row['seconds_per_step']:8.1f} {row['ratio_to_plain']:8.2f}x")
    if args.json:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
            platform.processor(),
        )
        meta = dict(
            cpu=cpu,
            cpus=os.cpu_count(),
            tensorflow=tf.__version__,
            keras=keras.__version__,
            arch=args.arch,
            batch=BATCH,
            steps=args.steps,
            xla=args.xla,
            load=os.getloadavg()[0],
            date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        )
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
