"""Time to quality: wall time until the default main job, and the keras-io baseline, first reach a classifier score.

    python benchmarks/time_to_quality.py                     # up to 12 minutes of training per model, back to back
    python benchmarks/time_to_quality.py --minutes 4 --json ttq.json
    python benchmarks/time_to_quality.py --epochs 1 --examples 256   # a smoke run (numbers meaningless)

Trains, one after the other on the same 5,000 embedded digits:

- **kgan**: the default main job, `kgan.train(**kgan.training.MAIN_JOB)` (XLA chosen by measurement, its probe
  and compilation included in the clock), scored every epoch by `kgan.metrics.GANMetrics`;
- **keras-io**: the baseline users copy, keras-io's "GAN overriding `Model.train_step`" example
  (`examples/generative/dcgan_overriding_train_step.py`: its networks, loss, label noise, Adam 3e-4, batch 64,
  data in [0, 1] shuffled with a 1,024 buffer), reproduced in `KerasIoGAN` below; scored every epoch the same
  way, its sigmoid output in [0, 1] mapped to kgan's [-1, 1] (`2x - 1`) before scoring.

Both are scored with the shipped classifier under docs/metrics.md's protocol (1,000 images from latent vectors
fixed by the protocol's seed, against 1,000 held-out real digits). The clock starts before the model is built
and leaves out the scoring time. The table gives, per model, the training seconds at which the classifier score
first reaches 8.0 and 9.0 (or "not reached" and the best score), with the CPU model and the load.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import shlex
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from kgan.core.utils import atomic_path
from kgan.data.sources import load_arrays
from kgan.metrics import Evaluator, GANMetrics
from kgan.training import MAIN_JOB, train
from kgan.training.xla_choice import cpu_model

MINUTES = 12.0  # training budget per model (scoring time left out)
THRESHOLDS = (8.0, 9.0)  # classifier scores whose first crossing is reported
BASELINE_EPOCHS = 1000  # the baseline trains until its budget runs out


class KerasIoGAN(keras.Model):
    """keras-io's "GAN overriding `Model.train_step`" (fchollet, 2019), as published, on Keras 3.

    D: Conv 64 and 128 (3x3, stride 2) with LeakyReLU 0.2, global max pooling, Dense 1 (a logit). G: latent 128,
    Dense 7x7x128 with LeakyReLU 0.2, two Conv2DTranspose 128 (4x4, stride 2) with LeakyReLU 0.2, Conv 1 (7x7)
    with a sigmoid. One D step on fakes (label 1) and reals (label 0) with 0.05 uniform label noise, then one G
    step on fresh noise labelled "real"; binary cross-entropy on logits.
    """

    def __init__(self, latent_dim=128, image_shape=(28, 28, 1)):
        super().__init__()
        layers = keras.layers
        self.latent_dim = latent_dim
        self.discriminator = keras.Sequential(
            [
                keras.Input(shape=image_shape),
                layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
                layers.LeakyReLU(negative_slope=0.2),
                layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
                layers.LeakyReLU(negative_slope=0.2),
                layers.GlobalMaxPooling2D(),
                layers.Dense(1),
            ],
            name="discriminator",
        )
        self.generator = keras.Sequential(
            [
                keras.Input(shape=(latent_dim,)),
                layers.Dense(7 * 7 * 128),
                layers.LeakyReLU(negative_slope=0.2),
                layers.Reshape((7, 7, 128)),
                layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
                layers.LeakyReLU(negative_slope=0.2),
                layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
                layers.LeakyReLU(negative_slope=0.2),
                layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
            ],
            name="generator",
        )

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        batch_size = tf.shape(real_images)[0]
        generated_images = self.generator(tf.random.normal(shape=(batch_size, self.latent_dim)))
        combined_images = tf.concat([generated_images, real_images], axis=0)
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))  # "important trick!"
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined_images))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        misleading_labels = tf.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(tf.random.normal(shape=(batch_size, self.latent_dim))))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return {"d_loss": d_loss, "g_loss": g_loss}


class Clock(keras.callbacks.Callback):
    """Training seconds since `start` at every epoch end, minus the scoring time; stops after `budget` seconds.

    Put it after the callback that scores (`GANMetrics`, `BaselineScorer`): it reads the score and the seconds
    each scoring took from that callback's `records`.
    """

    def __init__(self, start, budget, scorer):
        super().__init__()
        self.start, self.budget, self.scorer = start, budget, scorer
        self.rows = []

    def on_epoch_end(self, epoch, logs=None):
        record = self.scorer.records[-1]
        scoring = sum(r["eval_seconds"] for r in self.scorer.records)
        seconds = time.perf_counter() - self.start - scoring
        self.rows.append({"epoch": epoch + 1, "seconds": seconds, "classifier_score": record["classifier_score"]})
        if seconds >= self.budget:
            self.model.stop_training = True


class BaselineScorer(keras.callbacks.Callback):
    """`GANMetrics`' protocol for the keras-io generator: fixed normal latents, [0, 1] mapped to [-1, 1]."""

    def __init__(self, evaluator, latent_dim):
        super().__init__()
        self.evaluator = evaluator
        protocol = evaluator.protocol
        self.latent = np.random.default_rng(protocol.seed).standard_normal((protocol.num_samples, latent_dim))
        self.latent = self.latent.astype("float32")
        self.records = []

    def on_epoch_end(self, epoch, logs=None):
        began = time.perf_counter()
        images = self.model.generator.predict(self.latent, batch_size=250, verbose=0) * 2.0 - 1.0
        result = self.evaluator.score(images)
        self.records.append({"epoch": epoch + 1, "eval_seconds": time.perf_counter() - began, **result})


def run_kgan(budget, epochs, output_dir, scratch, examples=None):
    start = time.perf_counter()
    metrics = GANMetrics(every=1, on_collapse=None)
    clock = Clock(start, budget, metrics)
    settings = {**MAIN_JOB, **({"epochs": epochs} if epochs else {})}
    if examples:  # the first digits only, as a Keras-style .npz in the scratch folder
        images, labels, _ = load_arrays("mnist_embedded")
        path = pathlib.Path(scratch) / "digits.npz"
        np.savez(path, x=images[:examples, ..., 0], y=labels[:examples])
        settings.update(dataset="npz", data_path=str(path))
    train(output_dir=output_dir, verbose=0, extra_callbacks=[metrics, clock], **settings)
    return clock.rows


def run_keras_io(budget, epochs, seed, examples=None):
    start = time.perf_counter()
    keras.utils.set_random_seed(seed)
    images = load_arrays("mnist_embedded")[0][:examples].astype("float32") / 255  # the example's [0, 1] digits
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(buffer_size=1024).batch(64).prefetch(32)
    gan = KerasIoGAN()
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    scorer = BaselineScorer(Evaluator.from_classifier("mnist"), gan.latent_dim)
    clock = Clock(start, budget, scorer)
    gan.fit(dataset, epochs=epochs or BASELINE_EPOCHS, callbacks=[scorer, clock], verbose=0)
    return clock.rows


def first_reached(rows, threshold):
    """`(seconds, epoch)` of the first row scoring >= `threshold`, or None."""
    return next(((r["seconds"], r["epoch"]) for r in rows if r["classifier_score"] >= threshold), None)


def table(results):
    lines = [
        "| model | " + " | ".join(f"first score >= {t}" for t in THRESHOLDS) + " | best score (epoch, s) | epochs, s |",
        "|---" * (len(THRESHOLDS) + 3) + "|",
    ]
    for name, rows in results.items():
        cells = []
        for threshold in THRESHOLDS:
            hit = first_reached(rows, threshold)
            cells.append(f"{hit[0]:.0f} s (epoch {hit[1]})" if hit else "not reached")
        best = max(rows, key=lambda r: r["classifier_score"])
        cells.append(f"{best['classifier_score']:.2f} ({best['epoch']}, {best['seconds']:.0f} s)")
        cells.append(f"{rows[-1]['epoch']}, {rows[-1]['seconds']:.0f} s")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=float, default=MINUTES, help="training budget per model (default: %(default)s)"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="most epochs per model (default: the main job's 50 for kgan, until the budget for keras-io)",
    )
    parser.add_argument("--examples", type=int, default=None, help="train on the first N digits (default: all 5,000)")
    parser.add_argument("--seed", type=int, default=0, help="the keras-io run's seed (default: %(default)s)")
    parser.add_argument("--output-dir", default=None, help="the kgan run's folder (default: a temporary one)")
    parser.add_argument("--json", default=None, help="also write the rows and the summary here")
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error(f"--minutes must be > 0. Received: {args.minutes}")
    for name in ("epochs", "examples"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer. Received: {getattr(args, name)}")
    command = shlex.join(["python", "benchmarks/time_to_quality.py", *(sys.argv[1:] if argv is None else argv)])
    budget = args.minutes * 60
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kgan-ttq-") as tmp:
        run_dir = args.output_dir or str(pathlib.Path(tmp) / "run")
        results = {"kgan main job": run_kgan(budget, args.epochs, run_dir, tmp, args.examples)}
    results["keras-io baseline"] = run_keras_io(budget, args.epochs, args.seed, args.examples)
    summary = {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "machine": platform.machine(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "budget_seconds": budget,
        "examples": args.examples or 5000,
        "order": "back to back: kgan, then keras-io",
        "results": results,
    }
    print(table(results))
    print(f"\n{command}; {summary['cpu']}; load average before {load_before}, after {summary['load_after']}")
    if args.json:
        with atomic_path(args.json) as tmp:
            pathlib.Path(tmp).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
