# tools/bench.py's runner: a step that fails is reported with its error and the others still
# run; the exit status says so; build/bench.json holds every step (the steps themselves are
# exercised by tests/system/test_bench.py).
import json

from tools import bench


def test_a_failed_step_is_reported_and_the_others_run(tmp_path, monkeypatch, capsys):
    def broken(opts):
        raise RuntimeError("no wrk here")

    def fine(opts):
        return {"figures": {"x": 1}, "baseline": "the host", "baseline_figures": {"x": 2},
                "ratios": {"x": 0.5}}
    monkeypatch.setattr(bench, "STEPS", (("first", broken), ("second", fine)))
    iso = tmp_path / "any.iso"
    iso.write_bytes(b"x")
    out = tmp_path / "bench.json"
    assert bench.main(["--quick", "--iso", str(iso), "--json", str(out)]) == 1
    report = json.loads(out.read_text())
    assert report["mode"] == "quick" and report["git_commit"] and report["date"]
    first, second = report["steps"]["first"], report["steps"]["second"]
    assert first["error"] == "RuntimeError: no wrk here" and "no wrk here" in first["traceback"]
    assert first["figures"] == {} and first["ratios"] == {}
    assert second["error"] is None and second["ratios"] == {"x": 0.5}
    text = capsys.readouterr().out
    assert "FAILED: RuntimeError: no wrk here" in text and "FAILED steps: first" in text


def test_all_steps_ok_exit_zero_and_only_selects(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "STEPS", (("a", lambda o: {"figures": {"n": 1}}),
                                         ("b", lambda o: {"figures": {"n": 2}})))
    iso = tmp_path / "any.iso"
    iso.write_bytes(b"x")
    out = tmp_path / "bench.json"
    assert bench.main(["--iso", str(iso), "--json", str(out), "--only", "b"]) == 0
    report = json.loads(out.read_text())
    assert report["mode"] == "full" and list(report["steps"]) == ["b"]
    assert report["steps"]["b"]["figures"] == {"n": 2} and report["steps"]["b"]["error"] is None
