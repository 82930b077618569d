# The package contract (kernel/PACKAGES.md): kernel/ is the operating system and names no
# banking package outside kernel/packages.py's list; each package owns its configuration
# sections and wires itself in through attach(k) alone.
import ast
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, TOP)

from kernel import commands, config, packages, process  # noqa: E402


def python_files(folder):
    for dirpath, dirnames, filenames in os.walk(os.path.join(TOP, folder)):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


def imported_packages(path):
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.split(".")[0]


def test_kernel_imports_no_banking_package():
    found = []
    for path in python_files("kernel"):
        for top in imported_packages(path):
            if top in packages.PACKAGES:
                found.append((os.path.relpath(path, TOP), top))
    assert found == [], "kernel/ imports a banking package (use kernel/packages.py): %r" % found


def test_every_listed_package_has_the_contract():
    for name in packages.PACKAGES:
        m = packages.module(name)
        assert os.path.isfile(os.path.join(TOP, name, "package.py")), name
        assert m.NAME == name
        assert isinstance(m.SECTIONS, tuple), name
        for sect in m.SECTIONS:
            sname, file, fields, check = sect
            assert file in (config.SYSTEM, config.BANKING) and fields, sname
            assert check is None or callable(check), sname
        attach = getattr(m, "attach", None)
        assert attach is None or callable(attach), name


def test_each_config_section_has_one_owner():
    owners = {}
    for sect in config.KERNEL_SECTIONS:
        owners[sect[0]] = "kernel"
    for name in packages.PACKAGES:
        for sect in packages.module(name).SECTIONS:
            assert sect[0] not in owners, "[%s] owned by %s and %s" % (sect[0], owners[sect[0]],
                                                                      name)
            owners[sect[0]] = name
    assert owners == {"kernel": "kernel", "network": "kernel", "transaction": "transaction",
                      "security": "security", "access_windows": "security",
                      "compliance": "compliance", "swift": "protocols",
                      "ai": "ai"}
    shipped = set()
    for f in ("system.toml", "banking.toml"):
        with open(os.path.join(TOP, "config", f)) as fh:
            for line in fh:
                if line.startswith("["):
                    shipped.add(line.strip()[1:-1])
    assert shipped == set(owners)


class Clock:
    us = 0

    def ticks_us(self):
        return self.us

    def idle(self, us):
        self.us += max(us, 1)


class NoDisk:
    disk = None
    entropy = None


def test_attach_all_wires_what_the_packages_hand_over():
    reg = commands.Registry()
    k = packages.Kernel(process.Scheduler(Clock()), config.defaults(), NoDisk(),
                        log=lambda t: None, clock_ns=lambda: 0, ticks_us=lambda: 0,
                        registry=reg)
    packages.attach_all(k)
    assert set(k.services) == {"transaction", "security", "compliance"}  # others: none yet
    assert [n for n, s in k.before_prompt] == ["ledger-recovery", "security", "compliance"]
    assert len(k.route_sets) == 3
    assert reg.metric_kinds() == ("transactions", "security", "compliance")
    names = [c.name for c in reg.extra_commands]
    assert "ledger" in names and "login" in names and "audit" in names
    assert "screening" in names and "screen" in names and "cases" in names
    assert ("compliance", "not present", "", False) in reg.component_health()
    assert ("ledger", "not present", "", False) in reg.component_health()
    assert ("security", "not present", "", False) in reg.component_health()
    assert k.http_guard is not None and reg.guard is not None
    limit = 0
    try:
        for i in range(packages.MAX_ROUTE_SETS + 1):
            k.add_routes(lambda router: None)
            limit += 1
    except RuntimeError:
        pass
    assert limit == packages.MAX_ROUTE_SETS - 3


def test_every_console_command_is_in_the_permission_table():
    from security import access
    reg = commands.Registry()
    k = packages.Kernel(process.Scheduler(Clock()), config.defaults(), NoDisk(),
                        log=lambda t: None, clock_ns=lambda: 0, ticks_us=lambda: 0,
                        registry=reg)
    packages.attach_all(k)
    k.add_command("selftest", "selftest", "", None)          # boot.py's own
    for name in ("devices", "entropy", "disk", "network"):   # Devices and Network attach these
        k.add_command(name, name, "", None)
    names = {c.name for c in commands.all_commands(reg)}
    assert names - set(access.COMMANDS) == set(), names - set(access.COMMANDS)
    assert {n.split()[0] for n in access.COMMANDS} - names == set()
