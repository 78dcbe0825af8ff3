"""Why XLA slows lecture 004's DCGAN on a CPU: its random numbers (Dropout) are slow under XLA.

    python benchmarks/xla_rng.py

Times, with and without `jit_compile=True`, one Keras `Dropout(0.3)` in
training mode and `tf.random.stateless_uniform` with each algorithm, on a
tensor the size of lecture 004's first discriminator block at batch 64
(64 x 28 x 28 x 32 = 1.6 M numbers), with a seed that changes every call (as
in training). Keras's Dropout (TensorFlow backend) calls
`tf.nn.experimental.stateless_dropout` with the default `alg="auto_select"`.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from kgan.core import layers as kgan_layers  # noqa: E402


def best_seconds(fn, x, jit_compile, repeats=5):
    """Best time of `fn(x)` compiled as asked, after one untimed call."""
    compiled = tf.function(fn, jit_compile=jit_compile)
    compiled(x).numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        compiled(x).numpy()
        best = min(best, time.perf_counter() - start)
    return best


def cases():
    """`(name, fn, runs_without_xla)`: the random ops to time."""
    layer = keras.layers.Dropout(0.3, seed=0)
    seed = tf.Variable([1, 2], dtype=tf.int32)

    ours = kgan_layers.Dropout(0.3, seed=0)

    def dropout(x):
        return tf.reduce_sum(layer(x, training=True))

    def kgan_dropout(x):
        return tf.reduce_sum(ours(x, training=True))

    def uniform(alg):
        def fn(x):
            seed.assign_add([0, 1])
            return tf.reduce_sum(tf.random.stateless_uniform(tf.shape(x), seed=seed, alg=alg))

        return fn

    return [
        ("keras.layers.Dropout(0.3)", dropout, True),
        ("kgan.core.layers.Dropout(0.3) (philox; what the builders use)", kgan_dropout, True),
        ("stateless_uniform alg=auto_select (default)", uniform("auto_select"), True),
        ("stateless_uniform alg=philox", uniform("philox"), True),
        ("stateless_uniform alg=threefry", uniform("threefry"), False),  # XLA only
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", type=int, nargs="+", default=[64, 28, 28, 32])
    args = parser.parse_args(argv)
    x = tf.random.normal(args.shape, seed=0)
    print(f"| op on {'x'.join(map(str, args.shape))} | XLA ms | no XLA ms |")
    print("|---|---|---|")
    for name, fn, runs_without_xla in cases():
        xla = best_seconds(fn, x, True)
        plain = f"{1000 * best_seconds(fn, x, False):.1f}" if runs_without_xla else "n/a (XLA only)"
        print(f"| {name} | {1000 * xla:.1f} | {plain} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
