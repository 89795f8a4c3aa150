#!/usr/bin/env bash
# make debug-<arch>: boot the kernel in QEMU halted at its
# first instruction with the gdb stub on a TCP port, and attach gdb-multiarch
# with the kernel's symbols and line tables, the source folder set, and a
# hardware breakpoint at kernelMain (hardware: on i386 the Multiboot loader
# copies the kernel in after gdb attaches, over any software breakpoint).
# The guest's serial output goes to build/<arch>/debug-serial.log.
# Usage: ci/debug.sh ARCH [PORT] [-- gdb arguments...]   (extra arguments: batch use,
# for example ci/debug_test.py)
set -euo pipefail
arch=$1; shift
port=${1:-1234}; [[ $# -gt 0 ]] && shift
[[ ${1:-} == -- ]] && shift
build=${BUILD:-build}
elf=$build/$arch/kernel.elf
nm=$(dirname "$(realpath "$(command -v swiftc)")")/llvm-nm
serial=$build/$arch/debug-serial.log
# The machine from its one description (Arch/<arch>/machine.json), serial to a file.
loaded=$(python3 ci/machine.py get "$arch" loaded)
mapfile -t qemu < <(python3 ci/machine.py command "$arch" "$build/$arch/$loaded" --ram "${RAM:-128M}" \
    --append "pt=${PT:-spare}" --cpu "${CPU:-}" --machine "${MACHINE:-}" --serial "file:$serial")
[[ ${#qemu[@]} -gt 0 ]] || exit 2
# kernelMain's mangled name ends in the backend's type: take the one whose
# parameters are (Platform, inout BootInfo).
main=$("$nm" "$elf" | awk '$3 ~ /^\$e6Kernel10kernelMainys5NeverOAA[0-9]+[A-Za-z0-9]+V_AA8BootInfoVztF$/ {print $1}')
[[ -n $main ]] || { echo "debug.sh: no kernelMain symbol in $elf" >&2; exit 1; }
"${qemu[@]}" -gdb "tcp:127.0.0.1:$port" -S &
qemu_pid=$!
trap 'kill $qemu_pid 2>/dev/null || true' EXIT
echo "debug: QEMU halted with its gdb stub on port $port; guest serial output in $serial"
gdb-multiarch -q -nx -readnow -ex "set pagination off" -ex "file $elf" -ex "directory $PWD" \
    -ex "target remote 127.0.0.1:$port" -ex "hbreak *0x$main" "$@"
