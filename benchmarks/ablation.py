"""Ablation of the main job's recipe on the 5,000 embedded digits: quality against training time.

    python benchmarks/ablation.py --config baseline --seed 0             # one run of the main job plus its scoring
    python benchmarks/ablation.py --config ema+augment --seed 1 --epochs 40
    python benchmarks/ablation.py --table                                # the table and curve of all runs so far

Each run trains with `kgan.train` (the main job's code path) plus a `kgan.metrics.GANMetrics` callback
every `--every` epochs (the protocol of docs/metrics.md), and writes its records to
`benchmarks/ablation/<config>-s<seed>.json`: per evaluation the epoch, the training seconds so far
(wall time minus the evaluations' own time), CPU seconds, and the scores. `--table` reads them all and
prints the Markdown table for benchmarks/RESULTS.md and draws `benchmarks/ablation_curve.png`.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import resource
import shlex
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).parent
OUT = HERE / "ablation"

# Candidate networks for the main job, registered as architectures for these runs only.
CANDIDATE_ARCHITECTURES = {
    # G with a second upsampling block and a 3x3 output conv at full resolution (about 2x G's work).
    "dcgan_deep": {
        "latent_dim": 64,
        "generator": dict(
            stem_filters=128, filters=(64, 32), strides=(2, 2), kernel_size=4, output_stride=1, output_kernel_size=3
        ),
        "discriminator": dict(filters=(64, 128), strides=(2, 2), kernel_size=4, dropout=0.0),
    },
    # InfoGAN's MNIST networks (Chen et al. 2016): a fully connected 1024 layer in G and in D.
    "dcgan_fc1024": {
        "latent_dim": 64,
        "generator": dict(
            stem_filters=128, filters=(64,), strides=(2,), kernel_size=4, output_stride=2, hidden_units=(1024,)
        ),
        "discriminator": dict(filters=(64, 128), strides=(2, 2), kernel_size=4, hidden_units=(1024,)),
    },
    # InfoGAN's MNIST discriminator exactly: BatchNorm after its second conv too.
    "dcgan_infogan": {
        "latent_dim": 64,
        "generator": dict(
            stem_filters=128, filters=(64,), strides=(2,), kernel_size=4, output_stride=2, hidden_units=(1024,)
        ),
        "discriminator": dict(filters=(64, 128), strides=(2, 2), kernel_size=4, hidden_units=(1024,), batchnorm=True),
    },
    # G twice as wide (about 4x G's work).
    "dcgan_wide": {
        "latent_dim": 64,
        "generator": dict(stem_filters=256, filters=(128,), strides=(2,), kernel_size=4, output_stride=2),
        "discriminator": dict(filters=(64, 128), strides=(2, 2), kernel_size=4, dropout=0.0),
    },
}

# Each configuration: `kgan.train` arguments on top of the library's defaults (the old main job).
CONFIGS = {
    "baseline": {},
    "ema": {"ema": 0.999},
    "augment": {"augment": "color,translation,cutout"},
    "ada": {"augment": "color,translation,cutout", "augment_probability": 0.0, "ada_target": 0.6},
    "sn": {"spectral_norm": True},
    "r1": {"r1": 1.0},
    "ema+augment": {"ema": 0.999, "augment": "color,translation,cutout"},
    "ema+translation": {"ema": 0.999, "augment": "translation"},
    "ema+ada": {"ema": 0.999, "augment": "color,translation,cutout", "augment_probability": 0.0, "ada_target": 0.6},
    "ema+augment+sn": {"ema": 0.999, "augment": "color,translation,cutout", "spectral_norm": True},
    "ema+augment+r1": {"ema": 0.999, "augment": "color,translation,cutout", "r1": 1.0},
    "ema+augment+wide": {"ema": 0.999, "augment": "color,translation,cutout", "arch": "dcgan_wide"},
    "ema+wide": {"ema": 0.999, "arch": "dcgan_wide"},
    "ema+deep": {"ema": 0.999, "arch": "dcgan_deep"},
    "ema+deep+augment": {"ema": 0.999, "arch": "dcgan_deep", "augment": "color,translation,cutout"},
    "ema+fc": {"ema": 0.999, "arch": "dcgan_fc1024"},
    "ema+fc+augment": {"ema": 0.999, "arch": "dcgan_fc1024", "augment": "color,translation,cutout"},
    "ema+infogan": {"ema": 0.999, "arch": "dcgan_infogan"},
    "ema+fc+ada": {
        "ema": 0.999,
        "arch": "dcgan_fc1024",
        "augment": "color,translation,cutout",
        "augment_probability": 0.0,
        "ada_target": 0.6,
    },
    "fc": {"arch": "dcgan_fc1024"},
    "ema+fc+lr5e-4": {"ema": 0.999, "arch": "dcgan_fc1024", "lr_d": 5e-4, "lr_g": 5e-4},
    "ema+fc+lr1e-3": {"ema": 0.999, "arch": "dcgan_fc1024", "lr_d": 1e-3, "lr_g": 1e-3},
    # The candidate recipe and its ablations (each ingredient removed or added).
    "recipe": {"ema": 0.999, "arch": "dcgan_fc", "lr_d": 5e-4, "lr_g": 5e-4},
    "recipe-ema": {"arch": "dcgan_fc", "lr_d": 5e-4, "lr_g": 5e-4},
    "recipe+ada": {
        "ema": 0.999,
        "arch": "dcgan_fc",
        "lr_d": 5e-4,
        "lr_g": 5e-4,
        "augment": "color,translation,cutout",
        "augment_probability": 0.0,
        "ada_target": 0.6,
    },
    "recipe+sn": {"ema": 0.999, "arch": "dcgan_fc", "lr_d": 5e-4, "lr_g": 5e-4, "spectral_norm": True},
    "recipe+r1": {"ema": 0.999, "arch": "dcgan_fc", "lr_d": 5e-4, "lr_g": 5e-4, "r1": 1.0},
    "recipe-fc256": {"ema": 0.999, "arch": "dcgan_fc", "lr_d": 5e-4, "lr_g": 5e-4},  # = recipe (an early name)
    "ema+b32": {"ema": 0.999, "batch_size": 32},
    "ema+ttur": {"ema": 0.999, "lr_d": 4e-4, "lr_g": 1e-4},
    # InfoGAN's categorical code (10 categories, lambda 1) on top of the recipe.
    "recipe+ada+info": {
        "ema": 0.999,
        "arch": "dcgan_fc",
        "lr_d": 5e-4,
        "lr_g": 5e-4,
        "variant": "infogan",
        "augment": "color,translation,cutout",
        "augment_probability": 0.0,
        "ada_target": 0.6,
    },
    "recipe+info": {"ema": 0.999, "arch": "dcgan_fc", "lr_d": 5e-4, "lr_g": 5e-4, "variant": "infogan"},
    "recipe+ada+info+decay": {
        "ema": 0.999,
        "arch": "dcgan_fc",
        "lr_d": 5e-4,
        "lr_g": 5e-4,
        "variant": "infogan",
        "augment": "color,translation,cutout",
        "augment_probability": 0.0,
        "ada_target": 0.6,
        "lr_decay": "linear",
    },
    "default": None,  # the main job's new defaults, whatever they are (kgan.training.MAIN_JOB)
    # On top of the main job's defaults (kgan.training.MAIN_JOB):
    # (these probes pin the 10 categories the main job's code had when they ran, so their records keep these names)
    "default+sn": {"main_job": True, "variant_options": {"categories": 10}, "spectral_norm": True},
    "default+r1": {"main_job": True, "variant_options": {"categories": 10}, "r1": 1.0},
    "default+codes20": {"main_job": True, "variant_options": {"categories": 20}},  # the main job's default
}


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(config, seed, epochs, every, out=OUT):
    import keras

    from kgan.metrics import GANMetrics
    from kgan.models import ARCHITECTURES
    from kgan.training import MAIN_JOB, train

    ARCHITECTURES.update(CANDIDATE_ARCHITECTURES)

    options = dict(MAIN_JOB if CONFIGS[config] is None else CONFIGS[config])
    if options.pop("main_job", False):
        options = {**MAIN_JOB, **options}
    if epochs:
        options["epochs"] = epochs
    records = []

    class Clock(keras.callbacks.Callback):
        """Adds CPU seconds and the training-only wall time to GANMetrics' records."""

        def on_train_begin(self, logs=None):
            self.start_cpu = cpu_seconds()

        def on_epoch_end(self, epoch, logs=None):
            if metrics.records and metrics.records[-1]["epoch"] == epoch + 1:
                record = dict(metrics.records[-1])
                record["cpu_seconds"] = cpu_seconds() - self.start_cpu
                record["train_seconds"] = record["wall_time"] - sum(r["eval_seconds"] for r in metrics.records)
                record.pop("histogram", None)
                records.append({k: (float(v) if hasattr(v, "__float__") else v) for k, v in record.items()})
                print(
                    f"[{config} s{seed}] epoch {epoch + 1}: score {record['classifier_score']:.2f}, "
                    f"FD {record['frechet_distance']:.1f}, classes {record['classes_covered']}, "
                    f"train {record['train_seconds']:.0f} s",
                    flush=True,
                )

    class LinearDecay(keras.callbacks.Callback):
        """A probe: both learning rates held for the first half, then decayed linearly to 0 by the last epoch."""

        def __init__(self, epochs):
            super().__init__()
            self.epochs = epochs

        def on_epoch_begin(self, epoch, logs=None):
            half = self.epochs // 2
            factor = 1.0 if epoch < half else 1.0 - (epoch - half) / (self.epochs - half)
            for optimizer, lr in ((self.model.d_optimizer, options["lr_d"]), (self.model.g_optimizer, options["lr_g"])):
                optimizer.learning_rate.assign(lr * factor)

    metrics = GANMetrics(every=every, on_collapse=None)
    extra = []
    if options.pop("lr_decay", None):
        extra.append(LinearDecay(options.get("epochs", 50)))
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        result = train(
            output_dir=pathlib.Path(tmp) / "run",
            seed=seed,
            verbose=0,
            on_divergence="warn",
            extra_callbacks=[metrics, Clock(), *extra],
            **options,
        )
    final = metrics.records[-1]
    summary = {
        "config": config,
        "options": options,
        "seed": seed,
        "epochs": len(result.history["d_loss"]),
        "command": shlex.join(["python", "benchmarks/ablation.py", *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()} {_cpu_model()}, {os.cpu_count()} cores",
        "load_at_start": os.getloadavg(),
        "wall_seconds": time.time() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "final": {k: v for k, v in final.items() if k != "histogram"},
        "histogram": list(map(int, final["histogram"])),
        "records": records,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{config}-s{seed}.json").write_text(json.dumps(summary, indent=1, default=float) + "\n")


def _cpu_model():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None, help="default: the main job's")
    parser.add_argument("--every", type=int, default=5, help="epochs between evaluations (default: %(default)s)")
    parser.add_argument("--table", action="store_true", help="print the table of all runs and draw the curve")
    parser.add_argument("--out", type=pathlib.Path, default=OUT, help="folder of the records (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.table:
        return table(args.out)
    if not args.config:
        parser.error("--config or --table is required")
    run(args.config, args.seed, args.epochs, args.every, args.out)
    return 0


def table(out=OUT):
    import numpy as np
    from matplotlib.figure import Figure

    runs = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    by_config = {}
    for r in runs:
        by_config.setdefault(r["config"], []).append(r)
    print(
        "| configuration | seeds | epochs | classifier score (per seed) | Fréchet distance | classes | "
        "training min | first score >= 8.0: epoch (min) |"
    )
    print("|---|---|---:|---|---|---|---:|---|")
    for config, group in by_config.items():
        group.sort(key=lambda r: r["seed"])
        scores = ", ".join(f"{r['final']['classifier_score']:.2f}" for r in group)
        fds = ", ".join(f"{r['final']['frechet_distance']:.1f}" for r in group)
        classes = ", ".join(str(int(r["final"]["classes_covered"])) for r in group)
        minutes = np.mean([r["records"][-1]["train_seconds"] / 60 for r in group])
        first = ", ".join(
            next(
                (
                    f"{x['epoch']:.0f} ({x['train_seconds'] / 60:.1f})"
                    for x in r["records"]
                    if x["classifier_score"] >= 8.0
                ),
                "never",
            )
            for r in group
        )
        print(
            f"| {config} | {', '.join(str(r['seed']) for r in group)} | {group[0]['epochs']} | {scores} | {fds} | "
            f"{classes} | {minutes:.1f} | {first} |"
        )
    fig = Figure(figsize=(11, 4), dpi=100)
    axes = fig.subplots(1, 2)
    colours = {}
    for config, group in by_config.items():
        for r in group:
            colour = colours.setdefault(config, f"C{len(colours) % 10}")
            minutes = [x["train_seconds"] / 60 for x in r["records"]]
            label = config if r is group[0] else None
            axes[0].plot(minutes, [x["classifier_score"] for x in r["records"]], color=colour, label=label, marker=".")
            axes[1].plot(minutes, [x["frechet_distance"] for x in r["records"]], color=colour, marker=".")
    axes[0].axhline(9.0, color="red", linestyle=":", linewidth=1)
    axes[0].set(title="classifier score (higher is better; target 9.0)", xlabel="training time (min)")
    axes[1].set(title="Frechet distance (lower is better; target 15)", xlabel="training time (min)", yscale="log")
    axes[1].axhline(15, color="red", linestyle=":", linewidth=1)
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out.parent / f"{out.name}_curve.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
