#!/usr/bin/env bash
# Build a bootable ISO: GRUB (multiboot2, serial console, no menu delay) loading the kernel, the
# Python archive and the configuration files as modules. The configuration is not compiled in:
# another folder gives another ISO from the same kernel (make run CONFIG=dir).
# usage: mkiso.sh KERNEL_ELF PYTHON_TAR CONFIG_DIR OUT_ISO [LISTS_TAR]
# LISTS_TAR: the sanctions lists (tools/mklists.py), a module the kernel loads after boot.
set -euo pipefail
kernel=$1 archive=$2 config=$3 out=$4 lists=${5:-}
for f in system.toml banking.toml; do
  [ -f "$config/$f" ] || { echo "mkiso: $config/$f is missing" >&2; exit 1; }
done
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/kernel.elf"
cp "$archive" "$stage/boot/python.tar"
cp "$config/system.toml" "$config/banking.toml" "$stage/boot/"
lists_line=
if [ -n "$lists" ]; then
  cp "$lists" "$stage/boot/lists.tar"
  lists_line="  module2 /boot/lists.tar lists.tar"
fi
cat > "$stage/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
menuentry "QENEX OS" {
  multiboot2 /boot/kernel.elf
  module2 /boot/python.tar python.tar
  module2 /boot/system.toml system.toml
  module2 /boot/banking.toml banking.toml
$lists_line
  boot
}
CFG
grub-mkrescue -o "$out.tmp" "$stage" \
  --install-modules="multiboot2 normal serial terminal iso9660 biosdisk configfile echo test boot part_msdos part_gpt part_acorn part_amiga part_apple part_bsd part_dfly part_dvh part_plan part_sun part_sunpc" \
  --locales= --fonts= --themes= --compress=xz >/dev/null 2>&1 || {
  echo "mkiso: grub-mkrescue failed" >&2; exit 1; }
mv "$out.tmp" "$out"
