# The project's own bookkeeping, each in one place: the host packages' versions (constraints.txt),
# the version (kernel/version.py), the on-disk and wire format versions (CHANGELOG.md); and test
# doubles stay out of the production packages and the boot archive.
import os
import re
import tomllib

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(name):
    with open(os.path.join(TOP, name)) as f:
        return f.read()


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def constraints():
    pins = {}
    for line in read("constraints.txt").splitlines():
        line = line.split("#")[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9._-]+)==([A-Za-z0-9.+!-]+)", line)
            assert m, "constraints.txt: not name==version: %r" % line
            assert norm(m.group(1)) not in pins, "constraints.txt: %s twice" % m.group(1)
            pins[norm(m.group(1))] = m.group(2)
    return pins


def deps_sh_packages():
    m = re.search(r'^py_pkgs="([^"]*)"', read("tools/deps.sh"), re.M)
    assert m, "tools/deps.sh: no py_pkgs line"
    return m.group(1).split()


def test_every_package_deps_sh_installs_is_pinned_in_constraints():
    pins = constraints()
    pkgs = deps_sh_packages()
    assert "ruff" in pkgs and "pytest" in pkgs
    for p in pkgs:
        assert "=" not in p and "<" not in p and ">" not in p, \
            "deps.sh pins %s itself: its version belongs in constraints.txt" % p
        assert norm(p) in pins, "%s (tools/deps.sh) is not pinned in constraints.txt" % p
    assert "-c \"$top/constraints.txt\"" in read("tools/deps.sh")


def test_pyproject_dependencies_are_pinned_in_constraints_only():
    project = tomllib.loads(read("pyproject.toml"))["project"]
    names = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        names += extra
    pins = constraints()
    installed = {norm(p) for p in deps_sh_packages()}
    for n in names:
        assert re.fullmatch(r"[A-Za-z0-9._-]+", n), \
            "pyproject.toml: %r has a version; it belongs in constraints.txt" % n
        assert norm(n) in pins and norm(n) in installed, n


def test_version_has_one_source():
    from kernel import version
    assert re.fullmatch(r"\d+\.\d+\.\d+", version.VERSION), version.VERSION
    py = tomllib.loads(read("pyproject.toml"))
    assert "version" not in py["project"] and "version" in py["project"]["dynamic"]
    assert py["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "kernel.version.VERSION"}
    boot = read("kernel/boot.py")
    assert "from kernel.version import VERSION" in boot
    assert not re.search(r"^VERSION\s*=", boot, re.M), "kernel/boot.py sets VERSION itself"


def changelog_formats():
    """{magic: version} from CHANGELOG.md's table of formats."""
    rows = re.findall(r"^\|[^|\n]+\|[^|\n]+\| `([A-Z0-9-]+)` \| (\d+) \|$",
                      read("CHANGELOG.md"), re.M)
    return {magic: int(v) for magic, v in rows}


def test_format_versions_in_the_code_are_the_changelogs():
    from compliance import journal as compliance_journal
    from security import audit, merkle, principals
    from transaction import engine, journals, requests, superblock, wal
    assert requests.MAGIC[:3] == "QXR" and requests.MAGIC[3:].isdigit()
    code = {superblock.MAGIC.decode(): superblock.VERSION,
            wal.MAGIC.decode(): wal.VERSION,
            requests.MAGIC: int(requests.MAGIC[3:]),
            engine.SNAPSHOT_MAGIC.decode(): engine.SNAPSHOT_VERSION}
    for magic in (journals.MAGIC, principals.TAG, audit.TAG,       # QXJ1, QXS1, QXA1
                  compliance_journal.TAG):                         # QXC1
        assert magic[:3].isalpha() and magic[3:].isdigit(), magic
        code[magic.decode()] = int(magic[3:])
    for magic, version in ((merkle.SNAPSHOT_MAGIC, merkle.SNAPSHOT_VERSION),
                           (merkle.STH_PREFIX, merkle.STH_VERSION)):
        # the audit formats name their version in the magic: b"QENEX-NAME-vN\0"
        m = re.fullmatch(rb"(QENEX-[A-Z]+)-v(\d+)\x00", magic)
        assert m and int(m.group(2)) == version, magic
        code[m.group(1).decode()] = version
    assert changelog_formats() == code, \
        "a format's version changed: say so in CHANGELOG.md (the table and a line)"
    # The WAL's chain seed names its version too.
    assert superblock.CHAIN_SEED == b"QENEX WAL v%d chain seed" % wal.VERSION


def test_changelog_has_the_current_version():
    from kernel import version
    text = read("CHANGELOG.md")
    assert re.search(r"^## \[Unreleased\]$", text, re.M)
    assert re.search(r"^## \[%s\] - \d{4}-\d\d-\d\d$" % re.escape(version.VERSION), text, re.M)


# Test doubles live under tests/, never in a production package (they would boot with the
# kernel): the portable ones in tests/portable/support/ (archived with the portable tests, so
# `selftest` has them), the host-only ones in tests/host/support/ (never archived).
DOUBLES = {"FakeClock", "MemNet", "MemConn", "MemListener", "MemDisk", "FaultDisk", "PowerCut",
           "DeviceFull", "HostNet", "HostListener", "HostConn", "HostLoop", "HostClock"}
DOUBLE_PREFIXES = ("Fake", "Mock", "Stub")
DOUBLE_MODULES = {"fakeclock", "memnet", "faultdisk", "hostnet"}


def archived():
    """(source path, archive path) of every module tools/mkarchive.py puts in the boot archive."""
    from tools import mkarchive
    return list(mkarchive.python_files(TOP))


def classes_and_imports(src):
    import ast
    with open(src) as f:
        tree = ast.parse(f.read(), src)
    classes, imports = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            classes.add(node.name)
        elif isinstance(node, ast.Import):
            imports.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imports.add(node.module)
    return classes, imports


def test_no_test_double_in_the_production_packages():
    production = [(src, rel) for src, rel in archived() if not rel.startswith("tests/")]
    assert any(rel == "kernel/io/stream.py" for _, rel in production)
    assert len(production) > 30, len(production)
    for src, rel in production:
        name = rel[:-3].rsplit("/", 1)[-1]
        assert name not in DOUBLE_MODULES, "%s: a test double in a production package" % rel
        classes, imports = classes_and_imports(src)
        for c in classes:
            assert c not in DOUBLES and not c.startswith(DOUBLE_PREFIXES), \
                "%s defines %s: test doubles go in tests/portable/support/" % (rel, c)
        for m in imports:
            assert m != "tests" and not m.startswith("tests."), \
                "%s imports %s: production code does not depend on the tests" % (rel, m)


def test_the_doubles_are_in_the_test_support_packages():
    found = {}
    for sub in ("tests/portable/support", "tests/host/support"):
        for name in sorted(os.listdir(os.path.join(TOP, sub))):
            if name.endswith(".py"):
                classes, imports = classes_and_imports(os.path.join(TOP, sub, name))
                for c in classes & DOUBLES:
                    found[c] = "%s/%s" % (sub, name)
                if sub == "tests/portable/support":   # they run in the kernel too
                    for m in imports:
                        assert m.split(".")[0] not in ("pytest", "hypothesis", "socket",
                                                       "threading", "select"), (name, m)
                        assert not m.startswith("tests.host"), (name, m)
    assert set(found) == DOUBLES, sorted(DOUBLES - set(found))
    assert found["MemNet"] == "tests/portable/support/memnet.py"
    assert found["FaultDisk"] == "tests/portable/support/faultdisk.py"
    assert found["HostLoop"] == "tests/host/support/hostnet.py"


def test_the_archive_holds_the_portable_tests_and_their_support_only():
    from kernel import testrunner
    rels = [rel for _, rel in archived()]
    for rel in rels:
        assert not rel.startswith("tests/") or rel.startswith("tests/portable/"), \
            "%s is in the boot archive: only tests/portable goes there" % rel
    for name in ("__init__", "fakeclock", "memnet", "faultdisk"):
        assert "tests/portable/support/%s.py" % name in rels
    # The in-kernel runner runs the test modules, not their support.
    tests = testrunner.discover([rel[:-3] + ".mpy" for rel in rels])
    assert tests == sorted("tests.portable." + n[:-3]
                           for n in os.listdir(os.path.join(TOP, "tests/portable"))
                           if n.startswith("test_") and n.endswith(".py"))
    assert not any(".support" in t for t in tests)
