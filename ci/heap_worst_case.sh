#!/usr/bin/env bash
# Instructions for one malloc or free in constructed worst cases, counted by
# callgrind inside the harness's out-of-line call of the heap's public entry point
# (measuredAllocate or measuredFree: the inlined fast path and the slow path) only:
# (count with the operation) - (count of the same set-up without it).
set -euo pipefail
bench=${1:-.build/release/heap-bench}
count() {  # case run function
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="*$3*" "$bench" worst "$1" "$2" 2>&1 |
        awk '/Collected/ {print $4}'
}
for spec in small-from-huge:measuredAllocate aligned-from-huge:measuredAlignedAllocate exact-fit:measuredAllocate cached-allocate:measuredAllocate \
            free-between-free:measuredFree free-no-neighbours:measuredFree cached-free:measuredFree; do
    name=${spec%%:*} fn=${spec##*:}
    with=$(count "$name" 1 "$fn")
    # A renamed or inlined entry point would count nothing and look like a free operation.
    [ "${with:-0}" -gt 5 ] || { echo "heap_worst_case: nothing counted in *$fn* for $name" >&2; exit 1; }
    echo "WORST case=$name function=$fn instructions=$(( with - $(count "$name" 0 "$fn") ))"
done
