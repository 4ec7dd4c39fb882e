"""Anomaly detection benchmark: synthetic daily histories with injected anomalies.

Each series has a level, Gaussian noise (sigma 1-5 % of the level), on half of them a weekly
pattern (weekend dip or a smooth weekly wave, 3-8 sigma), on some a slow normal trend, and 1-3
injected events after a 45-day warm-up, at least 25 days apart:
  spike        one day off by 6-10 sigma                      detected if flagged that day
  level_shift  every later day off by 6-10 sigma              detected if flagged in 3 days
  drift        ramps to 8-12 sigma over 10 days, then stays   detected if flagged in 13 days
  seasonal     one day takes the level of another weekday     detected if flagged that day
               (only on seasonal series, 5-10 sigma pattern)
A false positive is a flag on a day outside every event's detection span; the false-positive
rate is false positives / evaluated normal days.

Run:  .venv/bin/python bench/anomaly.py --series 500 --days 120 --seed 7
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from vmsdq.analytics.detect import AnomalyParams, detect

SPAN = {"spike": 1, "level_shift": 3, "drift": 13, "seasonal": 1}
START = datetime(2026, 1, 5, 6, tzinfo=UTC)


@dataclass
class Series:
    times: list[datetime]
    values: list[float]
    events: list[tuple[str, int]] = field(default_factory=list)


def weekly_pattern(rng: random.Random, sigma: float) -> list[float]:
    amp = sigma * rng.uniform(5, 10) if rng.random() < 0.7 else sigma * rng.uniform(3, 5)
    if rng.random() < 0.5:
        return [0, 0, 0, 0, 0, -amp, -amp]
    phase = rng.uniform(0, 2 * math.pi)
    return [amp * math.sin(2 * math.pi * d / 7 + phase) for d in range(7)]


def make_series(rng: random.Random, days: int) -> Series:
    level = rng.uniform(50, 1000)
    sigma = level * rng.uniform(0.01, 0.05)
    pattern = weekly_pattern(rng, sigma) if rng.random() < 0.5 else [0.0] * 7
    slope = sigma * rng.uniform(-0.04, 0.04) if rng.random() < 0.5 else 0.0
    times = [START + timedelta(days=d) for d in range(days)]
    values = [
        level + slope * d + pattern[t.weekday()] + rng.gauss(0, sigma) for d, t in enumerate(times)
    ]
    series = Series(times, values)
    onset = 45 + rng.randrange(10)
    while onset < days - 15:
        kinds = ["spike", "level_shift", "drift"] + (["seasonal"] if any(pattern) else [])
        kind = rng.choice(kinds)
        if inject(series, kind, onset, sigma, pattern, rng):
            series.events.append((kind, onset))
        onset += 25 + rng.randrange(15)
    return series


def inject(
    s: Series, kind: str, t0: int, sigma: float, pattern: list[float], rng: random.Random
) -> bool:
    sign = rng.choice((-1, 1))
    if kind == "spike":
        s.values[t0] += sign * sigma * rng.uniform(6, 10)
    elif kind == "level_shift":
        step = sign * sigma * rng.uniform(6, 10)
        s.values[t0:] = [v + step for v in s.values[t0:]]
    elif kind == "drift":
        total = sign * sigma * rng.uniform(8, 12)
        for i in range(t0, len(s.values)):
            s.values[i] += total * min(1.0, (i - t0 + 1) / 10)
    else:
        here = pattern[s.times[t0].weekday()]
        other = max(pattern, key=lambda p: abs(p - here))
        if abs(other - here) < 5 * sigma:
            return False
        s.values[t0] += other - here
    return True


def evaluate(series: list[Series], params: AnomalyParams) -> dict[str, float]:
    found: dict[str, list[int]] = {k: [0, 0] for k in SPAN}
    fp = normal = 0
    for s in series:
        flagged = {f.index for f in detect(s.times, s.values, params)}
        spans: set[int] = set()
        for kind, t0 in s.events:
            span = set(range(t0, t0 + SPAN[kind]))
            spans |= span
            found[kind][1] += 1
            found[kind][0] += bool(span & flagged)
        evaluated = range(params.min_history, len(s.values))
        normal += sum(1 for i in evaluated if i not in spans)
        fp += sum(1 for i in flagged if i not in spans)
    hits = sum(v[0] for v in found.values())
    events = sum(v[1] for v in found.values())
    out = {f"{k}_detection": v[0] / v[1] for k, v in found.items() if v[1]}
    out |= {k + "_events": float(v[1]) for k, v in found.items()}
    out |= {
        "detection": hits / events,
        "events": float(events),
        "false_positive_rate": fp / normal,
        "false_positives": float(fp),
        "normal_points": float(normal),
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=500)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sensitivity", type=float, default=AnomalyParams().sensitivity)
    ap.add_argument("--no-seasonal", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    series = [make_series(rng, args.days) for _ in range(args.series)]
    params = AnomalyParams(sensitivity=args.sensitivity, seasonal=not args.no_seasonal)
    t = time.perf_counter()
    r = evaluate(series, params)
    secs = time.perf_counter() - t
    print(f"series={args.series} days={args.days} seed={args.seed} params={params}")
    for kind in SPAN:
        if f"{kind}_detection" in r:
            print(f"  {kind:12s} {r[kind + '_detection']:6.1%} of {r[kind + '_events']:.0f}")
    print(f"detection rate      {r['detection']:.1%} of {r['events']:.0f} injected anomalies")
    print(
        f"false-positive rate {r['false_positive_rate']:.2%} "
        f"({r['false_positives']:.0f} of {r['normal_points']:.0f} normal points)"
    )
    print(f"detector time       {secs:.2f} s")


if __name__ == "__main__":
    main()
