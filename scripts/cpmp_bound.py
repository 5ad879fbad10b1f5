#!/usr/bin/env python3
"""A proven lower bound for a capacitated p-median instance (SJC or OR-Library pmedcap format).

Lagrangian relaxation of the assignment constraints (each point served once, multiplier u_i):
    L(u) = sum_i u_i + (sum of the p smallest g_j),
    g_j  = -max { sum_i (u_i - d_ij) x_i : sum_i demand_i x_i <= capacity, x_i in {0, 1} },
the knapsack of each candidate median solved exactly by dynamic programming over the integer
demands (default; `--knapsack lp` takes Dantzig's LP bound instead, weaker but faster), so every
L(u) is a valid lower bound on the optimum (the LP knapsacks' dual is the LP relaxation of the
strong formulation, x_ij <= y_j included; exact knapsacks can only raise it). u is improved by
subgradient steps (Polyak step towards --upper). The reported gap (upper - bound) / bound is
therefore an upper bound on the true gap of an alignment of objective --upper.

Only points with u_i > d_ij can enter median j's knapsack: the search keeps each median's K
nearest points and falls back to the whole column whenever max(u) exceeds the (K+1)-th nearest
distance, so the bound stays exact for any u.

Distances: Euclidean (real-valued) for SJC files, truncated to integers for pmedcap files (the
conventions of their published values).
  scripts/cpmp_bound.py gen3000_1000.txt --upper 123456.7
"""
import argparse
import heapq
import sys
import time

import numpy as np


def read(path):
    rows = [line.split() for line in open(path, encoding="utf-8") if line.strip()]
    if len(rows[0]) == 5:  # SJC: set inst n p best_pcenter; x y capacity demand
        n, p = int(rows[0][2]), int(rows[0][3])
        data = np.array(rows[1:n + 1], dtype=float)
        return data[:, 0:2], data[:, 3], float(data[0, 2]), p, False
    if len(rows[0]) == 2:  # pmedcap: instance optimum; n p capacity; id x y demand
        n, p, capacity = int(rows[1][0]), int(rows[1][1]), float(rows[1][2])
        data = np.array(rows[2:n + 2], dtype=float)
        return data[:, 1:3], data[:, 3], capacity, p, True
    sys.exit(f"{path}: neither SJC (5 numbers on line 1) nor pmedcap (2 numbers) format")


def knapsack_values(profit, weight, capacity):
    """Row-wise LP knapsack: value and chosen fractions, profit/weight (rows x items)."""
    positive = profit > 0
    ratio = np.where(positive, profit / np.maximum(weight, 1e-12), -np.inf)
    order = np.argsort(-ratio, axis=1, kind="stable")
    p_sorted = np.take_along_axis(np.where(positive, profit, 0.0), order, axis=1)
    w_sorted = np.take_along_axis(np.where(positive, weight, 0.0), order, axis=1)
    before = np.cumsum(w_sorted, axis=1) - w_sorted
    room = np.clip(capacity - before, 0.0, None)
    fraction = np.where(w_sorted > 0, np.minimum(1.0, room / np.maximum(w_sorted, 1e-12)),
                        (p_sorted > 0).astype(float))
    value = (fraction * p_sorted).sum(axis=1)
    chosen = np.zeros_like(fraction)
    np.put_along_axis(chosen, order, fraction, axis=1)
    return value, chosen


def knapsack_exact(profit, weight, capacity):
    """0-1 knapsack of one median by dynamic programming over integer demands (only the items of
    positive profit can be chosen): value and the chosen items (0/1)."""
    items = np.nonzero(profit > 0)[0]
    chosen = np.zeros(len(profit))
    if len(items) == 0:
        return 0.0, chosen
    size = int(capacity)
    dp = np.zeros(size + 1)
    take = np.zeros((len(items), size + 1), dtype=bool)
    for row, i in enumerate(items):
        w = int(weight[i])
        if w == 0:
            dp += profit[i]
            take[row, :] = True
            continue
        if w > size:
            continue
        candidate = dp[:-w] + profit[i] if w > 0 else dp
        better = candidate > dp[w:]
        take[row, w:] = better
        dp[w:] = np.where(better, candidate, dp[w:])
    c = size
    for row in range(len(items) - 1, -1, -1):
        if take[row, c]:
            chosen[items[row]] = 1.0
            c -= int(weight[items[row]])
    return float(dp[size]), chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instance")
    parser.add_argument("--upper", type=float, help="objective of a feasible solution (step target)")
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--neighbours", type=int, default=80)
    parser.add_argument("--knapsack", choices=["exact", "lp"], default="exact",
                        help="knapsacks by dynamic programming (integer demands) or as LPs")
    a = parser.parse_args()
    xy, demand, capacity, p, floor = read(a.instance)
    n = len(demand)
    started = time.time()
    diff = xy[:, None, :] - xy[None, :, :]
    d = np.sqrt((diff ** 2).sum(axis=2))
    del diff
    if floor:
        d = np.floor(d)
    k = min(n, a.neighbours)
    near = np.argsort(d, axis=1, kind="stable")[:, : k + 1]  # row j: points nearest median j
    near_d = np.take_along_axis(d, near, axis=1)
    radius = near_d[:, k] if k < n else np.full(n, np.inf)  # (K+1)-th nearest distance
    near, near_d = near[:, :k], near_d[:, :k]
    u = np.sort(d, axis=1)[:, 1] if n > 1 else np.zeros(n)  # nearest other point
    exact = a.knapsack == "exact" and np.all(demand == np.round(demand))
    best, theta, stall = -np.inf, 2.0, 0
    for it in range(a.iterations):
        value, chosen = knapsack_values(u[near] - near_d, demand[near], capacity)
        wide = set(np.nonzero(u.max() > radius)[0].tolist())  # near lists that may miss a profit
        full = {}
        for j in wide:
            v, c = knapsack_values((u - d[j])[None, :], demand[None, :], capacity)
            value[j], full[j] = v[0], (np.arange(n), c[0])
        g = -value
        if exact:
            # g_exact >= g_lp: columns are solved in order of g_lp until the next cannot enter the
            # p smallest exact values.
            solved, largest = {}, []  # largest: max-heap (negated) of the p smallest values
            for j in np.argsort(g, kind="stable"):
                j = int(j)
                if len(largest) >= p and g[j] >= -largest[0]:
                    break
                items = np.arange(n) if j in wide else near[j]
                v, c = knapsack_exact(u[items] - d[j, items], demand[items], capacity)
                solved[j] = -v
                full[j] = (items, c)
                if len(largest) < p:
                    heapq.heappush(largest, v)
                elif v > largest[0]:
                    heapq.heapreplace(largest, v)
            medians = sorted(solved, key=lambda j: (solved[j], j))[:p]
            bound = u.sum() + sum(solved[j] for j in medians)
        else:
            medians = [int(j) for j in np.argpartition(g, p - 1)[:p]]
            bound = u.sum() + g[medians].sum()
        served = np.zeros(n)
        for j in medians:
            items, c = full[j] if j in full else (near[j], chosen[j])
            np.add.at(served, items, c)
        if best == -np.inf or bound > best + 1e-9 * max(1.0, abs(best)):
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
        if theta < 1e-5:
            break
        s = 1.0 - served
        norm = float((s * s).sum())
        if norm < 1e-12:
            break  # the relaxation's solution is feasible: the bound is the optimum
        goal = a.upper if a.upper is not None and a.upper > best else best * 1.05 + 1.0
        u = u + theta * (goal - bound) / norm * s
    kind = "exact" if exact else "LP"
    print(f"{a.instance}: n {n:,}, p {p:,}, capacity {capacity:g}, lower bound {best:,.2f} "
          f"(Lagrangian, assignment relaxed, {kind} knapsacks; {it + 1} iterations, "
          f"{time.time() - started:.1f} s)")
    if a.upper is not None:
        print(f"upper {a.upper:,.2f}: gap to the optimum at most {100 * (a.upper - best) / best:.3f}%")


if __name__ == "__main__":
    main()
