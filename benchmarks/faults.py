"""Fault benchmark: SIGKILL the main job at random moments; every rerun resumes and exports the same generator.

    python benchmarks/faults.py               # 20 kills
    python benchmarks/faults.py --kills 8     # fewer, when time is short

The main job (`scripts/train_mnist_gan.py`) trains on a small `.npz` of the embedded digits with
`--deterministic`. One uninterrupted run sets the reference and the time scale T. Then, run directory after run
directory, the same command is started and killed (SIGKILL, like a power cut) at a moment drawn uniformly from
[0, T]: in the start-up, mid-epoch, while a checkpoint, a picture or the export is written, or between the export
and `finished.json`. Up to `--per-run` kills land in one directory (a rerun can be killed too); then the command
runs to the end. A kill survives when, in its directory, every rerun exited 0 (or was killed by us) without a
traceback, the run ended finished with exactly one export version (no duplicate), no `.tmp-*` file was left, and
the export's `serving_default` gives the reference's images, bit for bit, on fixed latent vectors.
Prints one line per kill and `survived S/N`; exits 1 if any kill was not survived.
"""

import argparse
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "train_mnist_gan.py"
EXPORT_NAME = "npz_infogan"  # the main job's default export name for `--dataset npz`


def command(data, run_dir, epochs):
    return [
        sys.executable,
        str(SCRIPT),
        "--dataset",
        "npz",
        "--data-path",
        str(data),
        "--batch-size",
        "64",
        "--epochs",
        str(epochs),
        "--seed",
        "3",
        "--deterministic",
        "--output-dir",
        str(run_dir),
    ]


def export_images(version_dir, latents):
    """The images `serving_default` gives for `latents` (labels 0, if the generator takes labels)."""
    import tensorflow as tf  # noqa: PLC0415 (after the subprocesses are set up; not needed to start them)

    signature = tf.saved_model.load(str(version_dir)).signatures["serving_default"]
    inputs = {"latent": tf.constant(latents)}
    if "labels" in signature.structured_input_signature[1]:
        inputs["labels"] = tf.zeros(len(latents), tf.int32)
    return signature(**inputs)["images"].numpy()


def where_it_landed(run_dir):
    """What the run directory held after a kill: a rough phase."""
    if (run_dir / "finished.json").exists():
        return "after finished.json"
    if (run_dir / "publishing.json").exists():
        exported = (run_dir / "saved_models" / EXPORT_NAME / "1").exists()
        return "after the export, before finished.json" if exported else "while exporting"
    epochs = sorted((run_dir / "checkpoints").glob("epoch_*.keras")) if (run_dir / "checkpoints").exists() else []
    return f"after epoch {int(epochs[-1].stem.split('_')[1])}" if epochs else "before the first checkpoint"


def leftovers(run_dir):
    places = [run_dir, run_dir / "checkpoints", run_dir / "samples", run_dir / "saved_models" / EXPORT_NAME]
    return [p for place in places if place.is_dir() for p in place.glob(".tmp-*")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="how many SIGKILLs to deliver")
    parser.add_argument("--per-run", type=int, default=2, help="kills per run directory before it may finish")
    parser.add_argument("--epochs", type=int, default=4, help="epochs of the main job")
    parser.add_argument("--digits", type=int, default=256, help="how many embedded digits to train on")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    parser.add_argument("--work", type=pathlib.Path, default=None, help="folder for the runs (default: a temp dir)")
    args = parser.parse_args(argv)

    work = args.work or pathlib.Path(tempfile.mkdtemp(prefix="kgan-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from kgan.data import load_arrays  # noqa: PLC0415 (the repository's kgan, after sys.path)

    images, labels, _ = load_arrays()
    data = work / "digits.npz"
    np.savez(data, x=images[: args.digits, ..., 0], y=labels[: args.digits])

    start = time.time()
    straight = subprocess.run(command(data, work / "straight", args.epochs), capture_output=True, text=True)
    duration = time.time() - start
    if straight.returncode:
        sys.exit(f"The uninterrupted run failed:\n{straight.stderr[-3000:]}")
    reference_dir = work / "straight" / "saved_models" / EXPORT_NAME / "1"
    import tensorflow as tf  # noqa: PLC0415

    latent_dim = tf.saved_model.load(str(reference_dir)).signatures["serving_default"].structured_input_signature[1]
    latent_dim = latent_dim["latent"].shape[-1]
    latents = np.random.default_rng(0).standard_normal((16, latent_dim)).astype("float32")
    reference = export_images(reference_dir, latents)
    print(f"uninterrupted run: {duration:.1f} s; kill moments uniform in [0, {duration:.1f}] s", flush=True)

    rng = np.random.default_rng(args.seed)
    tried = survived = 0
    run = 0
    while tried < args.kills:
        run += 1
        run_dir = work / f"run{run:03d}"
        kills, problems = [], []
        while True:
            process = subprocess.Popen(
                command(data, run_dir, args.epochs), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            moment = float(rng.uniform(0, duration)) if len(kills) < args.per_run and tried < args.kills else None
            try:
                out, err = process.communicate(timeout=moment)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                out, err = process.communicate()
                tried += 1
                kills.append((moment, where_it_landed(run_dir)))
            if "Traceback" in err:
                problems.append(f"a traceback: {err.strip().splitlines()[-1]}")
            if process.returncode not in (0, -signal.SIGKILL):
                problems.append(f"exit status {process.returncode}: {err.strip().splitlines()[-1:]}")
            # Done when it exited 0, or was killed after finishing (exiting): rerunning would be refused.
            if process.returncode == 0 or problems or (run_dir / "finished.json").exists():
                break
        versions = sorted(p.name for p in (run_dir / "saved_models" / EXPORT_NAME).glob("[0-9]*"))
        if not problems:
            if not (run_dir / "finished.json").exists():
                problems.append("no finished.json")
            if versions != ["1"]:
                problems.append(f"export versions {versions}")
            if leftovers(run_dir):
                problems.append(f"left {[p.name for p in leftovers(run_dir)]}")
        if not problems:
            images_out = export_images(run_dir / "saved_models" / EXPORT_NAME / "1", latents)
            if not np.array_equal(images_out, reference):
                problems.append(f"export differs (max |diff| {np.abs(images_out - reference).max():.3g})")
        corrupt = sorted(p.name for p in (run_dir / "checkpoints").glob("*.corrupt")) if run_dir.exists() else []
        verdict = "survived" if not problems else "FAILED: " + "; ".join(problems)
        for moment, landed in kills:
            print(f"kill at {moment:5.1f} s ({landed}): {verdict}", flush=True)
        if corrupt:
            print(f"  set aside: {corrupt}", flush=True)
        survived += len(kills) if not problems else 0
        if not problems:
            shutil.rmtree(run_dir, ignore_errors=True)  # 50 MB checkpoints each; keep only the failures
    print(f"survived {survived}/{tried}")
    return 0 if survived == tried else 1


if __name__ == "__main__":
    sys.exit(main())
