"""The one error handler of the `kgan` command and the scripts: every fault is one line and an exit status.

A command's `main(argv)` runs inside `run_main`, which turns what a user can
cause (a bad value or file, a full disk, a read-only folder, a path under a
file, a malformed JSON file, too little memory, Ctrl-C) into one line on
stderr and exit status 2 (130 for Ctrl-C; 1 for a training run that diverged
and stopped), never a traceback. `--debug` (any
position, or `KGAN_DEBUG=1`) prints the traceback too. Other exceptions are
bugs in kgan and keep their traceback.

Example, at the end of a script:

```python
if __name__ == "__main__":
    sys.exit(run_main(main))
```
"""

import os
import sys
import traceback

# Exit statuses: 1 for a run that failed (it diverged); 2 as argparse's usage errors; 128 + SIGINT, as shells
# report Ctrl-C.
RUN_FAILED = 1
USAGE_ERROR = 2
INTERRUPTED = 130

# TensorFlow's own file and memory errors (tf.io, SavedModel writes, an out-of-memory allocation), by name,
# so the handler needs no TensorFlow import.
_TF_ERRORS = ("NotFoundError", "PermissionDeniedError", "AlreadyExistsError", "ResourceExhaustedError")


def run_main(main, argv=None):
    """Runs `main(argv)` under the one handler; returns its exit status.

    Args:
        main: a function of the argument list (without `--debug`) returning an exit status.
        argv: the arguments (default: `sys.argv[1:]`).

    Returns:
        `main`'s status; 2 for a handled fault, 130 after Ctrl-C.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("KGAN_DEBUG", "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    try:
        return main(argv)
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print("\nInterrupted (Ctrl-C); a training run continues when the same command is run again.", file=sys.stderr)
        return INTERRUPTED
    except (OSError, MemoryError, ValueError) as error:
        return _report(error, debug)
    except Exception as error:
        if type(error).__name__ == "TrainingDiverged":  # by name, as the TensorFlow errors: no import of training
            if debug:
                traceback.print_exc()
            print(f"error: {error}", file=sys.stderr)
            return RUN_FAILED
        if type(error).__name__ in _TF_ERRORS and type(error).__module__.startswith("tensorflow"):
            return _report(error, debug)
        raise


def _report(error, debug):
    if debug:
        traceback.print_exc()
    print(f"error: {describe(error)}", file=sys.stderr)
    return USAGE_ERROR


def describe(error):
    """One line for `error` that names the path (file faults) or says what ran out (memory)."""
    if isinstance(error, MemoryError):
        text = "Out of memory" + (f" ({error})" if str(error) else "") + "; try a smaller size or count"
    elif isinstance(error, OSError) and error.strerror:
        text = error.strerror
        if error.filename is not None:
            text += f". Received: {os.fsdecode(error.filename)}"
            if error.filename2 is not None:
                text += f" -> {os.fsdecode(error.filename2)}"
    else:
        text = getattr(error, "message", None) or str(error) or type(error).__name__
        if type(error).__name__ == "ResourceExhaustedError":
            text = f"Out of memory ({text})"
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return " ".join(lines) if len(lines) <= 3 else lines[0]
