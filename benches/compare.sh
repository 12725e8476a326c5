#!/usr/bin/env bash
# Side by side: errstat and its peers on the same question (errors per code) over the same
# generated log, plus errstat on .gz and .zst against the bare decompressors.
#
#   benches/compare.sh [SIZE]        # SIZE of the generated log, default 200M
#
# Needs: cargo, hyperfine, ripgrep, jq, gzip, zstd; DuckDB (`pip install duckdb`) and
# angle-grinder (`cargo install ag`) are used when installed. BENCH_DIR (default
# /tmp/errstat-bench) holds the generated files; RUNS (default 5) sets hyperfine's runs.
# Prints a table of median wall times and ratios to `rg -c '"Error"'`, checks that
# errstat's counts per code equal jq's, and reports errstat's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-200M}
dir=${BENCH_DIR:-/tmp/errstat-bench}
runs=${RUNS:-5}
mkdir -p "$dir"
log="$dir/log-$size.jsonl"

cargo build --release --quiet --bin errstat --example gen
errstat="$PWD/target/release/errstat"
if [ ! -s "$log" ]; then
  target/release/examples/gen --bytes "$size" --seed 1 -o "$log"
fi
[ -s "$log.gz" ] || gzip -6 -c "$log" > "$log.gz"
[ -s "$log.zst" ] || zstd -q -3 -c "$log" > "$log.zst"
bytes=$(stat -c %s "$log")
lines=$(wc -l < "$log")
echo "log: $log, $bytes bytes, $lines lines; $(nproc) cores"

# The same question for every tool: how many errors per code.
jq_program='sub("^[^{]*"; "") | fromjson? | (.Response // .response.Response) | .Error.Code? // empty | select(. != "") | tostring'

# 1. Correctness: errstat's counts per code must equal jq's.
"$errstat" -q --format json "$log" \
  | jq -r '.codes[] | "\(.count) \(.code)"' | sort -k2 > "$dir/errstat.counts"
jq -R -r "$jq_program" "$log" | sort | uniq -c | awk '{print $1, $2}' | sort -k2 > "$dir/jq.counts"
if diff -q "$dir/errstat.counts" "$dir/jq.counts" >/dev/null; then
  echo "counts: errstat = jq ($(wc -l < "$dir/jq.counts") codes, $(awk '{s+=$1} END {print s}' "$dir/jq.counts") errors)"
else
  echo "counts: errstat and jq DIFFER:"; diff "$dir/errstat.counts" "$dir/jq.counts" | head -20
  exit 1
fi

# 2. Plain file: errstat's full default report (1 m buckets, latency) against the peers.
cmds=(
  "rg -c '\"Error\"' $log"
  "$errstat -q --bucket 1m --format json -o /dev/null --threads 2 $log"
  "$errstat -q --bucket 1m --format json -o /dev/null --threads 1 $log"
)
names=("rg -c '\"Error\"'" "errstat --threads 2" "errstat --threads 1")
if python3 -c 'import duckdb' 2>/dev/null; then
  cat > "$dir/duck.py" <<PY
import duckdb, sys
duckdb.sql("""
  SELECT code, count(*) FROM (
    SELECT coalesce(json_extract_string(json, '$.Response.Error.Code'),
                    json_extract_string(json, '$.response.Response.Error.Code')) AS code
    FROM read_ndjson_objects('$log', ignore_errors = true))
  WHERE code IS NOT NULL AND code <> '' GROUP BY code""").fetchall()
PY
  cmds+=("python3 $dir/duck.py"); names+=("DuckDB read_ndjson_objects")
fi
cmds+=("jq -R -r '$jq_program' $log | sort | uniq -c > /dev/null"); names+=("jq | sort | uniq -c")
if command -v agrind >/dev/null || command -v ag >/dev/null; then
  ag=$(command -v agrind || command -v ag)
  cmds+=("$ag '* | json | count by response.Response.Error.Code' --file $log > /dev/null")
  names+=("angle-grinder")
fi

# 3. Compressed inputs against the bare decompressors.
cmds+=("gzip -dc $log.gz > /dev/null" "$errstat -q --bucket 1m --format json -o /dev/null $log.gz"
       "zstd -dc $log.zst > /dev/null" "$errstat -q --bucket 1m --format json -o /dev/null $log.zst")
names+=("gzip -dc > /dev/null" "errstat .gz" "zstd -dc > /dev/null" "errstat .zst")

args=()
for c in "${cmds[@]}"; do args+=("$c"); done
hyperfine --style none -w 1 -r "$runs" --export-json "$dir/times.json" "${args[@]}" >/dev/null

python3 - "$dir/times.json" "$bytes" "${names[@]}" <<'PY'
import json, sys
times = json.load(open(sys.argv[1]))["results"]
size, names = int(sys.argv[2]), sys.argv[3:]
med = [r["median"] for r in times]
base = {"rg": med[0]}
rows = []
for name, m in zip(names, med):
    ref = med[0]
    note = ""
    if name == "errstat .gz":
        note = f"{m / med[names.index('gzip -dc > /dev/null')]:.2f}x gzip -dc"
    elif name == "errstat .zst":
        note = f"{m / med[names.index('zstd -dc > /dev/null')]:.2f}x zstd -dc"
    elif name == "errstat --threads 2":
        note = f"{med[names.index('errstat --threads 1')] / m:.2f}x faster than 1 thread"
    rows.append((name, m * 1000, m / ref, size / m / 1e6, note))
print(f"{'tool':34} {'median ms':>10} {'x rg':>7} {'MB/s':>8}  note")
for name, ms, ratio, mbs, note in rows:
    print(f"{name:34} {ms:10.1f} {ratio:7.2f} {mbs:8.0f}  {note}")
PY

# 4. Peak memory of the full report.
rss=$( { /usr/bin/time -f '%M' "$errstat" -q --bucket 1m --format json -o /dev/null "$log" >/dev/null; } 2>&1 | tail -1)
echo "errstat peak RSS on $size: $((rss / 1024)) MB"
