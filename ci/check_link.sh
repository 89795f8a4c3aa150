#!/usr/bin/env bash
# Link checks, run by the Makefile after each link.
#   ci/check_link.sh elf FILE      the linked image has no undefined symbol,
#                                  weak ones included (a weak undefined call
#                                  would jump to address 0 at run time)
#   ci/check_link.sh helpers OBJ   the 64-bit integer helpers call no __*di3
#                                  themselves (a 64-bit `/` inside __udivdi3
#                                  compiles into a call to itself)
set -euo pipefail
nm=${NM:-$(dirname "$(realpath "$(command -v swiftc)")")/llvm-nm}
mode=$1 file=$2
case $mode in
elf)
    undefined=$("$nm" --undefined-only "$file" | grep -v -E '^\s*$' || true)
    if [[ -n $undefined ]]; then
        echo "check_link: $file has undefined symbols:" >&2
        echo "$undefined" >&2
        exit 1
    fi ;;
helpers)
    calls=$("$nm" --undefined-only "$file" | grep -E '__[a-z]+[dt]i[0-9]' || true)
    if [[ -n $calls ]]; then
        echo "check_link: the helpers in $file call helpers themselves:" >&2
        echo "$calls" >&2
        exit 1
    fi ;;
*) echo "usage: ci/check_link.sh elf|helpers FILE" >&2; exit 2 ;;
esac
