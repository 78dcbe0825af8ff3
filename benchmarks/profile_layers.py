"""Op-level profile of a GAN training step: each conv/dense layer's training pass alone, with and without XLA.

    python benchmarks/profile_layers.py                               # lecture004, batch 64
    python benchmarks/profile_layers.py --arch dcgan --batch-size 256

For every Dense, Conv2D and Conv2DTranspose layer of the generator and the
discriminator, times one training pass of that layer alone (forward, weight
gradient and input gradient: 3x its forward multiply-adds) on random inputs
of the step's shape, compiled with XLA (`jit_compile=True`, what `kgan fit`
uses) and without (TensorFlow's oneDNN kernels), and prints GFLOP/s against
the fp32 matmul peak measured in the same run. The bottom lines add the
layers up the way kgan's `fit` step uses them (G once; D on the real batch,
on the fakes and in G's step: about 3 passes) and compare that with the
whole step measured by `benchmarks/run.py`: what the layers cost, and what
everything else (BatchNorm, activations, dropout, losses, Adam, per-step
overhead) costs.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import run as bench  # noqa: E402  (benchmarks/run.py: Python puts the script's own folder on sys.path)
import tensorflow as tf  # noqa: E402

from kgan.models import build_models  # noqa: E402


def time_layer_pass(layer, batch_size, jit_compile, repeats=5):
    """Best seconds of one forward + weight-gradient + input-gradient pass of `layer` on a random batch."""
    x = tf.random.normal((batch_size, *layer.input.shape[1:]), seed=0)
    dy = tf.random.normal((batch_size, *layer.output.shape[1:]), seed=1)

    @tf.function(jit_compile=jit_compile)
    def train_pass(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        grads = tape.gradient(y, [x, layer.kernel], output_gradients=dy)
        # y enters the result: a linear layer's gradients do not need it, and a forward pass nobody reads is pruned
        # (grappler and XLA both do), which would time two passes and count three.
        return tf.reduce_sum(y) + tf.reduce_sum(grads[0]) + tf.reduce_sum(grads[1])

    train_pass(x, dy).numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        train_pass(x, dy).numpy()
        best = min(best, time.perf_counter() - start)
    return best


def profile(arch, batch_size, repeats=5, log=print):
    """Returns rows `(network, layer, gflop, xla_seconds, onednn_seconds, gflop_without_padding)` and the matmul
    peak in GFLOP/s (GFLOP of one training pass of the layer on the batch; see `run.layer_macs` for padding)."""
    peak = bench.matmul_peak()
    generator, discriminator = build_models(arch, seed=0)
    rows = []
    for network, model in (("G", generator), ("D", discriminator)):
        layers = {layer.name: layer for layer in model.layers}
        unpadded = dict(bench.layer_macs(model, padding=False))
        for name, macs in bench.layer_macs(model):
            gflop, useful = (3 * 2 * m * batch_size / 1e9 for m in (macs, unpadded[name]))
            xla = time_layer_pass(layers[name], batch_size, True, repeats)
            onednn = time_layer_pass(layers[name], batch_size, False, repeats)
            rows.append((network, name, gflop, xla, onednn, useful))
            log(f"  {network} {name}: {gflop:.2f} GFLOP, XLA {gflop / xla:.1f} GFLOP/s, no XLA {gflop / onednn:.1f}")
    return rows, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=("lecture004", "dcgan"), default="lecture004")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    rows, peak = profile(args.arch, args.batch_size, args.repeats)
    print(
        f"\n{args.arch}, batch {args.batch_size}: one training pass (forward + both gradients) per layer; "
        f"fp32 matmul peak {peak:.1f} GFLOP/s"
    )
    print(
        "GFLOP counts every kernel tap, GFLOP* only the taps on real pixels (not on zero padding); "
        "% peak* is GFLOP*/s against the matmul peak."
    )
    print(
        "| net | layer | GFLOP | GFLOP* | XLA ms | XLA GFLOP/s | XLA % peak* | no-XLA ms | no-XLA GFLOP/s "
        "| no-XLA % peak* |"
    )
    print("|" + "---|" * 10)
    for network, name, gflop, xla, onednn, useful in rows:
        print(
            f"| {network} | {name} | {gflop:.2f} | {useful:.2f} | {1000 * xla:.1f} | {gflop / xla:.1f} "
            f"| {100 * useful / xla / peak:.0f} "
            f"| {1000 * onednn:.1f} | {gflop / onednn:.1f} | {100 * useful / onednn / peak:.0f} |"
        )
    for label, column in (("XLA", 3), ("no XLA", 4)):
        g_time = sum(r[column] for r in rows if r[0] == "G")
        d_time = sum(r[column] for r in rows if r[0] == "D")
        step = g_time + 3 * d_time  # G trained once; D: reals, fakes, and G's step (about one more pass)
        gflop = sum(r[2] for r in rows if r[0] == "G") + 3 * sum(r[2] for r in rows if r[0] == "D")
        print(
            f"{label}: the weighted layers of one fit step take about {1000 * step:.0f} ms "
            f"({gflop / step:.1f} GFLOP/s, {100 * gflop / step / peak:.0f}% of peak; "
            f"{args.batch_size / step:.1f} images/s if nothing else cost anything)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
