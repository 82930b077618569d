"""make deploy-check (tools/deploy_check.py): deploy/ passes, and a broken copy of each kind
of file fails with the problem named (so the validators really run)."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(REPO, "tools", "deploy_check.py")


def check(*args):
    return subprocess.run([sys.executable, CHECK, *args], capture_output=True, text=True,
                          timeout=300)


def broken(tmp_path, rel, old, new):
    with open(os.path.join(REPO, rel)) as f:
        text = f.read()
    assert old in text, (rel, old)
    p = tmp_path / os.path.basename(rel)
    p.write_text(text.replace(old, new, 1))
    return str(p)


def test_deploy_passes():
    r = check()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().endswith(
        "deploy-check: ok (2 Dockerfiles, 3 manifests, 1 VirtualMachine)")


def test_hadolint_finds_a_bad_dockerfile(tmp_path):
    bad = broken(tmp_path, "deploy/Dockerfile", "apt-get install -y --no-install-recommends",
                 "apt-get install -y")
    r = check("--dockerfile", bad, "--k8s", os.path.join(REPO, "deploy/k8s/service.yaml"))
    assert r.returncode == 1
    assert "hadolint" in r.stdout and "DL3015" in r.stdout, r.stdout


def test_kubernetes_schema_finds_a_misspelt_field(tmp_path):
    bad = broken(tmp_path, "deploy/k8s/statefulset.yaml", "  replicas: 3", "  replica: 3")
    r = check("--k8s", bad)
    assert r.returncode == 1
    assert "kubernetes-validate" in r.stdout and "replica" in r.stdout, r.stdout


def test_kubernetes_schema_finds_a_wrong_type(tmp_path):
    bad = broken(tmp_path, "deploy/k8s/service.yaml", "      port: 8080", "      port: http")
    r = check("--k8s", bad)
    assert r.returncode == 1 and "kubernetes-validate" in r.stdout, r.stdout


def test_vm_schema_finds_bad_fields(tmp_path):
    for old, new, said in [
        ("bus: virtio", "bus: virtio-blk", "spec/template/spec/domain/devices/disks/1/disk/bus"),
        ("masquerade: {}", "masqerade: {}", "masqerade"),
        ("apiVersion: kubevirt.io/v1", "apiVersion: kubevirt.io/v1alpha3", "apiVersion"),
        ("runStrategy: Always", "runStrategy: Sometimes", "runStrategy"),
    ]:
        bad = broken(tmp_path, "deploy/kubevirt/virtualmachine.yaml", old, new)
        r = check("--vm", bad, "--k8s", os.path.join(REPO, "deploy/k8s/service.yaml"))
        assert r.returncode == 1 and said in r.stdout, (old, r.stdout)


def test_vm_references_are_checked(tmp_path):
    bad = broken(tmp_path, "deploy/kubevirt/virtualmachine.yaml", "claimName: qenex-vm-ledger\n",
                 "claimName: qenex-vm-ledger\n        - name: spare\n"
                 "          persistentVolumeClaim:\n            claimName: spare\n")
    r = check("--vm", bad, "--k8s", os.path.join(REPO, "deploy/k8s/service.yaml"))
    assert r.returncode == 1 and "volume spare is not a disk" in r.stdout, r.stdout
    bad = broken(tmp_path, "deploy/kubevirt/virtualmachine.yaml", "port: 8080", "port: 8081")
    r = check("--vm", bad, "--k8s", os.path.join(REPO, "deploy/k8s/service.yaml"))
    assert r.returncode == 1 and "no masquerade interface with port 8080" in r.stdout


def test_promises_are_checked():
    sys.path.insert(0, os.path.join(REPO, "tools"))
    import deploy_check
    import yaml
    path = os.path.join(REPO, "deploy/k8s/statefulset.yaml")
    svc = os.path.join(REPO, "deploy/k8s/service.yaml")
    assert deploy_check.check_promises(path, svc) == []
    with open(path) as f:
        doc = yaml.safe_load(f)

    def problems(tmp, change):
        d = yaml.safe_load(yaml.safe_dump(doc))
        change(d)
        tmp.write_text(yaml.safe_dump(d))
        return deploy_check.check_promises(str(tmp), svc)

    import pathlib
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        tmp = pathlib.Path(t) / "sts.yaml"
        c = lambda d: d["spec"]["template"]["spec"]["containers"][0]  # noqa: E731
        assert "replicas must be 3" in problems(tmp, lambda d: d["spec"].update(replicas=1))[0]
        assert "a disk per replica" in problems(
            tmp, lambda d: d["spec"].pop("volumeClaimTemplates"))[0]
        assert "livenessProbe must GET /health" in problems(
            tmp, lambda d: c(d)["livenessProbe"]["httpGet"].update(path="/"))[0]
        assert "resources need requests and limits" in problems(
            tmp, lambda d: c(d)["resources"].pop("limits"))[0]
        assert "non-root" in problems(
            tmp, lambda d: d["spec"]["template"]["spec"]["securityContext"].pop("runAsNonRoot"))[0]
