"""A folder streamed from disk vs read into memory: images/s and peak memory as the folder grows (issue 18).

    python benchmarks/folder_stream.py                         # 5,000 and 50,000 PNGs of 32 x 32 RGB
    python benchmarks/folder_stream.py --counts 500 2000 --json out.json

Writes `max(--counts)` small PNGs (smooth random colours, 32 x 32 RGB) into a temporary folder once (the smaller
folders are hard links to its first files), then, for each count and each case, runs one fresh Python process
(so each peak is its own) that opens the folder with `kgan.data.ImageFolder` and reads one epoch of batches:

- `stream` (`cache="none"`): decoded from disk batch by batch (`tf.io`, parallel `map`), nothing kept;
- `memory` (`cache="memory"`): decoded once into a `uint8` array, then the epoch from memory through
  `make_dataset`, the pipeline every in-memory source uses.

Reported per process: seconds to index the folder (walk and headers), images/s of the epoch (for `memory` also
the one-off decode), and peak resident memory (`resource.getrusage`), beside the process's memory after
importing TensorFlow and before opening the folder. The files were just written, so they come from the page
cache: this measures decoding, not the disk.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CASES = ("stream", "memory")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def write_folder(root, count, size):
    """`count` PNGs of `size` x `size` RGB in `root/<count>`, plus hard-linked smaller folders on demand."""
    import numpy as np
    from PIL import Image

    folder = os.path.join(root, str(count))
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, size, dtype=np.float32)
    for i in range(count):
        a, b, c = rng.uniform(0, 255, (3, 1, 1, 3)).astype(np.float32)
        image = a + (b - a) * ramp[:, None, None] + (c - a) * ramp[None, :, None] / 2  # smooth, like photos
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(os.path.join(folder, f"{i:06d}.png"))
    return folder


def linked_subset(root, full, count):
    folder = os.path.join(root, str(count))
    os.makedirs(folder)
    for name in sorted(os.listdir(full))[:count]:
        os.link(os.path.join(full, name), os.path.join(folder, name))
    return folder


def measure(folder, case, batch_size):
    """One case in this process: a JSON-able dict."""
    import tensorflow as tf  # noqa: F401 (imported before the baseline, as every case imports it)

    from kgan.data import ImageFolder

    baseline = peak_rss_mb()
    start = time.perf_counter()
    source = ImageFolder(folder, cache="none" if case == "stream" else "memory")
    index_s = time.perf_counter() - start
    decode_s = None
    if case == "memory":
        start = time.perf_counter()
        images = source.read_all()
        decode_s = time.perf_counter() - start
        from kgan.data import make_dataset

        data = make_dataset(images, source.labels, batch_size=batch_size, seed=0, epochs=1)
    else:
        data = source.dataset(batch_size=batch_size, seed=0, epochs=1)
    start, count = time.perf_counter(), 0
    for batch in data:
        count += int(batch.shape[0])
    epoch_s = time.perf_counter() - start
    return {
        "case": case,
        "files": source.info.num_examples,
        "index_s": round(index_s, 2),
        "decode_once_images_per_s": None if decode_s is None else round(source.info.num_examples / decode_s),
        "epoch_images_per_s": round(count / epoch_s),
        "rss_after_import_mb": round(baseline),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[5000, 50000], help="folder sizes to measure")
    parser.add_argument("--size", type=int, default=32, help="image side in pixels")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # the child process's one case
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(measure(args.folder, args.case, args.batch_size)))
        return 0
    if min(args.counts) < args.batch_size:
        parser.error(f"--counts must be at least --batch-size ({args.batch_size}); received {min(args.counts)}")
    root = tempfile.mkdtemp(prefix="kgan-folder-stream-")
    try:
        start = time.perf_counter()
        full = write_folder(root, max(args.counts), args.size)
        print(f"wrote {max(args.counts)} PNGs in {time.perf_counter() - start:.1f} s", flush=True)
        rows = []
        for count in sorted(args.counts):
            folder = full if count == max(args.counts) else linked_subset(root, full, count)
            for case in CASES:
                argv = [
                    sys.executable,
                    __file__,
                    "--case",
                    case,
                    "--folder",
                    folder,
                    "--batch-size",
                    str(args.batch_size),
                ]
                result = subprocess.run(argv, capture_output=True, text=True, check=True)
                rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
                print(json.dumps(rows[-1]), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n| files | case | index s | decode once, images/s | epoch images/s | RSS after import MB | peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        once = r["decode_once_images_per_s"] or ""
        print(
            f"| {r['files']} | {r['case']} | {r['index_s']} | {once} | {r['epoch_images_per_s']} | "
            f"{r['rss_after_import_mb']} | {r['peak_rss_mb']} |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": platform.processor() or platform.machine(), "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
