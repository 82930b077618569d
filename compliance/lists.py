"""The sanctions and PEP list loaders, by name: what files each list takes and which function
reads them. The boot module and the upload API (PUT /api/v1/compliance/lists/{name}) both come
through `load(name, files)`.

    data = load("ofac_sdn", {"sdn.csv": b"...", "alt.csv": b"...", "add.csv": b"..."})
    data.version, len(data.entries)                 # entry.ListData

    g = steps("ofac_sdn", files)                    # the same, a step at a time
    while True:
        try:
            next(g)                                 # None every few records: others may run
        except StopIteration as e:
            data = e.value
            break

`files` maps file names to their bytes (a tar bundle read by compliance/bundle.py gives such a
dict). Names are matched on their last path part, ignoring case ("lists/SDN.CSV" is sdn.csv);
'*' in a pattern is any text. Every required pattern must match a file, and every file must
match a pattern of the list: a stray file is refused, not ignored. Any fault is an
entry.ListError naming the file, the line and the field; the caller keeps the list in force.

In the kernel a load takes seconds and the scheduler is cooperative, so the service drives
`steps`: each loader is a generator that yields every lists_common.STEP (32) records, rows,
XML elements or entries, and between files, and returns the ListData; a ListError comes out
of the next() that met the fault. `load` runs the same steps to the end.

The loaders themselves: compliance/lists_ofac.py, lists_un.py, lists_us.py, lists_pep.py;
the limits (file size, entries, names per entry) are in lists_common.py.
"""
from compliance import lists_common as C
from compliance.entry import ListError
from compliance.lists_ofac import CONS_FILES, SDN_FILES, ofac_cons, ofac_sdn
from compliance.lists_pep import pep
from compliance.lists_un import un
from compliance.lists_us import bis_dpl, fincen_314a, us_csl

# name: (loader (a steps generator function of the files), required file patterns, optional
# file patterns, description)
LOADERS = {
    "ofac_sdn": (ofac_sdn, SDN_FILES[:1], SDN_FILES[1:],
                 "OFAC Specially Designated Nationals (legacy CSV: sdn, alt, add, comments)"),
    "ofac_cons": (ofac_cons, CONS_FILES[:1], CONS_FILES[1:],
                  "OFAC consolidated non-SDN list (legacy CSV: cons_prim, alt, add, comments)"),
    "un": (un, ("*.xml",), (), "UN Security Council Consolidated List (XML)"),
    "us_csl": (us_csl, ("*.csv",), (), "US Consolidated Screening List (trade.gov CSV)"),
    "bis_dpl": (bis_dpl, ("*.txt",), (), "BIS Denied Persons List (tab-separated dpl.txt)"),
    "pep": (pep, (), ("*.json", "*.jsonl"),
            "OpenSanctions PEP data (Senzing or FollowTheMoney JSON / JSON lines)"),
    "fincen_314a": (fincen_314a, ("*.csv",), (),
                    "FinCEN 314(a) subjects (person and/or business CSV)"),
}

MAX_FILES = 16          # files in one list


def names():
    """The list names, sorted."""
    return sorted(LOADERS)


def load(name, files):
    """entry.ListData of list `name` from `files` ({file name: bytes}); ListError if the list
    is unknown, a file is missing, unexpected, too large or malformed."""
    return C.run(steps(name, files))


def steps(name, files):
    """Generator doing what load(name, files) does: yields None every C.STEP records and
    between files, returns the entry.ListData (StopIteration.value); raises ListError."""
    loader = _loader(name, files)
    return (yield from loader(files))


def _loader(name, files):
    """The loader of list `name`, once `files` are found to be its files."""
    spec = LOADERS.get(name)
    if spec is None:
        raise ListError(str(name)[:64], 0, "list", "unknown list (known: %s)"
                        % ", ".join(names()))
    loader, required, optional, _ = spec
    if type(files) is not dict or not files:
        raise ListError(name, 0, "files", "no files given")
    if len(files) > MAX_FILES:
        raise ListError(name, 0, "files", "more than %d files" % MAX_FILES)
    patterns = required + optional
    for fname in files:
        if type(fname) is not str:
            raise ListError(str(fname)[:64], 0, "file", "file names are text")
        C.check_size(fname, files[fname])
        ok = False
        for p in patterns:
            if C.matches(p, fname):
                ok = True
                break
        if not ok:
            raise ListError(fname, 0, "file", "not a file of list %s (expected %s)"
                            % (name, ", ".join(patterns)))
    for p in required:
        if not C.pick_all(files, p):
            raise ListError(p, 0, "file", "missing (a required file of list %s)" % name)
    return loader
