# The configuration reaches the kernel as GRUB modules, without rebuilding the kernel; a bad
# file stops the boot with a message naming the file, line and key.

import pytest

from qemu_console import Kernel
from tools import isoconf


def make_iso(tmp_path, system_text=None, banking_text=None):
    return isoconf.make_iso(str(tmp_path), str(tmp_path / "test.iso"), system_text, banking_text)


def boot_expecting_halt(iso):
    k = Kernel(iso)
    try:
        text = k.expect(r"boot: halted \(fix the configuration and boot again\)", timeout=60)
    finally:
        k.close()
    return text


@pytest.mark.parametrize("system_text,expected", [
    ('[kernel]\nmemory_limit = "lots"\n',
     'system.toml:2: [kernel] memory_limit: expected a size like "512MB", got "lots"'),
    ('[kernel]\nmemory_limit = "64MB"\nmemory_limit = "64MB"\n', "system.toml:3"),
    ('[kernal]\nmemory_limit = "64MB"\n', "system.toml:1"),
    ('[transaction]\nmax_concurrent = "many"\n', "system.toml:2: [transaction] max_concurrent"),
])
def test_bad_system_toml_stops_boot(tmp_path, system_text, expected):
    text = boot_expecting_halt(make_iso(tmp_path, system_text=system_text))
    assert "boot: configuration error: " in text
    assert expected in text


def test_bad_banking_toml_stops_boot(tmp_path):
    text = boot_expecting_halt(make_iso(tmp_path, banking_text='[swift]\nbic = "NOT A BIC"\n'))
    assert "banking.toml:2: [swift] bic" in text


def test_other_config_folder_takes_effect(tmp_path):
    iso = make_iso(tmp_path, system_text='[kernel]\nmemory_limit = "64MB"\n'
                                         '[transaction]\nmax_concurrent = 7\n')
    k = Kernel(iso)
    try:
        k.wait_prompt()
        out = k.cmd("config show")
        assert "max_concurrent = 7" in out
        assert 'memory_limit = "64MiB"' in out
        assert "heap total:     6" in k.cmd("metrics memory")  # ~63 MiB
    finally:
        k.close()
