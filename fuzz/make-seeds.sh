#!/usr/bin/env bash
# Regenerates fuzz/seeds/ from fixtures/, so that the seeds are the fixtures as they are now.
#
#   fuzz/make-seeds.sh
#
# For every text fixture NAME (fixtures/*, not the .gz/.zst copies, not expected/):
#   seeds/chunk/NAME           the fixture's first 4096 bytes (the whole file if shorter)
#   seeds/extract/NAME-i       line i of the fixture, from 0, without its newline: the file
#                              split at every `\n`, so the piece after the last newline is a
#                              seed too (empty when the file ends in one)
#   seeds/extract/pair-NAME-i  a non-empty line i twice, joined by `\n`, so that a mutation of
#                              one copy is read after its near twin (the extract target keeps
#                              shapes from line to line)
# Lines are copied byte for byte: NULs, a `\r` before the newline, invalid UTF-8 and all.
# Both seed directories are emptied first, so a seed of a line that is gone goes too.
# Needs python3 (bash cannot hold a NUL byte).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 - <<'PY'
import os
import shutil

CHUNK_MAX = 4096
fixtures, seeds = "fixtures", "fuzz/seeds"
for target in ("chunk", "extract"):
    shutil.rmtree(os.path.join(seeds, target), ignore_errors=True)
    os.makedirs(os.path.join(seeds, target))


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


count = {"chunk": 0, "extract": 0}
for name in sorted(os.listdir(fixtures)):
    path = os.path.join(fixtures, name)
    if not os.path.isfile(path) or name.endswith((".gz", ".zst")):
        continue
    with open(path, "rb") as f:
        data = f.read()
    write(os.path.join(seeds, "chunk", name), data[:CHUNK_MAX])
    count["chunk"] += 1
    for i, line in enumerate(data.split(b"\n")):
        write(os.path.join(seeds, "extract", f"{name}-{i}"), line)
        count["extract"] += 1
        if line:
            write(os.path.join(seeds, "extract", f"pair-{name}-{i}"), line + b"\n" + line)
            count["extract"] += 1
print(f"fuzz/seeds: {count['chunk']} chunk seeds, {count['extract']} extract seeds")
PY
