"""Small statistics the measures share: percentiles of durations, rates."""
from math import floor

HOUR = 3600.0


def percentile(values, fraction):
    """The `fraction` percentile (0..1) by linear interpolation between closest ranks; None if empty.

    Same definition as numpy's default and a spreadsheet's PERCENTILE.INC:
    the median of 1, 2, 3, 4 is 2.5 and the 90th percentile of 1..10 is 9.1.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values):
    return percentile(values, 0.5)


def duration_stats(seconds):
    """Count, median and 90th percentile of durations given in seconds, reported in hours."""
    values = [s for s in seconds if s is not None]
    return {"count": len(values), "median_hours": _hours(median(values)),
            "p90_hours": _hours(percentile(values, 0.9))}


def rate(part, whole):
    """part / whole rounded to 4 places, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def mean(values):
    values = list(values)
    return round(sum(values) / len(values), 2) if values else None


def _hours(seconds):
    return None if seconds is None else round(seconds / HOUR, 2)
