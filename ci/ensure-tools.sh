#!/usr/bin/env bash
# Installs, from Debian's packages, what a make target needs and this machine
# lacks. The kernels themselves need only the Swift toolchain; QEMU runs them.
# Usage: ci/ensure-tools.sh WHAT...   where WHAT is
#   i386 | aarch64 | riscv64 | all   QEMU for that guest (all: every one)
#   valgrind               callgrind, for the benchmarks
#   bench-heap             valgrind, jemalloc and mimalloc (the heap's peers)
#   debug                  gdb-multiarch (make debug-*)
#   iso                    grub-mkrescue with its BIOS files, xorriso, mtools (make iso)
#   user-i386              QEMU's i386 user mode (qemu-i386), for the 32-bit parser pass
# A failed `apt-get update` (one mirror out of sync is enough) does not stop
# the install: the packages may well be in the indexes already. A failed
# install prints the command to run by hand.
# ENSURE_TOOLS_ASSUME_MISSING=1 treats every tool as missing (ci/test_ensure_tools.sh).
set -uo pipefail
packages=()
need() {  # need PACKAGE CHECK...: add PACKAGE unless the check succeeds
    local package=$1; shift
    if [[ ${ENSURE_TOOLS_ASSUME_MISSING:-} == 1 ]] || ! "$@" >/dev/null 2>&1; then
        [[ " ${packages[*]} " == *" $package "* ]] || packages+=("$package")
    fi
}
have_lib() { compgen -G "/usr/lib/x86_64-linux-gnu/$1" >/dev/null; }
for want in "${@:-all}"; do
    case $want in
    i386) need qemu-system-x86 command -v qemu-system-i386 ;;
    # QEMU's virt machine loads its default NIC's option ROM, which is in
    # ipxe-qemu: qemu-system-arm only recommends it, and the install skips
    # recommends (qemu-system-x86 depends on it, so run-i386 first hid this).
    aarch64) need qemu-system-arm command -v qemu-system-aarch64
             need ipxe-qemu test -f /usr/lib/ipxe/qemu/efi-virtio.rom ;;
    # OpenSBI, the firmware -bios default loads, is in qemu-system-data (a dependency).
    riscv64) need qemu-system-misc command -v qemu-system-riscv64
             need qemu-system-data test -f /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin ;;
    all) need qemu-system-x86 command -v qemu-system-i386
         need qemu-system-arm command -v qemu-system-aarch64
         need ipxe-qemu test -f /usr/lib/ipxe/qemu/efi-virtio.rom
         need qemu-system-misc command -v qemu-system-riscv64
         need qemu-system-data test -f /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin ;;
    valgrind) need valgrind command -v valgrind ;;
    bench-heap) need valgrind command -v valgrind
                need libjemalloc2 have_lib 'libjemalloc.so.2'
                need libmimalloc2.0 have_lib 'libmimalloc.so.2*' ;;
    debug) need gdb-multiarch command -v gdb-multiarch ;;
    user-i386) need qemu-user command -v qemu-i386 ;;
    iso) need grub-pc-bin test -d /usr/lib/grub/i386-pc
         need grub-common command -v grub-mkrescue
         need xorriso command -v xorriso
         need mtools command -v mformat ;;
    *) echo "ensure-tools: unknown target '$want'" >&2; exit 2 ;;
    esac
done
[[ ${#packages[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
        echo "ensure-tools: missing ${packages[*]}; as root, run: apt-get install -y ${packages[*]}" >&2
        exit 1
    fi
fi
install_command="${sudo:+$sudo }apt-get install -y --no-install-recommends ${packages[*]}"
echo "ensure-tools: installing from Debian's packages: ${packages[*]}"
if ! $sudo apt-get update -qq; then
    echo "ensure-tools: apt-get update failed (exit $?); trying the install with the package indexes as they are" >&2
fi
if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; then
    echo "ensure-tools: the install failed. Run it by hand, then the make target again:" >&2
    echo "    $install_command" >&2
    exit 1
fi
