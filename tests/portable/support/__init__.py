"""Test doubles the portable tests share (they run on CPython and inside the kernel, so they are
in the boot archive with the tests): fakeclock (a scheduler clock), memnet (the stream contract
in memory), faultdisk (block devices that lose power on request). Not tests themselves: the
in-kernel runner (kernel/testrunner.py) only runs tests/portable/test_*.py."""
