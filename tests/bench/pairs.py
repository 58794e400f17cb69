#!/usr/bin/python3
"""Paired comparison of two DUTs over modes.sh results folders.

    tests/bench/pairs.py [--a vrd] [--b l3fwd] [--metric ndr_mpps]
                         [--sizes "64 128"] RESULTS.csv...

--a and --b name a row by its mode or its DUT (vrd, l3fwd, l2fwd, ovs,
linux; or native, vhost, xdp, ...).

modes.sh runs the DUTs one after the other at each size within a pass
(the csv's rep column), so a pass gives one pair per size: the ratio
A/B of the two rows. This host's noise moves a cell by up to 2.5 times
between passes, so one pass says little; pooled over many passes, the
median ratio and how sure it is say whether A is at or above B.

For each size: the pairs' count, the median ratio, its 95% confidence
interval (bootstrap of the median, 20 000 resamples, a fixed seed so
that the figure is the same each run), how many pairs A won, and the
exact two-sided sign test's p (how likely that many wins or losses are
if neither DUT is faster). The last line is one JSON object with the same.
"""
import argparse
import csv
import json
import math
import random
import statistics
import sys


def die(msg):
    """The benchmarks' convention: a bad option or input exits 2."""
    print(f"pairs.py: {msg}", file=sys.stderr)
    sys.exit(2)


def pairs_of(path, a, b, metric, sizes):
    """{size: [ratio, ...]} from one results.csv: A/B within each pass.

    A and B name a row by its mode or its DUT (modes.sh: mode native has
    DUT vrd, io l2fwd, l3fwd l3fwd; the container and VM modes' DUT is
    vrd too, so in a matrix with those, vrd must be named by its mode).
    """
    rows = {}
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        # (No rep column: a matrix from before --repeat, one pass.)
        missing = {"mode", "dut", "frame_size", metric} - set(r.fieldnames or ())
        if missing:
            die(f"{path}: no column {', '.join(sorted(missing))}")
        for row in r:
            try:
                size = int(row["frame_size"])
                value = float(row[metric])
            except ValueError:
                continue    # a failed row: no figure
            if sizes and size not in sizes:
                continue
            rep = row.get("rep", "1")
            cell = rows.setdefault((size, rep), {})
            for name in (a, b):
                if name in (row["mode"], row["dut"]):
                    if name in cell:
                        die(f"{path}: {name} names more than one row at {size} B "
                            f"in pass {rep}: name the mode (--a/--b)")
                    cell[name] = value
    out = {}
    for (size, _), cell in sorted(rows.items()):
        # A pass where B carried nothing has no ratio: left out.
        if a in cell and b in cell and cell[b] > 0:
            out.setdefault(size, []).append(cell[a] / cell[b])
    return out


def sign_test_p(wins, n):
    """Exact two-sided binomial p of wins out of n at one half."""
    k = min(wins, n - wins)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def median_ci(xs, rng, resamples=20000):
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs)))
                  for _ in range(resamples))
    return meds[int(0.025 * resamples)], meds[int(0.975 * resamples) - 1]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--a", default="vrd")
    p.add_argument("--b", default="l3fwd")
    p.add_argument("--metric", default="ndr_mpps")
    p.add_argument("--sizes", default="")
    p.add_argument("csv", nargs="+")
    o = p.parse_args()
    try:
        sizes = {int(s) for s in o.sizes.split()}
    except ValueError:
        die(f"--sizes '{o.sizes}': frame sizes, e.g. \"64 128\"")
    if o.a == o.b:
        die(f"--a and --b both name {o.a}")
    pooled = {}
    for path in o.csv:
        try:
            for size, ratios in pairs_of(path, o.a, o.b, o.metric, sizes).items():
                pooled.setdefault(size, []).extend(ratios)
        except OSError as e:
            die(f"{path}: {e.strerror}")
        except (csv.Error, UnicodeDecodeError) as e:
            die(f"{path}: not a results.csv ({e})")
    if not pooled:
        die(f"no pass has both {o.a} and {o.b}")
    rng = random.Random(2544)
    result = {"a": o.a, "b": o.b, "metric": o.metric, "sizes": {}}
    for size in sorted(pooled):
        xs = pooled[size]
        wins = sum(x > 1 for x in xs)
        lo, hi = median_ci(xs, rng)
        med = statistics.median(xs)
        pv = sign_test_p(wins, len(xs))
        print(f"{size} B: {len(xs)} pairs, {o.a}/{o.b} median {med:.3f} "
              f"(95% CI {lo:.3f} to {hi:.3f}), {o.a} above in {wins}, sign test p {pv:.3f}")
        result["sizes"][str(size)] = {"pairs": len(xs), "median": round(med, 3),
                                      "ci95": [round(lo, 3), round(hi, 3)],
                                      "a_above": wins, "sign_p": round(pv, 3),
                                      "ratios": [round(x, 3) for x in xs]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
