"""The command lines the README and docs mark as runnable run, so the docs cannot drift from the code.

A fenced `sh` (or `bash`) block right after a line `<!-- runnable -->` is runnable: each of its lines (a
trailing backslash continues one, `# ...` is a comment) must exit 0 when run, in order, in a fresh folder holding
a copy of `saved_models/` (docs/testing.md). The test rewrites what would make a line long or touch the world:
a training command gets `--epochs 1` and, unless it names its data, 128 of the embedded digits from an npz file,
and trains without XLA. Lines that train are `slow`; the others run in the default suite.
"""

import importlib.util
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from conftest import write_digits_npz
from kgan.cli import main as kgan_main
from kgan.cli.errors import run_main

REPO = pathlib.Path(__file__).resolve().parents[1]
MARKER = "<!-- runnable -->"
BLOCK = re.compile("^" + re.escape(MARKER) + r"\n```(?:sh|bash)\n(.*?)```", re.S | re.M)
# The commands that train (kgan train, the training scripts, the lecture examples): slow, and rewritten.
TRAINS = re.compile(r"^(kgan train|python scripts/(train_(?!classifier)\w+|lecture\d+_\w+|ring_of_gaussians)\.py)")


def documents():
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def commands_of(block):
    """The command lines of a block's text: continuations joined, comments and blank lines left out."""
    text = re.sub(r"\\\n\s*", " ", block)
    return [line.strip() for line in text.splitlines() if shlex.split(line, comments=True)]


def runnable_blocks():
    """`(document name, line number, [command, ...])` of every runnable block."""
    blocks = []
    for path in documents():
        text = path.read_text()
        for match in BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 2
            blocks.append((f"{path.relative_to(REPO)}:{line}", commands_of(match.group(1))))
    return blocks


def rewritten(argv, tiny_npz):
    """A training command's arguments, rewritten for a test: one epoch, tiny data where it takes any, no XLA."""
    argv = list(argv)
    if "--epochs" in argv:
        del argv[argv.index("--epochs") : argv.index("--epochs") + 2]
    argv += ["--epochs", "1"]
    takes_data = argv[0] == "kgan" or argv[1].startswith("scripts/train_")
    if takes_data:
        argv += ["--no-jit"]
        if "--dataset" not in argv:
            argv += ["--dataset", "npz", "--data-path", str(tiny_npz)]
    return argv


def run(argv):
    """Runs a documented command line (`kgan ...` and `python scripts/...` in this process); returns its status."""
    if argv[0] == "kgan":
        return kgan_main(argv[1:])
    if argv[0] == "python" and argv[1].endswith(".py"):
        spec = importlib.util.spec_from_file_location(pathlib.Path(argv[1]).stem, REPO / argv[1])
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        return run_main(script.main, argv[2:])
    if argv[0] == "python":
        argv = [sys.executable, *argv[1:]]
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    return subprocess.run(argv, timeout=600).returncode


def params():
    cases = []
    for name, commands in runnable_blocks():
        slow = any(TRAINS.match(command) for command in commands)
        cases.append(pytest.param(commands, id=name, marks=[pytest.mark.slow] if slow else []))
    return cases


@pytest.mark.parametrize("commands", params())
def test_a_runnable_doc_block_runs(commands, tmp_path, monkeypatch):
    shutil.copytree(REPO / "saved_models", tmp_path / "saved_models")
    tiny_npz = write_digits_npz(tmp_path / "tiny_digits.npz", 128)
    monkeypatch.chdir(tmp_path)
    for command in commands:
        argv = shlex.split(command, comments=True)
        if TRAINS.match(command):
            argv = rewritten(argv, tiny_npz)
        assert run(argv) == 0, command


def test_the_docs_mark_commands_runnable_in_the_default_suite_and_the_slow_one():
    blocks = runnable_blocks()
    assert len(blocks) >= 4, blocks
    assert any(not any(TRAINS.match(c) for c in commands) for _, commands in blocks)
    assert any(any(TRAINS.match(c) for c in commands) for _, commands in blocks)


def test_a_marker_not_followed_by_a_shell_block_is_an_error():
    for path in documents():
        text = path.read_text()
        for match in re.finditer("^" + re.escape(MARKER) + "$", text, re.M):  # a line of its own
            assert BLOCK.match(text, match.start()), f"{path.name}: {MARKER} must come right before a ```sh block"


def test_the_rewrite_gives_a_training_command_one_epoch_and_tiny_data():
    argv = rewritten(["kgan", "train", "--epochs", "20", "--output-dir", "runs/first"], "d.npz")
    assert argv == ["kgan", "train", "--output-dir", "runs/first", "--epochs", "1", "--no-jit"] + [
        "--dataset",
        "npz",
        "--data-path",
        "d.npz",
    ]
    assert commands_of("a \\\n  b  # c\n\n# only a comment\nd\n") == ["a  b  # c", "d"]
