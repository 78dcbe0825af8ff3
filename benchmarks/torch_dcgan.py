"""PyTorch CPU port of kgan's `lecture004` and `dcgan` GANs, timed on the same work per step as kgan.

Only `benchmarks/run.py` uses this file; PyTorch is never a kgan dependency
(`pip install -r benchmarks/requirements.txt` installs it for the benchmark).

    python benchmarks/torch_dcgan.py --arch lecture004 --batch-size 64 --seconds 10
    python benchmarks/torch_dcgan.py --arch dcgan --batch-size 256 --work classic --json
    python benchmarks/torch_dcgan.py --arch dcgan --profile 40        # per-op self times (torch.profiler)

The networks are layer-for-layer ports of `kgan.models.ARCHITECTURES`
(lecture 004's DCGAN and kgan's default `dcgan`): the same layers, channels,
kernels, strides, output sizes, LeakyReLU slopes, dropout and heads, so one
step costs the same multiply-adds as in Keras. `--work` picks which step:

- `fit` (kgan's `GAN.train_step`): G makes a batch; D is trained on the real
  batch and on the fakes (detached: no backward pass into G); then G is
  trained through D (D's weights frozen, so only D's input gradients are
  computed) on the SAME fakes.
- `classic` (lecture 004's `train_on_batch` loop, `kgan.training.ClassicGAN`):
  G makes fakes without a tape; D is trained on fakes and reals in one batch;
  then G is trained through the frozen D on a fresh latent batch (one more G
  forward pass than `fit`).

Both use Adam(2e-4, beta_1=0.5) for D and G and read real MNIST digits (kgan's
embedded 5,000, scaled to [-1, 1]); data loading is outside the timed loop, as
kgan's input pipeline is shown not to limit kgan (see `run.py`).
"""

import argparse
import json
import os
import pathlib
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

MNIST_NPZ = pathlib.Path(__file__).resolve().parent.parent / "kgan" / "data" / "mnist_5k.npz"
WORKS = ("fit", "classic")


def _same_padding(kernel_size, stride):
    """Padding and output padding that make PyTorch's (transposed) convs match Keras's `padding="same"` sizes."""
    pad = (kernel_size - 1) // 2 if stride == 1 else (kernel_size - stride + 1) // 2
    output_padding = stride + 2 * pad - kernel_size
    return pad, output_padding


class Generator(nn.Module):
    """kgan's `build_dcgan_generator` (stem "dense_norm_act", transposed-conv upsampling)."""

    def __init__(self, latent_dim, stem_filters, filters, strides, kernel_size, output_stride, slope, size=28):
        super().__init__()
        total = output_stride
        for s in strides:
            total *= s
        self.h0 = size // total
        self.stem_filters = stem_filters
        self.project = nn.Linear(latent_dim, self.h0 * self.h0 * stem_filters)
        self.project_bn = nn.BatchNorm1d(self.h0 * self.h0 * stem_filters, eps=1e-3, momentum=0.01)
        self.slope = slope
        blocks, channels = [], stem_filters
        for n, s in zip(filters, strides):
            pad, out_pad = _same_padding(kernel_size, s)
            blocks += [
                nn.ConvTranspose2d(channels, n, kernel_size, s, pad, out_pad),
                nn.BatchNorm2d(n, eps=1e-3, momentum=0.01),
                nn.LeakyReLU(slope),
            ]
            channels = n
        pad, out_pad = _same_padding(kernel_size, output_stride)
        blocks += [nn.ConvTranspose2d(channels, 1, kernel_size, output_stride, pad, out_pad), nn.Tanh()]
        self.blocks = nn.Sequential(*blocks)

    def forward(self, z):
        x = F.leaky_relu(self.project_bn(self.project(z)), self.slope)
        return self.blocks(x.view(-1, self.stem_filters, self.h0, self.h0))


class Discriminator(nn.Module):
    """kgan's `build_dcgan_discriminator` (no BatchNorm): conv blocks, Flatten, Dense head."""

    def __init__(self, filters, strides, kernel_size, slope, dropout, head_units, size=28):
        super().__init__()
        blocks, channels = [], 1
        for n, s in zip(filters, strides):
            pad, _ = _same_padding(kernel_size, s)
            blocks += [nn.Conv2d(channels, n, kernel_size, s, pad), nn.LeakyReLU(slope)]
            if dropout:
                blocks.append(nn.Dropout(dropout))
            channels, size = n, -(-size // s)
        self.blocks = nn.Sequential(*blocks, nn.Flatten())
        self.score = nn.Linear(channels * size * size, head_units)

    def forward(self, images):
        return self.score(self.blocks(images))


# The presets of kgan.models.ARCHITECTURES, in the port's terms.
ARCHITECTURES = {
    "dcgan": dict(
        latent_dim=64,
        generator=dict(stem_filters=128, filters=(64,), strides=(2,), kernel_size=4, output_stride=2, slope=0.2),
        discriminator=dict(filters=(64, 128), strides=(2, 2), kernel_size=4, slope=0.2, dropout=0.0, head_units=1),
    ),
    "lecture004": dict(
        latent_dim=100,
        generator=dict(
            stem_filters=256,
            filters=(256, 128, 64, 32),
            strides=(1, 1, 2, 2),
            kernel_size=5,
            output_stride=1,
            slope=0.3,
        ),
        discriminator=dict(
            filters=(32, 64, 128, 256), strides=(1, 2, 2, 1), kernel_size=5, slope=0.3, dropout=0.3, head_units=2
        ),
    ),
}


def build(arch):
    """Returns `(generator, discriminator, latent_dim)` of a kgan architecture."""
    preset = ARCHITECTURES[arch]
    latent_dim = preset["latent_dim"]
    return Generator(latent_dim, **preset["generator"]), Discriminator(**preset["discriminator"]), latent_dim


def gan_loss(scores, real):
    """Cross-entropy of D's scores against "real" or "fake", for a logit head or lecture 004's 2-way softmax."""
    if scores.shape[1] == 2:
        target = torch.full((scores.shape[0],), int(real), dtype=torch.long)
        return F.cross_entropy(scores, target)
    return F.binary_cross_entropy_with_logits(scores[:, 0], torch.full((scores.shape[0],), float(real)))


class Trainer:
    """One GAN training step in PyTorch, doing the work of kgan's `fit` step or of the lecture loop."""

    def __init__(self, arch, work="fit", seed=0, bfloat16=False):
        if work not in WORKS:
            raise ValueError(f"`work` must be one of {WORKS}. Received: work={work!r}")
        torch.manual_seed(seed)
        # PyTorch's counterpart of Keras' mixed_bfloat16: float32 weights, the forward passes in bfloat16.
        self.autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16)
        self.generator, self.discriminator, self.latent_dim = build(arch)
        self.work = work
        self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), 2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), 2e-4, betas=(0.5, 0.999), eps=1e-7)

    def _freeze_discriminator(self, frozen):
        for p in self.discriminator.parameters():
            p.requires_grad_(not frozen)

    def step(self, real):
        batch = real.shape[0]
        z = torch.randn(batch, self.latent_dim)
        if self.work == "fit":
            with self.autocast():
                fake = self.generator(z)
                d_loss = 0.5 * (
                    gan_loss(self.discriminator(real), True) + gan_loss(self.discriminator(fake.detach()), False)
                )
            self.d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            self.d_optimizer.step()
        else:
            with torch.no_grad(), self.autocast():
                fake = self.generator(z)
            self.d_optimizer.zero_grad(set_to_none=True)
            with self.autocast():
                scores = self.discriminator(torch.cat([fake, real]))
                d_loss = 0.5 * (gan_loss(scores[:batch], False) + gan_loss(scores[batch:], True))
            d_loss.backward()
            self.d_optimizer.step()
            with self.autocast():
                fake = self.generator(torch.randn(batch, self.latent_dim))
        self._freeze_discriminator(True)
        self.g_optimizer.zero_grad(set_to_none=True)
        with self.autocast():
            g_loss = gan_loss(self.discriminator(fake), True)
        g_loss.backward()
        self.g_optimizer.step()
        self._freeze_discriminator(False)
        return d_loss.item(), g_loss.item()


def load_batches(batch_size, num_batches=8, seed=0):
    """A few real batches, NCHW float32 in [-1, 1] (kgan's embedded MNIST digits, else uniform noise)."""
    rng = np.random.default_rng(seed)
    if MNIST_NPZ.exists():
        images = np.load(MNIST_NPZ)["x"]
        idx = rng.integers(0, len(images), size=(num_batches, batch_size))
        batches = images[idx].astype("float32") / 127.5 - 1.0
    else:
        batches = rng.uniform(-1, 1, size=(num_batches, batch_size, 28, 28)).astype("float32")
    return [torch.from_numpy(b[:, None]) for b in batches]


def measure(arch, batch_size, seconds=10.0, work="fit", warmup=2, min_steps=1, threads=None, bfloat16=False):
    """Trains for about `seconds` after `warmup` steps. Returns a dict with images/s and seconds/step."""
    torch.set_num_threads(threads or os.cpu_count())
    trainer = Trainer(arch, work, bfloat16=bfloat16)
    batches = load_batches(batch_size)
    for i in range(warmup):
        trainer.step(batches[i % len(batches)])
    steps, start = 0, time.perf_counter()
    while steps < min_steps or time.perf_counter() - start < seconds:
        losses = trainer.step(batches[steps % len(batches)])
        steps += 1
    elapsed = time.perf_counter() - start
    return {
        "arch": arch,
        "batch_size": batch_size,
        "work": work,
        "steps": steps,
        "seconds": elapsed,
        "seconds_per_step": elapsed / steps,
        "images_per_second": steps * batch_size / elapsed,
        "final_losses": losses,
        "torch_version": torch.__version__,
        "bfloat16": bfloat16,
        "threads": torch.get_num_threads(),
        "generator_parameters": sum(p.numel() for p in trainer.generator.parameters()),
        "discriminator_parameters": sum(p.numel() for p in trainer.discriminator.parameters()),
    }


# The port's convolution and matrix-product kernels (oneDNN's on a CPU), for the share `profile` reports. The
# transposed convolutions' forward pass runs inside `aten::_convolution` (its self time), the others' in
# `aten::mkldnn_convolution`.
_KERNELS = ("aten::mkldnn_convolution", "aten::_convolution", "aten::convolution_backward", "aten::mm", "aten::addmm")


def profile(arch, batch_size, steps=20, work="fit", warmup=3, threads=None):
    """Traces `steps` steps with `torch.profiler`. Returns `(rows, seconds_per_step)`: `(op, ms/step, calls/step)`.

    The ops' self times add up to the traced steps' time (one op runs at a
    time; its intra-op threads inside it), so the rows compare with
    `benchmarks/profile_ops.py --inter-op-threads 1` on the TensorFlow side.
    """
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    torch.set_num_threads(threads or os.cpu_count())
    trainer = Trainer(arch, work)
    batches = load_batches(batch_size)
    for i in range(warmup):
        trainer.step(batches[i % len(batches)])
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        for i in range(steps):
            trainer.step(batches[i % len(batches)])
        seconds = (time.perf_counter() - start) / steps
    rows = [(e.key, e.self_cpu_time_total / steps / 1000, e.count / steps) for e in prof.key_averages()]
    return sorted(rows, key=lambda row: -row[1]), seconds


def print_profile(arch, batch_size, rows, seconds, top=15):
    total = sum(ms for _, ms, _ in rows)
    kernels = sum(ms for name, ms, _ in rows if name in _KERNELS)
    print(
        f"PyTorch {torch.__version__} {arch}, batch {batch_size}: {1000 * seconds:.1f} ms per traced step; ops' "
        f"self time {total:.1f} ms per step, of which convolution and matmul kernels {kernels:.1f} ms "
        f"({100 * kernels / total:.1f} %)"
    )
    print("| op | calls/step | ms/step | share |\n|---|---:|---:|---:|")
    for name, ms, calls in rows[:top]:
        print(f"| {name} | {calls:.0f} | {ms:.1f} | {100 * ms / total:.1f} % |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="lecture004")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0, help="timed training time after the warm-up")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--work", choices=WORKS, default="fit", help="kgan's fit step or the lecture's loop")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of a sentence")
    parser.add_argument(
        "--bfloat16", action="store_true", help="forward passes under torch.autocast(bfloat16) (Keras' mixed_bfloat16)"
    )
    parser.add_argument(
        "--profile", type=int, metavar="STEPS", help="trace this many steps with torch.profiler, print the ops' table"
    )
    args = parser.parse_args(argv)
    if args.profile:
        rows, seconds = profile(args.arch, args.batch_size, args.profile, args.work, threads=args.threads)
        print_profile(args.arch, args.batch_size, rows, seconds)
        return 0
    result = measure(
        args.arch, args.batch_size, args.seconds, args.work, args.warmup, threads=args.threads, bfloat16=args.bfloat16
    )
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"torch {result['torch_version']} {args.arch} batch {args.batch_size} ({args.work} work): "
            f"{result['images_per_second']:.1f} images/s, {1000 * result['seconds_per_step']:.1f} ms/step "
            f"over {result['steps']} steps"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
