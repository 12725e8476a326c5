"""The Spark job in local mode (local[2]) against a plain errstat run: same bytes, same exit
code, for files and directories (plain, .gz, .zst, one cut short, malformed-rich, without
times), in several formats. Run by .ci/run with ERRSTAT (the binary) set."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "fixtures")
JOB = os.path.join(HERE, "errstat_spark.py")
ERRSTAT = os.environ.get("ERRSTAT", os.path.join(ROOT, "target", "debug", "errstat"))


def env():
    e = dict(os.environ)
    for k in ("LC_ALL", "LC_MESSAGES", "LANG", "COLUMNS"):
        e.pop(k, None)
    return e


class SparkJob(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(ERRSTAT, os.X_OK):
            raise RuntimeError(f"no errstat binary at {ERRSTAT} (cargo build first)")
        cls.tmp = tempfile.mkdtemp(prefix="errstat-spark-test-")
        logs = os.path.join(cls.tmp, "logs")
        for sub, name in [
            ("b", "bare.jsonl"),
            ("a", "mixed.jsonl"),
            ("a", "envelope.jsonl.zst"),
            ("a/deep", "adversarial.jsonl"),
            ("", "envelope.jsonl.gz"),
        ]:
            os.makedirs(os.path.join(logs, sub), exist_ok=True)
            shutil.copy(os.path.join(FIXTURES, name), os.path.join(logs, sub, name))
        with open(os.path.join(FIXTURES, "envelope.jsonl.gz"), "rb") as f:
            gz = f.read()
        cls.cut = os.path.join(logs, "a", "cut.jsonl.gz")
        with open(cls.cut, "wb") as f:
            f.write(gz[: len(gz) * 2 // 3])
        cls.inputs = [os.path.join(FIXTURES, "envelope.jsonl"), logs,
                      os.path.join(FIXTURES, "cloudaudit.jsonl")]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def plain(self, flags):
        done = subprocess.run([ERRSTAT, *self.inputs, *flags], capture_output=True, env=env())
        return done.returncode, done.stdout

    def spark(self, flags):
        out = os.path.join(self.tmp, "report.out")
        cmd = [sys.executable, JOB, "--master", "local[2]", "--errstat", ERRSTAT,
               "--output", out, *self.inputs, "--", *flags]
        done = subprocess.run(cmd, capture_output=True, env=env())
        stderr = done.stderr.decode("utf-8", "replace")
        self.assertTrue(os.path.exists(out), f"exit {done.returncode}: {stderr[-3000:]}")
        with open(out, "rb") as f:
            report = f.read()
        os.remove(out)
        return done.returncode, report, stderr

    def test_the_job_writes_what_one_run_writes(self):
        for flags in (
            ["--bucket", "1m", "--group-by", "region", "--samples", "2", "-f", "json"],
            ["--max-codes", "3", "--group-by", "category", "-f", "csv"],
            ["--bucket", "30s", "-f", "ndjson", "--max-codes", "2"],
            ["--bucket", "1m", "-f", "partial"],
        ):
            with self.subTest(flags=flags):
                want_code, want = self.plain(flags)
                code, got, stderr = self.spark(flags)
                self.assertEqual(want_code, 2, "the cut .gz fails in a plain run")
                self.assertEqual((code, got), (want_code, want), stderr[-3000:])
                if "json" in flags:
                    self.assertIn(b'"source": "' + self.cut.encode(), got)

    def test_a_missing_input_is_named_not_fatal(self):
        missing = os.path.join(self.tmp, "missing.jsonl")
        cmd = [sys.executable, JOB, "--master", "local[2]", "--errstat", ERRSTAT,
               self.inputs[0], missing, "--", "-f", "json"]
        done = subprocess.run(cmd, capture_output=True, env=env())
        self.assertEqual(done.returncode, 2)
        self.assertIn(b'"schema": "errstat.report/v1"', done.stdout)
        self.assertIn("missing.jsonl", done.stderr.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
