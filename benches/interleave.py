#!/usr/bin/env python3
"""Times commands run by turns: each round runs every command once, in the order given.

    python3 benches/interleave.py RUNS CMD [CMD...]

On a shared, noisy machine the load drifts over seconds; hyperfine runs one command's runs
back to back, so a drift lands on one command and not on the other. Run by turns, each
command meets the same drift. Prints, per command, the median and least wall time, the
median user time (of the command and its children; 10 ms ticks), and the median as a
ratio to the first command's. Each command runs through the shell; prefix it with `exec`
to time the program alone. One untimed run of each warms the page cache first.
"""
import os
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs, cmds = int(sys.argv[1]), sys.argv[2:]
    wall = {c: [] for c in cmds}
    user = {c: [] for c in cmds}
    for c in cmds:
        subprocess.run(c, shell=True, stdout=subprocess.DEVNULL)
    for _ in range(runs):
        for c in cmds:
            before, start = os.times(), time.perf_counter()
            subprocess.run(c, shell=True, stdout=subprocess.DEVNULL)
            wall[c].append((time.perf_counter() - start) * 1e3)
            user[c].append((os.times().children_user - before.children_user) * 1e3)
    first = statistics.median(wall[cmds[0]])
    print(f"{'median ms':>10} {'least ms':>9} {'user ms':>8} {'ratio':>6}  command")
    for c in cmds:
        m = statistics.median(wall[c])
        print(f"{m:10.1f} {min(wall[c]):9.1f} {statistics.median(user[c]):8.1f} "
              f"{m / first:6.2f}  {c}")


if __name__ == "__main__":
    main()
