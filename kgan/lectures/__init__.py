"""The lectures' toy problems: their data, a toy GAN trainer, their pictures and the remedies experiment.

- Lecture 000, example 1: vectors whose values follow a normal distribution of
  given mean and standard deviation (`normal_vectors`, checked by `moment_errors`).
- Lecture 000, example 2: 2-D points on a line (`line_points`, checked by
  `mean_distance_to_line`).
- The ring of Gaussians (Metz et al. 2017, "Unrolled GANs"), the standard
  mode-collapse benchmark for the pathologies of lectures 000 and 002
  (`ring_of_gaussians`, checked by `mode_coverage`: modes covered and the share
  of high-quality samples, within 3 standard deviations of the nearest mode),
  and the remedies compared on it with the same data, seed and budget
  (`ring_remedies`, `compare_ring_remedies`, `format_remedy_table`,
  `plot_remedy_comparison`); and the unrolled GAN paper's own comparison on
  it, with its networks and settings (`paper_ring`: `METZ_RING_GAN`,
  `compare_unrolling`, `format_unrolling_table`, `plot_unrolling_comparison`).

- Lecture 002's convolutional notebooks, trained side by side with the same seed
  and budget and scored with the shipped classifier (`conv_notebooks`:
  `compare_conv_notebooks`; the networks are the `lecture002_*` presets of `kgan.models`).

Every sampler takes a seed, so data and checks repeat; every check takes
arrays, so it scores any generator's samples. The `plot_*` functions save the
picture a student wants for each problem.

Modules: `toy_data` (the samplers), `toy_gan` (`train_toy_gan`, `SampleCheck`),
`toy_plots`, `remedies` (the ring experiment) and `paper_ring` (the paper's setting). The checks are metrics:
`kgan.metrics.toy_checks` (`moment_errors`, `mean_distance_to_line`, `mode_coverage`).
"""

from kgan.lectures.paper_ring import (
    METZ_RING_GAN,
    UnrollingResult,
    build_metz_ring_discriminator,
    build_metz_ring_generator,
    compare_unrolling,
    format_unrolling_table,
    plot_unrolling_comparison,
    train_metz_ring_gan,
)
from kgan.lectures.remedies import (
    RING_GAN,
    Remedy,
    RemedyResult,
    compare_ring_remedies,
    format_remedy_table,
    plot_remedy_comparison,
    ring_remedies,
)
from kgan.lectures.toy_data import line_points, normal_vectors, ring_modes, ring_of_gaussians
from kgan.lectures.toy_gan import SampleCheck, generate_samples, train_toy_gan
from kgan.lectures.toy_plots import plot_histogram, plot_histograms, plot_line, plot_ring, plot_rings

__all__ = [
    "METZ_RING_GAN",
    "UnrollingResult",
    "build_metz_ring_discriminator",
    "build_metz_ring_generator",
    "compare_unrolling",
    "format_unrolling_table",
    "plot_unrolling_comparison",
    "train_metz_ring_gan",
    "RING_GAN",
    "Remedy",
    "RemedyResult",
    "SampleCheck",
    "compare_ring_remedies",
    "format_remedy_table",
    "generate_samples",
    "line_points",
    "normal_vectors",
    "plot_histogram",
    "plot_histograms",
    "plot_line",
    "plot_remedy_comparison",
    "plot_ring",
    "plot_rings",
    "ring_modes",
    "ring_of_gaussians",
    "ring_remedies",
    "train_toy_gan",
]
