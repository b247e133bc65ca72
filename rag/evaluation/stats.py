"""How sure a figure is: bootstrap intervals over questions, and paired comparisons of two runs.

Questions are the unit that varies, so both resample questions with replacement (2,000 times, a
fixed seed: the same report gives the same interval). A paired comparison resamples the questions
the two runs share and keeps each question's two values together, which is what makes a difference
of one question in 180 tell from noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
SEED = 20260101


def interval(values: list[float], level: float = 0.95) -> tuple[float, float] | None:
    """The percentile bootstrap interval of the mean (None for no values)."""
    if not values:
        return None
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(SEED)
    means = data[rng.integers(0, len(data), size=(RESAMPLES, len(data)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


@dataclass(frozen=True)
class Difference:
    a: float
    b: float
    diff: float  # b - a
    low: float
    high: float
    p: float  # two-sided: how often the resampled difference falls on the other side of 0
    questions: int

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def paired(a: list[float], b: list[float], level: float = 0.95) -> Difference | None:
    """B against A on the same questions (``a[i]`` and ``b[i]`` are one question's two values)."""
    if not a or len(a) != len(b):
        return None
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    rng = np.random.default_rng(SEED)
    idx = rng.integers(0, len(x), size=(RESAMPLES, len(x)))
    diffs = (y[idx] - x[idx]).mean(axis=1)
    tail = (1 - level) / 2 * 100
    observed = float(y.mean() - x.mean())
    p = float(min(1.0, 2 * min((diffs <= 0).mean(), (diffs >= 0).mean())))  # 1.0 when nothing differs
    return Difference(float(x.mean()), float(y.mean()), observed, float(np.percentile(diffs, tail)),
                      float(np.percentile(diffs, 100 - tail)), p, len(x))
