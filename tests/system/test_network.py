# virtio-net + lwIP in the booted kernel: DHCP from QEMU's user network, the network command and
# component. (The HTTP API over this network has its own tests.)
import re
import time

import pytest

from qemu_console import Kernel, free_port


@pytest.fixture(scope="module")
def netkernel():
    k = Kernel(http_port=free_port())
    k.wait_prompt()
    yield k
    k.close()


def wait_bound(k, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = k.cmd("network")
        if "DHCP, bound" in out:
            return out
        time.sleep(0.5)
    raise AssertionError("no DHCP lease: " + out)


def test_dhcp_lease_and_counters(netkernel):
    out = wait_bound(netkernel)
    assert re.search(r"interface: virtio-net \S+, MAC 52:54:00:12:34:56, link up", out)
    assert "address:   10.0.2.15 netmask 255.255.255.0" in out
    rx = int(re.search(r"rx:\s+(\d+) frames", out).group(1))
    tx = int(re.search(r"tx:\s+(\d+) frames", out).group(1))
    assert rx >= 2 and tx >= 2  # DHCP offer/ack, discover/request


def test_network_component_and_device_listing(netkernel):
    wait_bound(netkernel)
    assert re.search(r"network\s+up", netkernel.cmd("status"))
    assert re.search(r"virtio-net\s+\[virtio-net driver, MAC 52:54:00:12:34:56\]",
                     netkernel.cmd("devices"))


def test_static_address_from_system_toml(tmp_path):
    from test_config import make_iso
    iso = make_iso(tmp_path, system_text='[network]\naddress = "10.0.2.20/24"\n'
                                         'gateway = "10.0.2.2"\nport = 8080\n')
    port = free_port()
    k = Kernel(iso, http_port=port)
    try:
        k.wait_prompt()
        out = k.cmd("network")
        assert "address:   10.0.2.20 netmask 255.255.255.0 gateway 10.0.2.2 (static)" in out
    finally:
        k.close()
