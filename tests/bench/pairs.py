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

For each size: the pairs' count, the median ratio and its confidence
interval from the order statistics (distribution-free: the narrowest
[x(k), x(n+1-k)] whose coverage is at least 95%, with that coverage;
none under 6 pairs, where even the whole range covers less), how many
pairs A won, lost and tied, and the exact two-sided sign test's p over
the pairs that were not ties (how likely that many wins or losses are if
neither DUT is faster). The p values are per size, not corrected for
looking at several sizes. A pass where a row failed (no figure, or a
figure not above 0) gives no pair and is counted as left out. The last
line is one JSON object with the same.
"""
import argparse
import csv
import json
import math
import statistics
import sys


def die(msg):
    """The benchmarks' convention: a bad option or input exits 2."""
    print(f"pairs.py: {msg}", file=sys.stderr)
    sys.exit(2)


def figure(text):
    """A row's figure, or None when the row failed (empty, 0, not a number)."""
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def pairs_of(path, a, b, metric, sizes):
    """({size: [ratio, ...]}, {size: passes left out}) from one results.csv:
    A/B within each pass.

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
            except (TypeError, ValueError):
                die(f"{path}: line {r.line_num}: frame_size "
                    f"'{row['frame_size']}' is not a size")
            if sizes and size not in sizes:
                continue
            rep = row.get("rep") or "1"
            names = {row["mode"], row["dut"]}
            if a in names and b in names:
                die(f"{path}: line {r.line_num}: {a} and {b} name the same row")
            cell = rows.setdefault((size, rep), {})
            for name in (a, b):
                if name in names:
                    if name in cell:
                        die(f"{path}: {name} names more than one row at {size} B "
                            f"in pass {rep}: name the mode (--a/--b)")
                    cell[name] = figure(row[metric])
    ratios, left_out = {}, {}
    for (size, _), cell in sorted(rows.items()):
        if a not in cell and b not in cell:
            continue
        va, vb = cell.get(a), cell.get(b)
        if va is None or vb is None:
            left_out[size] = left_out.get(size, 0) + 1
        else:
            ratios.setdefault(size, []).append(va / vb)
    return ratios, left_out


def sign_test_p(wins, losses):
    """Exact two-sided binomial p of wins against losses at one half."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def median_ci(xs, level=0.95):
    """The order-statistic interval of the median: (lo, hi, coverage), or
    None when no interval reaches level (fewer than 6 values)."""
    n, s = len(xs), sorted(xs)
    best = None
    for k in range(1, n // 2 + 1):
        # [x(k), x(n+1-k)] misses the median when fewer than k values lie
        # below it or fewer than k above it.
        miss = 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
        if 1 - miss < level:
            break
        best = (s[k - 1], s[n - k], 1 - miss)
    return best


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
    pooled, left_out = {}, {}
    for path in o.csv:
        try:
            ratios, lost = pairs_of(path, o.a, o.b, o.metric, sizes)
        except OSError as e:
            die(f"{path}: {e.strerror}")
        except (csv.Error, UnicodeDecodeError) as e:
            die(f"{path}: not a results.csv ({e})")
        for size, rs in ratios.items():
            pooled.setdefault(size, []).extend(rs)
        for size, n in lost.items():
            left_out[size] = left_out.get(size, 0) + n
    if not pooled:
        what = f" at {o.sizes}" if sizes else ""
        die(f"no pass has figures for both {o.a} and {o.b}{what}")
    result = {"a": o.a, "b": o.b, "metric": o.metric, "sizes": {}}
    for size in sorted(set(pooled) | set(left_out)):
        xs = pooled.get(size, [])
        wins = sum(x > 1 for x in xs)
        losses = sum(x < 1 for x in xs)
        ties = len(xs) - wins - losses
        ci = median_ci(xs)
        med = statistics.median(xs) if xs else None
        pv = sign_test_p(wins, losses)
        ci_text = (f"CI {ci[0]:.3f} to {ci[1]:.3f} at {100 * ci[2]:.1f}%" if ci
                   else "too few pairs for a 95% interval")
        med_text = f"median {med:.3f}" if xs else "no pair"
        print(f"{size} B: {len(xs)} pairs, {o.a}/{o.b} {med_text} ({ci_text}), "
              f"{o.a} above in {wins}, below in {losses}, level in {ties}, "
              f"sign test p {pv:.3f}"
              + (f"; {left_out[size]} passes left out (a row failed)" if size in left_out else ""))
        result["sizes"][str(size)] = {
            "pairs": len(xs), "median": round(med, 3) if xs else None,
            "ci": [round(ci[0], 3), round(ci[1], 3)] if ci else None,
            "ci_coverage": round(ci[2], 4) if ci else None,
            "a_above": wins, "a_below": losses, "ties": ties,
            "sign_p": round(pv, 3), "left_out": left_out.get(size, 0),
            "ratios": [round(x, 3) for x in xs]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
