"""How kgan's training scales over replicas and workers on this machine (tf.distribute).

    python benchmarks/scaling.py                  # one table
    python benchmarks/scaling.py --quick          # seconds-long smoke run (numbers meaningless)
    python benchmarks/scaling.py --json out.json  # also write the numbers as JSON

Side by side in one run, each setting in a fresh process, the main job's model
(`dcgan` on 28x28 digits, global batch 64 and 256, XLA off everywhere so the
settings compare like for like: XLA cannot compile a mirrored step):

- one process, no strategy;
- `MirroredStrategy` over the CPU split into 2 logical devices (`--cpu-devices 2`);
- `MultiWorkerMirroredStrategy` with 2 worker processes on 127.0.0.1 (TF_CONFIG),
  the global batch split between them.

Throughput is training images per second (global batch x steps / s), timed
over `--steps` steps after `--warmup` steps of tracing and warm-up. On a
machine with N GPUs (or N machines) the same commands measure real scaling;
on 2 CPU cores the replicas share the cores one process already uses, so the
ratio says what distribution costs, not what it gains.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import time


def worker(args):
    """Runs in a child process: builds the GAN under the strategy and times `fit`; prints one JSON line."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    from kgan.core import GAN, distribute
    from kgan.data import load_arrays, make_dataset
    from kgan.models import build_models

    if args.cpu_devices:
        distribute.split_cpu(args.cpu_devices)
    strategy = distribute.get_strategy(args.strategy)
    images, _, info = load_arrays("mnist_embedded")
    data = make_dataset(images, batch_size=args.batch, seed=0).repeat()
    data = distribute.shard_by_data(data)
    with strategy.scope():
        gan = GAN(*build_models("dcgan", info.image_shape), seed=0)
        gan.compile(jit_compile=False)

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch + 1 == args.warmup:
                self.start = time.perf_counter()

        def on_train_end(self, logs=None):
            self.seconds = time.perf_counter() - self.start

    timer = Timer()
    gan.fit(data, epochs=1, steps_per_epoch=args.warmup + args.steps, callbacks=[timer], verbose=0)
    print(
        json.dumps(
            {
                "images_per_s": args.batch * args.steps / timer.seconds,
                "replicas": strategy.num_replicas_in_sync,
                "finite": bool(np.isfinite(gan.d_loss_tracker.result())),
            }
        )
    )


def measure(setting, batch, steps, warmup, timeout=900):
    """Runs one setting in fresh process(es); returns the chief's images/s and replica count."""
    base = [sys.executable, __file__, "--worker", "--batch", str(batch), "--steps", str(steps), "--warmup", str(warmup)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if setting == "one process":
        commands, envs = [base + ["--strategy", "default"]], [env]
    elif setting == "mirrored, 2 logical CPUs":
        commands, envs = [base + ["--strategy", "mirrored", "--cpu-devices", "2"]], [env]
    else:
        from kgan.core.distribute import local_tf_configs  # noqa: PLC0415

        commands = [base + ["--strategy", "multi_worker"]] * 2
        envs = [dict(env, TF_CONFIG=config) for config in local_tf_configs(2)]
    processes = [
        subprocess.Popen(c, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c, e in zip(commands, envs)
    ]
    try:
        outputs = [p.communicate(timeout=timeout) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(processes, outputs):
        if p.returncode != 0:
            raise RuntimeError(f"{setting} failed:\n{err[-2000:]}")
    return json.loads(outputs[0][0].strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: few steps, batch 64 only")
    parser.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per setting (default 40, quick 3)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 5, quick 2)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--strategy", default="default", help=argparse.SUPPRESS)
    parser.add_argument("--cpu-devices", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=64, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    steps = args.steps or (3 if args.quick else 40)
    warmup = args.warmup or (2 if args.quick else 5)
    batches = (64,) if args.quick else (64, 256)
    settings = ("one process", "mirrored, 2 logical CPUs", "2 workers on 127.0.0.1")
    rows = []
    for batch in batches:
        base = None
        for setting in settings:
            result = measure(setting, batch, steps, warmup)
            base = base or result["images_per_s"]
            rows.append(
                {
                    "setting": setting,
                    "batch": batch,
                    "replicas": result["replicas"],
                    "images_per_s": result["images_per_s"],
                    "vs_one_process": result["images_per_s"] / base,
                }
            )
            print(f"  {setting:28s} batch {batch:4d}: {result['images_per_s']:8.1f} images/s", flush=True)
    print("\n| setting | global batch | replicas | images/s | vs one process |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['setting']} | {r['batch']} | {r['replicas']} | {r['images_per_s']:.0f} | "
            f"{r['vs_one_process']:.2f}x |"
        )
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f} at the end; {stamp}; {steps} timed steps after {warmup}."
    )
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"rows": rows, "date": stamp, "steps": steps}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
