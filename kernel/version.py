"""QENEX OS's version, one place: the boot banner and /status (kernel/boot.py) and the host
package (pyproject.toml: dynamic version, setuptools attr) read it. CHANGELOG.md says what
changed in each."""
VERSION = "0.1.0"
