"""`HistoryLog`: the per-epoch metrics as a CSV table and a PNG of the curves."""

import csv
import io
import pathlib

import keras

from kgan import plotting
from kgan.utils import atomic_path


class HistoryLog(keras.callbacks.Callback):
    """Rewrites `history.csv` and `history.png` after every epoch.

    The CSV has one row per epoch and one column per logged metric (no empty
    `val_*` columns, unlike `keras.callbacks.CSVLogger`, since a GAN has no
    validation loss); the PNG plots losses in one panel and accuracies (names
    ending in `acc`) in the other. Both files are replaced atomically, so a
    crash leaves the previous epoch's version.

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
