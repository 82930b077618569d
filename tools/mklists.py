#!/usr/bin/env python3
"""Build the sanctions-lists boot module (lists.tar): each list's publisher files under
``<list>/<file>``, which the kernel loads after boot (compliance/SCREENING.md).

The lists are data the bank fetches from the publishers (OFAC, the UN, trade.gov, BIS,
OpenSanctions, FinCEN); nothing of them is in the repository. By default the files come from
the workplace's reference copies (../shared/testdata/sanctions/watchman, moov-io/watchman's
fixtures in the publishers' formats); ``--list NAME=FILE[,FILE...]`` takes a list from other
files (a file's base name must be one the list's loader knows, compliance/lists.py), and
``--only NAME,...`` keeps just those lists. With no source at all the module is empty and the
kernel says so at boot (upload lists with PUT /api/v1/compliance/lists/{name}).

usage: mklists.py OUT_TAR [--source DIR] [--list NAME=FILE,...] [--only NAME,...]
"""
import argparse
import io
import os
import sys
import tarfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(REPO, "..", "shared", "testdata", "sanctions", "watchman")

# list -> files (relative to the source), in the loader's file names.
DEFAULT = {
    "ofac_sdn": ("test/testdata/sdn.csv", "test/testdata/alt.csv", "test/testdata/add.csv",
                 "test/testdata/sdn_comments.csv"),
    "ofac_cons": ("test/testdata/cons_prim.csv", "test/testdata/cons_alt.csv",
                  "test/testdata/cons_add.csv", "test/testdata/cons_comments.csv"),
    "un": ("test/testdata/UN_consolidated.xml",),
    "us_csl": ("test/testdata/csl.csv",),
    "bis_dpl": ("test/testdata/dpl.txt",),
    "pep": ("test/testdata/opensanctions/us_congress_senzing.json",),
    "fincen_314a": ("internal/ingest/testdata/fincen-person.csv",
                    "internal/ingest/testdata/fincen-business.csv"),
}


def build(out, source=SOURCE, extra=None, only=None):
    """Write the tar; returns {list: [file names]} of what went in."""
    chosen = {}
    if os.path.isdir(source):
        for name, files in DEFAULT.items():
            paths = [os.path.join(source, f) for f in files]
            if all(os.path.isfile(p) for p in paths):
                chosen[name] = paths
    for name, paths in (extra or {}).items():
        for p in paths:
            if not os.path.isfile(p):
                raise SystemExit("mklists: %s: no such file" % p)
        chosen[name] = paths
    if only is not None:
        chosen = {n: p for n, p in chosen.items() if n in only}
    tmp = out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(chosen):
            for p in chosen[name]:
                with open(p, "rb") as f:
                    data = f.read()
                info = tarfile.TarInfo("%s/%s" % (name, os.path.basename(p)))
                info.size = len(data)
                info.mtime = 0
                tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, out)
    return {n: [os.path.basename(p) for p in ps] for n, ps in chosen.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--source", default=SOURCE)
    ap.add_argument("--list", action="append", default=[], metavar="NAME=FILE[,FILE...]")
    ap.add_argument("--only", default=None, metavar="NAME,...")
    a = ap.parse_args(argv)
    extra = {}
    for spec in a.list:
        name, _, files = spec.partition("=")
        if not name or not files:
            raise SystemExit("mklists: --list takes NAME=FILE[,FILE...], got %r" % spec)
        extra[name] = files.split(",")
    only = set(a.only.split(",")) if a.only else None
    got = build(a.out, a.source, extra, only)
    if not got:
        print("mklists: no list files found (source %s): the kernel boots without lists"
              % a.source, file=sys.stderr)
    print("mklists: %s: %s (%d bytes)" % (a.out, ", ".join(sorted(got)) or "empty",
                                          os.path.getsize(a.out)))
    return got


if __name__ == "__main__":
    main()
