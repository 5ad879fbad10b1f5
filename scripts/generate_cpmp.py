#!/usr/bin/env python3
"""Writes a capacitated p-median instance in the Lorena & Senne (SJC) text format.

The points are clustered like a city (neighbourhoods of different size and spread around a
centre, plus a thin background), demands are heavy-tailed like SJC1/SJC2's (many 1s, a few in the
hundreds) and every median has the same capacity, chosen so that total demand is
--utilisation of the medians' total capacity. Coordinates are integer metres on SJC's scale.

The output is what `opsim territories FILE` reads (format sjc: line 1 `set inst n p 0`, then n
lines `x y capacity demand`). The same arguments and seed always give the same file.

Examples (the sizes of SJC3a/3b/4a/4b and a large case):
  scripts/generate_cpmp.py --points 324 --medians 30 --seed 1 -o gen324_30.txt
  scripts/generate_cpmp.py --points 3000 --medians 1000 --seed 1 -o gen3000_1000.txt
Quality without a published optimum: `opsim territories FILE --bound` proves a lower bound.
"""
import argparse
import math
import random
import sys


def generate(points, medians, utilisation, seed, extent):
    rng = random.Random(seed)
    centre_x, centre_y = 409_500.0, 435_700.0  # SJC's neighbourhood (UTM metres)
    clusters = max(3, int(round(math.sqrt(points) / 1.5)))
    sites = []
    for _ in range(clusters):
        radius = abs(rng.gauss(0.0, extent / 4))
        angle = rng.uniform(0.0, 2 * math.pi)
        spread = extent * rng.uniform(1 / 40, 1 / 12)
        weight = rng.paretovariate(1.5)  # a few large neighbourhoods, many small ones
        sites.append((centre_x + radius * math.cos(angle), centre_y + radius * math.sin(angle),
                      spread, weight))
    total_weight = sum(s[3] for s in sites)
    coordinates = set()
    result = []
    while len(result) < points:
        if rng.random() < 0.1:  # background: scattered houses between the neighbourhoods
            x = centre_x + rng.uniform(-extent / 2, extent / 2)
            y = centre_y + rng.uniform(-extent / 2, extent / 2)
        else:
            pick = rng.uniform(0.0, total_weight)
            for sx, sy, spread, weight in sites:
                pick -= weight
                if pick <= 0:
                    break
            x = rng.gauss(sx, spread)
            y = rng.gauss(sy, spread)
        key = (int(round(x)), int(round(y)))
        if key in coordinates:  # distinct points, as in SJC
            continue
        coordinates.add(key)
        result.append(key)
    # Heavy-tailed demands on SJC's scale: median ~20, some 1s, a few in the hundreds.
    demands = [max(1, int(round(rng.lognormvariate(math.log(20.0), 1.3)))) for _ in range(points)]
    capacity = sum(demands) / (medians * utilisation)
    # No point may exceed half a median's capacity (else few or no feasible assignments).
    cap = max(1, int(capacity / 2))
    demands = [min(d, cap) for d in demands]
    capacity = int(math.ceil(sum(demands) / (medians * utilisation)))
    return result, demands, capacity


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, required=True)
    parser.add_argument("--medians", type=int, required=True)
    parser.add_argument("--utilisation", type=float, default=0.85,
                        help="total demand / total capacity (default 0.85)")
    parser.add_argument("--extent", type=float, default=None,
                        help="city width in metres (default 2,000 x sqrt(points / 300))")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", required=True)
    a = parser.parse_args()
    if a.points < 2 or not 1 <= a.medians < a.points:
        sys.exit(f"--points {a.points} / --medians {a.medians}: need 1 <= medians < points")
    if not 0.0 < a.utilisation < 1.0:
        sys.exit(f"--utilisation {a.utilisation}: allowed 0 < u < 1")
    extent = a.extent or 2_000.0 * math.sqrt(a.points / 300.0)
    points, demands, capacity = generate(a.points, a.medians, a.utilisation, a.seed, extent)
    with open(a.output, "w", encoding="utf-8") as out:
        out.write(f"  {a.seed} {a.seed} {a.points} {a.medians} 0\n")
        for (x, y), d in zip(points, demands):
            out.write(f"  {x} {y} {capacity} {d}\n")
    used = sum(demands) / (capacity * a.medians)
    print(f"{a.output}: {a.points:,} points, {a.medians:,} medians, capacity {capacity:,}, "
          f"total demand {sum(demands):,} ({100 * used:.1f}% of capacity)")


if __name__ == "__main__":
    main()
