# The benchmark's own plumbing (tools/bench.py --quick: every step with tiny counts, against the
# built ISO): each step runs to the end, with figures, its baseline and ratios, and no error, so
# `make bench` cannot rot unnoticed. No figure is asserted on: only that there are figures.
import glob
import json
import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASELINES = {"micro": "CPython", "disk": "fsync", "http": "nginx", "ledger": "PostgreSQL 15",
             "screening": "rapidfuzz"}


def test_bench_quick_runs_every_step_with_figures_and_baselines(tmp_path):
    missing = [t for t in ("wrk", "nginx") if shutil.which(t) is None and
               not os.path.exists("/usr/sbin/" + t)]
    if not glob.glob("/usr/lib/postgresql/15/bin/pgbench"):
        missing.append("postgresql-15")
    assert not missing, "missing %s: `bash tools/deps.sh bench` installs them" % missing
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "bench.py"), "--quick",
                        "--json", str(out)], capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["mode"] == "quick" and report["qemu_accel"] == "tcg"
    assert report["git_commit"] and report["date"]
    steps = report["steps"]
    assert sorted(steps) == sorted(["boot", "sizes", "memory", "micro", "disk", "http", "ledger",
                                    "screening"])
    for name, step in steps.items():
        assert step["error"] is None, (name, step.get("traceback"))
        assert step["figures"], name
    for name, base in BASELINES.items():
        step = steps[name]
        assert base in step["baseline"], (name, step["baseline"])
        assert step["baseline_figures"] and step["ratios"], name
        assert all(v is not None and v > 0 for v in step["ratios"].values()), (name, step["ratios"])
    led = steps["ledger"]["figures"]
    assert led["ledger_state"].startswith("up"), led["ledger_state"]
    # The service's own timings were read (LedgerService.transactions()), per run.
    assert "checkpoint_total_ms" in led["service"] and "apply_ms" in led["service"], led["service"]
    assert led["phases"]["batches"]["committed"] > 0, led["phases"]
    scr = steps["screening"]["figures"]
    assert scr["eval"]["systems"]["ours"]["recall"] > 0 and scr["kernel_1"]["queries"] > 0
    for line in ("boot:", "micro:", "disk:", "http:", "ledger:", "screening:",
                 "all 8 steps ran"):
        assert line in r.stdout, (line, r.stdout[-3000:])

