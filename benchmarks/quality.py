"""Quality benchmark: the main job's default run, scored against wall time.

    python benchmarks/quality.py                      # the default main job (kgan train)
    python benchmarks/quality.py --epochs 5 --every 1 # a quick look

Trains the main job's recipe (`kgan.training.MAIN_JOB`) plus a `kgan.metrics.GANMetrics` callback every `--every`
epochs, then writes the curve (classifier score, Fréchet distance, KID, classes covered against wall
time) to `--plot`, the per-evaluation records to `--json`, and prints a Markdown table for
benchmarks/RESULTS.md. Target of the default main job: classifier score >= 9.0 with all ten classes
covered.
"""

import argparse
import datetime
import json
import pathlib
import platform
import shlex
import sys

import numpy as np
from matplotlib.figure import Figure

from kgan.core.utils import atomic_path
from kgan.metrics import GANMetrics, read_card
from kgan.training import MAIN_JOB, default_run_dir, train

HERE = pathlib.Path(__file__).parent
EVERY = 5  # epochs between evaluations
TARGET_SCORE = 9.0  # classifier score the default main job should reach, with all classes covered


def plot(records, reference, path, title):
    fig = Figure(figsize=(12, 3.4), dpi=100)
    axes = fig.subplots(1, 4)
    minutes = [r["wall_time"] / 60 for r in records]
    panels = (
        ("classifier_score", "classifier score (higher is better)"),
        ("frechet_distance", "Frechet distance (lower is better)"),
        ("kid", "KID (lower is better)"),
        ("classes_covered", "classes covered"),
    )
    for ax, (key, label) in zip(axes, panels):
        ax.plot(minutes, [r[key] for r in records], marker="o", markersize=3, label="generated")
        ax.axhline(reference[key], color="green", linestyle="--", linewidth=1, label="real vs real")
        if key == "classifier_score":
            ax.axhline(TARGET_SCORE, color="red", linestyle=":", linewidth=1, label="target")
        if key in ("frechet_distance", "kid"):
            ax.set_yscale("symlog", linthresh=1.0 if key == "frechet_distance" else 0.1)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("wall time (min)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="default: the main job's")
    parser.add_argument("--every", type=int, default=EVERY, help="epochs between evaluations (default: %(default)s)")
    parser.add_argument("--output-dir", default=None, help="run directory (default: runs/quality-<timestamp>)")
    parser.add_argument("--plot", default=str(HERE / "quality_curve.png"), help="curve PNG (default: %(default)s)")
    parser.add_argument("--json", default=str(HERE / "quality.json"), help="records (default: %(default)s)")
    args = parser.parse_args(argv)
    command = shlex.join(["python", "benchmarks/quality.py", *(sys.argv[1:] if argv is None else argv)])

    metrics = GANMetrics(every=args.every, on_collapse="warn")
    kwargs = {**MAIN_JOB, **({"epochs": args.epochs} if args.epochs else {})}  # the main job's recipe
    result = train(
        output_dir=args.output_dir or default_run_dir("quality"), verbose=2, extra_callbacks=[metrics], **kwargs
    )
    reference = read_card("mnist")["reference"]
    records = [{k: v for k, v in r.items()} for r in metrics.records]
    training_seconds = records[-1]["wall_time"] - sum(r["eval_seconds"] for r in records)
    final = records[-1]
    met = final["classifier_score"] >= TARGET_SCORE and final["classes_covered"] == len(final["histogram"])
    summary = {
        "command": command,
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, 2 CPU cores (shared)",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
        "epochs": len(result.history["d_loss"]),
        "training_seconds": training_seconds,
        "eval_seconds_mean": float(np.mean([r["eval_seconds"] for r in records])),
        "target": f"classifier score >= {TARGET_SCORE} with all classes covered",
        "target_met": bool(met),
        "reference": reference,
        "records": records,
        "run_dir": str(result.run_dir),
    }
    with atomic_path(args.json) as tmp:
        tmp.write_text(json.dumps(summary, indent=2) + "\n")
    plot(
        records,
        reference,
        args.plot,
        f"kgan train defaults ({summary['epochs']} epochs): quality against wall time, 2-core CPU",
    )

    print(f"\ncommand: {command}\ndate: {summary['date']}\nmachine: {summary['machine']}")
    print("| epoch | wall time (min) | classifier score | Fréchet distance | KID (± std) | classes covered |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in records:
        print(
            f"| {r['epoch']} | {r['wall_time'] / 60:.1f} | {r['classifier_score']:.2f} | "
            f"{r['frechet_distance']:.2f} | {r['kid']:.3f} ± {r['kid_std']:.3f} | {r['classes_covered']} |"
        )
    print(
        f"| real vs real | | {reference['classifier_score']:.2f} | {reference['frechet_distance']:.2f} | "
        f"{reference['kid']:.3f} ± {reference['kid_std']:.3f} | {reference['classes_covered']} |"
    )
    print(f"final class histogram: {final['histogram']}")
    print(f"target ({summary['target']}): {'MET' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
