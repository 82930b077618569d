# QENEX OS. The two commands a user needs: `make run` and `make test` (both set up what is
# missing first); `make check` is the quick one before a commit. See README.md.

PYTHON ?= python3
CONFIG ?= config
BUILD := build
KERNEL := $(BUILD)/kernel.elf
ARCHIVE := $(BUILD)/python.tar
ISO := $(BUILD)/qenex.iso
LISTS_ISO := $(BUILD)/qenex-lists.iso
LISTS := $(BUILD)/lists.tar
# The sanctions lists' boot module: tools/mklists.py's defaults, or LIST_ARGS="--list
# ofac_sdn=/path/sdn.csv,/path/alt.csv ..." (README "Sanctions lists").
LIST_ARGS ?=
DEPS_STAMP := $(BUILD)/.deps-ok
PY_SOURCES := $(shell find kernel drivers transaction security compliance protocols ai tests/portable -name '*.py' 2>/dev/null)
C_SOURCES := $(shell find boot drivers kernel/port -name '*.[chS]' -o -name '*.ld' -o -name '*.mk' -o -name Makefile 2>/dev/null)

.PHONY: all deps kernel archive iso run check test test-host test-system deploy-check bench soak soak-memory clean

all: iso

$(DEPS_STAMP): tools/deps.sh constraints.txt
	bash tools/deps.sh
	@mkdir -p $(BUILD) && touch $@

deps: $(DEPS_STAMP)

# wrk, nginx and PostgreSQL 15: make bench's load generator and baselines (tests/system/
# test_bench.py runs its quick version).
BENCH_DEPS_STAMP := $(BUILD)/.deps-bench-ok
$(BENCH_DEPS_STAMP): tools/deps.sh
	bash tools/deps.sh bench
	@mkdir -p $(BUILD) && touch $@

$(KERNEL): $(DEPS_STAMP) $(C_SOURCES) tools/mksyms.py
	$(MAKE) -C kernel/port -j2

kernel: $(KERNEL)

$(ARCHIVE): $(DEPS_STAMP) $(PY_SOURCES) tools/mkarchive.py
	$(PYTHON) tools/mkarchive.py . $@

archive: $(ARCHIVE)

$(LISTS): tools/mklists.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/mklists.py $@ $(LIST_ARGS)

# qenex.iso: the kernel, its Python and the configuration; qenex-lists.iso: the same with the
# sanctions lists' module (what `make run` boots). The system tests and benchmarks that do
# not screen boot the first, so a minute of list loading after every boot does not compete
# with what they measure; tests/system/test_compliance.py and the screening bench the second.
$(ISO): $(KERNEL) $(ARCHIVE) tools/mkiso.sh $(wildcard $(CONFIG)/*.toml)
	bash tools/mkiso.sh $(KERNEL) $(ARCHIVE) $(CONFIG) $@

$(LISTS_ISO): $(KERNEL) $(ARCHIVE) $(LISTS) tools/mkiso.sh $(wildcard $(CONFIG)/*.toml)
	bash tools/mkiso.sh $(KERNEL) $(ARCHIVE) $(CONFIG) $@ $(LISTS)

iso: $(ISO) $(LISTS_ISO)

# CONFIG=dir boots with another configuration folder (system.toml, banking.toml). The disk
# image is created on first run and kept (var/ is ignored by git).
DISK ?= var/disk.img
DISK_SIZE ?= 256M
HTTP_PORT ?= 8080
run: $(KERNEL) $(ARCHIVE) $(LISTS)
	bash tools/mkiso.sh $(KERNEL) $(ARCHIVE) $(CONFIG) $(BUILD)/run.iso $(LISTS)
	@mkdir -p $(dir $(DISK)) && [ -f $(DISK) ] || truncate -s $(DISK_SIZE) $(DISK)
	@echo "First boot on a blank disk: the kernel prints 'admin api key: qx_...' once, before the"
	@echo "prompt. Keep it: 'login KEY' at the console, 'Authorization: Bearer KEY' on the API."
	$(PYTHON) tools/qemu.py --disk $(DISK) --http-port $(HTTP_PORT) $(BUILD)/run.iso

# Before a commit, under a minute and without QEMU: the linter (ruff, configured in
# pyproject.toml), the portable tests and the host tests but the NBD ones (they drive qemu-io).
check: $(DEPS_STAMP)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest -q tests/portable tests/host --ignore=tests/host/test_nbdfault.py

test: test-host test-system

test-host: $(DEPS_STAMP)
	$(PYTHON) -m pytest -q tests/portable tests/host

test-system: $(ISO) $(LISTS_ISO) $(BENCH_DEPS_STAMP)
	$(PYTHON) -m pytest -q tests/system

# deploy/ checked without a container engine or a cluster: hadolint on the Dockerfiles,
# Kubernetes schemas on the manifests, the KubeVirt VM's schema (tools/deploy_check.py; the host
# tests run it too).
deploy-check: $(DEPS_STAMP)
	$(PYTHON) tools/deploy_check.py

# make bench BENCH_ARGS=--quick: every step with tiny counts. Figures also in build/bench.json.
BENCH_ARGS ?=
bench: $(ISO) $(LISTS_ISO) $(BENCH_DEPS_STAMP)
	$(PYTHON) tools/bench.py $(BENCH_ARGS)

# Crash tests of the ledger with many kill points (tools/crashtest.py; make test runs 20). A
# 24 MiB disk with 1 MiB WAL segments: the log goes round its 11 MiB ring (~1.7 times in 300).
KILLS ?= 300
SEED ?= 1
soak: $(ISO)
	$(PYTHON) tools/crashtest.py --kills $(KILLS) --seed $(SEED) --disk-size 24M --segment-size 1MB \
	  --max-load 2 --boot-kill 0.1 --full-every 50

# The ledger filled to config/'s capacity ([transaction] max_accounts, max_transfers) with
# 8190-batches and singles, 507 ledger_full beyond it, verified, and again after a reboot
# (tools/soak_memory.py; make test runs a small one). About 15 minutes under TCG.
soak-memory: $(ISO)
	$(PYTHON) tools/soak_memory.py --reboot

clean:
	rm -rf $(BUILD)/port $(BUILD)/musl $(BUILD)/*.elf $(BUILD)/*.tar $(BUILD)/*.iso
