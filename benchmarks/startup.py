"""Start-up time of the `kgan` command and the scripts: `--help` and a bad flag, each in a fresh process.

    python benchmarks/startup.py               # 5 runs of each, median and worst
    python benchmarks/startup.py --runs 10 --json startup.json
    git archive efcf415 | tar -x -C /tmp/old && python benchmarks/startup.py --root /tmp/old   # another tree

Each row runs `python -m kgan.cli ARGS` or `python scripts/NAME.py ARGS` (every script's `--help`) as a new
process (what a user's shell does) and reports the wall time from start to exit. None of them imports TensorFlow
(`tests/test_startup.py` checks): the parsers read the registries' names from `kgan.core.catalog`, and the
defaults that live in TensorFlow modules from their source (`kgan.cli.source`). The last rows time
`import kgan` alone and `import tensorflow` alone for scale.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

CASES = {
    "kgan --help": ["-m", "kgan.cli", "--help"],
    "kgan train --help": ["-m", "kgan.cli", "train", "--help"],
    "kgan sample --help": ["-m", "kgan.cli", "sample", "--help"],
    "kgan train --epochs 0 (bad flag)": ["-m", "kgan.cli", "train", "--epochs", "0"],
    "kgan info": ["-m", "kgan.cli", "info"],
    **{
        f"python scripts/{path.name} --help": [f"scripts/{path.name}", "--help"]
        for path in sorted((ROOT / "scripts").glob("*.py"))
    },
    "python -c 'import kgan'": ["-c", "import kgan"],
    "python -c 'import tensorflow' (for scale)": ["-c", "import tensorflow"],
}


def time_case(args, runs, root=ROOT):
    """Wall seconds of each of `runs` fresh processes running `python args` with the kgan tree `root` first."""
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        # In `root`: `python -m` puts the working folder first on the path.
        result = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=root)
        seconds.append(time.perf_counter() - start)
        if result.returncode not in (0, 2):  # 2: the bad flag's
            raise RuntimeError(f"python {' '.join(args)} failed: {result.stderr.strip().splitlines()[-1:]}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="processes per case (default: %(default)s)")
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    parser.add_argument("--root", default=ROOT, help="the kgan tree to time (default: this one)")
    parser.add_argument("--only", nargs="*", default=None, help="time only these cases (their names' start)")
    args = parser.parse_args(argv)
    rows = {}
    width = max(map(len, CASES))
    print(f"{'command':<{width}} {'median s':>9} {'worst s':>9}")
    for name, case in CASES.items():
        if args.only is not None and not any(name.startswith(prefix) for prefix in args.only):
            continue
        seconds = time_case(case, args.runs, args.root)
        rows[name] = {"median": statistics.median(seconds), "worst": max(seconds), "runs": seconds}
        print(f"{name:<{width}} {rows[name]['median']:>9.3f} {rows[name]['worst']:>9.3f}", flush=True)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
