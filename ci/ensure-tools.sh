#!/usr/bin/env bash
# Installs what the kernel builds and boot tests need, from Debian's packages,
# when it is missing: QEMU for both guests and the 32-bit libgcc (64-bit
# integer helpers such as __udivdi3 for the i386 kernel).
# Usage: ci/ensure-tools.sh [i386|aarch64|all|valgrind|bench-heap]
set -euo pipefail
want=${1:-all}
packages=()
if [[ $want == i386 || $want == all ]]; then
    command -v qemu-system-i386 >/dev/null || packages+=(qemu-system-x86)
    [[ -f "$(gcc -m32 -print-libgcc-file-name 2>/dev/null)" ]] || packages+=(lib32gcc-12-dev)
fi
if [[ $want == aarch64 || $want == all ]]; then
    command -v qemu-system-aarch64 >/dev/null || packages+=(qemu-system-arm)
fi
if [[ $want == valgrind || $want == bench-heap ]]; then
    command -v valgrind >/dev/null || packages+=(valgrind)
fi
if [[ $want == bench-heap ]]; then
    ls /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 >/dev/null 2>&1 || packages+=(libjemalloc2)
    ls /usr/lib/x86_64-linux-gnu/libmimalloc.so.2* >/dev/null 2>&1 || packages+=(libmimalloc2.0)
fi
[[ ${#packages[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
        echo "missing: ${packages[*]}. Install them with: apt-get install -y ${packages[*]}" >&2
        exit 1
    fi
fi
echo "installing from Debian's packages: ${packages[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
