#!/usr/bin/env bash
# Tests ci/ensure-tools.sh with a stub apt-get early on PATH whose `update`
# fails (as a mirror out of sync does): the install must still be tried, and a
# failed install must print the exact command to run by hand.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stub=$(mktemp -d); trap 'rm -rf "$stub"' EXIT
cat > "$stub/apt-get" <<'STUB'
#!/usr/bin/env bash
echo "apt-get $*" >> "$STUB_LOG"
case $1 in
update) echo "E: Failed to fetch ... File has unexpected size. Mirror sync in progress?" >&2; exit 100 ;;
install) exit "${STUB_INSTALL_STATUS:-0}" ;;
esac
STUB
printf '#!/bin/sh\nexec "$@"\n' > "$stub/sudo"
chmod +x "$stub/apt-get" "$stub/sudo"
fail() { echo "test_ensure_tools: $*" >&2; exit 1; }

# 1. update fails, install succeeds: the script goes on and succeeds.
export STUB_LOG=$stub/log ENSURE_TOOLS_ASSUME_MISSING=1
PATH="$stub:$PATH" "$here/ensure-tools.sh" i386 aarch64 riscv64 >"$stub/out" 2>&1 || fail "stopped when only apt-get update failed: $(cat "$stub/out")"
grep -q '^apt-get update' "$STUB_LOG" || fail "never ran apt-get update"
grep -q '^apt-get install .*qemu-system-x86 qemu-system-arm ipxe-qemu qemu-system-misc qemu-system-data' "$STUB_LOG" \
    || fail "did not go on to the install: $(cat "$STUB_LOG")"
grep -q 'apt-get update failed' "$stub/out" || fail "did not say that the update failed"

# 2. the install fails too: exit non-zero with the exact command to run by hand.
: > "$STUB_LOG"
if STUB_INSTALL_STATUS=100 PATH="$stub:$PATH" "$here/ensure-tools.sh" iso >"$stub/out" 2>&1; then
    fail "a failed install was reported as success"
fi
grep -q 'apt-get install -y --no-install-recommends grub-pc-bin grub-common xorriso mtools' "$stub/out" \
    || fail "no command to run by hand: $(cat "$stub/out")"

# 3. nothing missing: nothing is run.
: > "$STUB_LOG"
ENSURE_TOOLS_ASSUME_MISSING= PATH="$stub:$PATH" "$here/ensure-tools.sh" valgrind >/dev/null 2>&1 || true
if command -v valgrind >/dev/null && [[ -s $STUB_LOG ]]; then fail "ran apt-get with nothing missing"; fi
echo "ensure-tools: update failure survived, install failure explained, nothing run when nothing is missing"
