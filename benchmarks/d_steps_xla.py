"""Why `GAN.compile` trains without XLA on a CPU when `d_steps > 1`: XLA's conditional G step is slow there.

    python benchmarks/d_steps_xla.py                 # gan and wgan_gp on the dcgan networks, batch 64
    python benchmarks/d_steps_xla.py --json out.json

With `d_steps=k` the train step runs D's step on every batch and G's step on
every k-th (a `tf.cond` on D's step counter; Algorithm 1 of lecture 002), so a
step with k > 1 should cost less than with k = 1. It does without XLA; under
XLA on a CPU it costs several times more. For each variant and k this times
one epoch of `fit` (`--steps` batches of 64 random images, default 40, after a warm-up fit) with
XLA forced on (`model.jit_compile = True`, what `GAN.compile` now refuses for
k > 1 on a CPU) and with XLA off, interleaved and repeated (best of
`--repeats`), and prints the seconds per step and the ratio to the same
variant's k = 1 XLA step.
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

from kgan.variants import build_variant  # noqa: E402

BATCH = 64


def make_model(variant, d_steps, xla):
    model = build_variant(variant, "dcgan", seed=0, d_steps=d_steps)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-4), g_optimizer=keras.optimizers.Adam(1e-4), jit_compile=False)
    model.jit_compile = xla  # bypasses GAN.compile's choice, to time what it avoids
    return model


def seconds_per_step(model, data, steps):
    start = time.perf_counter()
    model.fit(data, epochs=1, verbose=0)
    return (time.perf_counter() - start) / steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", default=["gan", "wgan_gp"])
    parser.add_argument("--d-steps", nargs="+", type=int, default=[1, 3, 5])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40, help="batches per timed epoch (default: %(default)s)")
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args(argv)

    images = np.random.default_rng(0).uniform(-1, 1, (BATCH * args.steps, 28, 28, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(images).batch(BATCH, drop_remainder=True).cache()
    cases = [(v, k, xla) for v in args.variants for k in args.d_steps for xla in (True, False)]
    models = {}
    for case in cases:
        models[case] = make_model(*case)
        models[case].fit(data.take(2 * max(args.d_steps)), epochs=1, verbose=0)  # traces both branches
    best = {case: float("inf") for case in cases}
    for _ in range(args.repeats):  # interleaved: load on the shared machine hits every case alike
        for case in cases:
            best[case] = min(best[case], seconds_per_step(models[case], data, args.steps))
    rows = []
    print(f"{'variant':8} {'d_steps':>7} {'XLA':>5} {'s/step':>8} {'vs d_steps=1, XLA':>18}")
    for variant, k, xla in cases:
        ratio = best[(variant, k, xla)] / best[(variant, 1, True)] if (variant, 1, True) in best else float("nan")
        rows.append(
            dict(
                variant=variant,
                d_steps=k,
                xla=xla,
                seconds_per_step=best[(variant, k, xla)],
                ratio_to_d_steps_1_xla=ratio,
            )
        )
        print(f"{variant:8} {k:>7} {'on' if xla else 'off':>5} {best[(variant, k, xla)]:8.3f} {ratio:17.2f}x")
    if args.json:
        meta = dict(
            machine=platform.processor() or platform.machine(),
            cpus=os.cpu_count(),
            tensorflow=tf.__version__,
            keras=keras.__version__,
            batch=BATCH,
            steps=args.steps,
            date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            load=os.getloadavg()[0],
        )
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
