"""errstat on Apache Spark: one report over logs anywhere Spark's file systems reach.

The driver lists the input paths (files, or directories read recursively, in the order a
local errstat run reads them), Spark hands each file's bytes to an executor, which runs
errstat on them with `--source-name PATH --format partial`; the partials are merged on the
executors in a tree (each partition's, in path order) and on the driver (the partitions',
in order) by `errstat merge`, which writes the report. The report is byte for byte the one
`errstat PATH...` writes on one machine (docs/SCALE-OUT.md).

    spark-submit --files target/release/errstat contrib/spark/errstat_spark.py \
        --errstat target/release/errstat --output report.json \
        s3a://logs/2026/11/ -- --bucket 1h --group-by region -f json

Flags after `--` are errstat's: those that shape the aggregate go to every shard, those that
shape the report (-f, -o, --csv-rows, --csv-safe, --fail-on, --lang) to the merge, and
--catalog, --strict, -q to both. Exit code: errstat merge's, or 2 when a file could not be
run (each is named on standard error; the report of the rest is still written).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from pyspark import SparkFiles
from pyspark.sql import SparkSession

# errstat's report flags that only the merge takes, with and without a value.
MERGE_VALUE = {"-f", "--format", "-o", "--output", "--csv-rows", "--fail-on", "--lang"}
MERGE_BOOL = {"--csv-safe"}
# Flags both take: the catalog's version is a setting of the partials; --strict and -q
# change messages and exit codes on both sides.
BOTH_VALUE = {"--catalog"}
BOTH_BOOL = {"--strict", "-q", "--quiet"}


def split_flags(flags):
    """Splits errstat's flags into the shards' and the merge's."""
    shard, merge = [], []
    i = 0
    while i < len(flags):
        flag = flags[i]
        name = flag.split("=", 1)[0]
        takes_next = "=" not in flag and name in MERGE_VALUE | BOTH_VALUE
        group = flags[i : i + 2] if takes_next else [flag]
        if name in MERGE_VALUE or name in MERGE_BOOL:
            merge += group
        elif name in BOTH_VALUE or name in BOTH_BOOL:
            shard += group
            merge += group
        else:
            shard.append(flag)
            group = [flag]
        i += len(group)
    return shard, merge


def source_name(uri):
    """Names a file as a local run would: a local path without `file:`, else the URI."""
    if uri.startswith("file:"):
        path = uri[len("file:") :]
        # file:///a and file:/a are both /a.
        return "/" + path.lstrip("/")
    return uri


def list_inputs(spark, paths):
    """Lists the files under `paths` in errstat's input order: each path in turn, a
    directory's files recursively, sorted by path. Returns (files, failures)."""
    sc = spark.sparkContext
    jvm = sc._jvm
    conf = sc._jsc.hadoopConfiguration()
    files, failed = [], []
    for arg in paths:
        path = jvm.org.apache.hadoop.fs.Path(arg)
        try:
            fs = path.getFileSystem(conf)
            status = fs.getFileStatus(path)
        except Exception as e:  # py4j wraps the JVM's FileNotFoundException and others
            failed.append((arg, first_line(e)))
            continue
        if not status.isDirectory():
            files.append(status.getPath().toString())
            continue
        found = []
        listing = fs.listFiles(path, True)
        while listing.hasNext():
            found.append(listing.next().getPath().toString())
        # errstat sorts a directory's files by path, component by component.
        found.sort(key=lambda f: f.split("/"))
        files += found
    return files, failed


def first_line(e):
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def executable(errstat):
    """The errstat binary on this machine: shipped with --files, or at the path given."""
    try:
        shipped = SparkFiles.get(os.path.basename(errstat))
        if os.path.exists(shipped):
            os.chmod(shipped, 0o755)
            return shipped
    except Exception:
        pass
    return errstat


def catalog_here(flags):
    """Points --catalog at the copy shipped with --files when the path is not here."""
    out = list(flags)
    for i, flag in enumerate(out):
        if flag == "--catalog" and i + 1 < len(out) and not os.path.exists(out[i + 1]):
            shipped = SparkFiles.get(os.path.basename(out[i + 1]))
            if os.path.exists(shipped):
                out[i + 1] = shipped
    return out


def run_shard(errstat, flags, uri, data):
    """Runs errstat on one file's bytes. Returns (uri, partial or None, error or None)."""
    cmd = [executable(errstat), "-", "--source-name", source_name(uri), "--format", "partial"]
    cmd += catalog_here(flags)
    try:
        done = subprocess.run(cmd, input=bytes(data), capture_output=True)
    except OSError as e:
        return (uri, None, f"could not run errstat: {e}")
    # Exit 2 with a partial is a file read in part (a cut .gz): the partial names it.
    if done.stdout.startswith(b"errstat.partial/"):
        return (uri, done.stdout, None)
    why = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return (uri, None, why[-1] if why else f"errstat exited {done.returncode}")


def merge_partials(errstat, flags, partials, out_args, quiet=False):
    """Runs errstat merge on partials (bytes, in order); returns (exit code, stdout). A
    quiet one (on an executor) keeps its messages: the driver's merge says them once."""
    tmp = tempfile.mkdtemp(prefix="errstat-merge-")
    try:
        names = []
        for i, p in enumerate(partials):
            name = os.path.join(tmp, f"{i:09d}.partial")
            with open(name, "wb") as f:
                f.write(p)
            names.append(name)
        cmd = [errstat, "merge", *names, *flags, *out_args]
        stderr = subprocess.DEVNULL if quiet else None
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=stderr)
        return done.returncode, done.stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def catalog_flags(flags):
    """The --catalog flags among `flags`: all of a shard's settings a merge takes."""
    out = []
    for i, flag in enumerate(flags):
        if flag == "--catalog" and i + 1 < len(flags):
            out += flags[i : i + 2]
        elif flag.startswith("--catalog="):
            out.append(flag)
    return out


def merge_partition(errstat, flags):
    """Merges one partition's partials (sorted by path) into one, on the executor."""
    flags = catalog_flags(flags)

    def merge(rows):
        rows = list(rows)
        if not rows:
            return []
        partials = [p for (_, (_, p)) in rows]
        if len(partials) == 1:
            return [partials[0]]
        code, out = merge_partials(
            executable(errstat), catalog_here(flags), partials, ["--format", "partial"], True
        )
        if not out.startswith(b"errstat.partial/"):
            raise RuntimeError(f"errstat merge failed on an executor (exit {code})")
        return [out]

    return merge


def write_report(spark, output, data):
    """Writes the report to a local path, a Hadoop file system URI, or standard output."""
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if "://" not in output or output.startswith("file:"):
        with open(source_name(output) if output.startswith("file:") else output, "wb") as f:
            f.write(data)
        return
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(output)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(data))
    finally:
        stream.close()


def main(argv):
    if "--" in argv:
        at = argv.index("--")
        ours, flags = argv[:at], argv[at + 1 :]
    else:
        ours, flags = argv, []
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", help="input files or directories (any Spark FS)")
    ap.add_argument("--errstat", default="errstat", help="the errstat binary (driver path; "
                    "executors use the copy shipped with --files, else this path)")
    ap.add_argument("--output", default="-", help="where the report goes (path, URI or -)")
    ap.add_argument("--master", help="Spark master, when not run by spark-submit")
    ap.add_argument("--partitions", type=int, default=0,
                    help="partitions to merge in (default: Spark's default parallelism)")
    args = ap.parse_args(ours)
    shard_flags, merge_flags = split_flags(flags)
    merge_out = []
    i = 0
    while i < len(merge_flags):  # -o is --output's: the job writes the report itself.
        if merge_flags[i] in ("-o", "--output"):
            args.output = merge_flags[i + 1]
            i += 2
            continue
        if merge_flags[i].startswith("--output="):
            args.output = merge_flags[i].split("=", 1)[1]
        else:
            merge_out.append(merge_flags[i])
        i += 1

    builder = SparkSession.builder.appName("errstat")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    try:
        files, failed = list_inputs(spark, args.paths)
        order = {f: i for i, f in enumerate(files)}
        partials = []
        if files:
            parts = args.partitions or sc.defaultParallelism
            errstat, sflags = args.errstat, shard_flags
            shards = sc.binaryFiles(",".join(files), minPartitions=max(1, len(files)))
            ran = shards.map(lambda kv: run_shard(errstat, sflags, kv[0], kv[1]))
            ran = ran.map(lambda r: (order.get(r[0], len(order)), r)).persist()
            for _, (uri, _, why) in ran.filter(lambda r: r[1][2] is not None).collect():
                failed.append((source_name(uri), why))
            good = ran.filter(lambda r: r[1][2] is None).map(lambda r: (r[0], (r[1][0], r[1][1])))
            seen = set(good.map(lambda r: r[1][0]).collect())
            for f in files:
                if f not in seen and all(source_name(f) != n for n, _ in failed):
                    failed.append((source_name(f), "not read by Spark"))
            merged = (
                good.sortByKey(numPartitions=max(1, min(parts, len(seen) or 1)))
                .mapPartitions(merge_partition(errstat, sflags))
                .collect()
            )
            partials = [p for p in merged if p]
            ran.unpersist()
        for name, why in failed:
            print(f"errstat_spark: {name}: {why}", file=sys.stderr)
        if not partials:
            print("errstat_spark: no input could be read", file=sys.stderr)
            return 2
        code, report = merge_partials(args.errstat, merge_out, partials, [])
        write_report(spark, args.output, report)
        return 2 if failed else code
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
