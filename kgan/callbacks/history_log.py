"""`HistoryLog`: the per-epoch metrics as a CSV table and a PNG of the curves."""

import csv
import io
import pathlib

import keras

from kgan.core import plotting
from kgan.core.utils import atomic_path


class HistoryLog(keras.callbacks.Callback):
    """Rewrites `history.csv` and `history.png` after every epoch.

    The CSV has one row per epoch and one column per logged metric (no empty
    `val_*` columns, unlike `keras.callbacks.CSVLogger`, since a GAN has no
    validation loss); the PNG plots losses in one panel and accuracies (names
    ending in `acc`) in the other. Both files are replaced atomically, so a
    crash leaves the previous epoch's version.

    A resumed run continues the table: at the first epoch of training, the
    rows already in `history.csv` up to that epoch are read back (rows of
    epochs after it, written before a crash but never checkpointed, are
    dropped).

    Args:
        directory: where to write the files.
        title: optional title of the plot.
        csv_name: file name of the table.
        png_name: file name of the plot (None: no plot).

    Example:
        >>> gan.fit(dataset, callbacks=[HistoryLog("run")])  # doctest: +SKIP
    """

    def __init__(self, directory, title=None, csv_name="history.csv", png_name="history.png"):
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.title = title
        self.csv_name = csv_name
        self.png_name = png_name
        self.history = {}
        self.epochs = []

    def on_train_begin(self, logs=None):
        self._resumed = False

    def on_epoch_begin(self, epoch, logs=None):
        if not getattr(self, "_resumed", True):
            self._resumed = True
            self._read_back(first_new_epoch=epoch + 1)

    def _read_back(self, first_new_epoch):
        path = self.directory / self.csv_name
        self.history, self.epochs = {}, []
        if first_new_epoch <= 1 or not path.is_file():
            return
        with path.open(newline="") as f:
            rows = [row for row in csv.DictReader(f) if int(row["epoch"]) < first_new_epoch]
        for row in rows:
            self.epochs.append(int(row["epoch"]))
            for name, value in row.items():
                if name != "epoch" and value != "":
                    self.history.setdefault(name, []).append(float(value))

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch + 1)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        names = sorted(self.history)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["epoch", *names])
        for row, e in enumerate(self.epochs):
            writer.writerow([e, *(_cell(self.history[n], row, len(self.epochs)) for n in names)])
        with atomic_path(self.directory / self.csv_name) as tmp:
            tmp.write_text(buffer.getvalue())
        if self.png_name:
            plotting.save_history_plot(self.history, self.directory / self.png_name, title=self.title)


def _cell(values, row, rows):
    # A metric that appears late (e.g. one logged every N epochs) is aligned to the last rows.
    offset = rows - len(values)
    return f"{values[row - offset]:.6g}" if row >= offset else ""
