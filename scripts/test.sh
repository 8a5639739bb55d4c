#!/usr/bin/env bash
# Type-check, then run every ava test with the TAP reporter and close with the plain
# line "N passed, N failed" that CI reads. Exit status is ava's (or tsc's).
set -uo pipefail
KP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$KP_ROOT"
echo "== typecheck (tsc)"
if ! npx tsc -p tsconfig.json; then
  echo "typecheck failed"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "== tests (ava)"
log="$(mktemp)"
npx ava --tap "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
pass=$(grep -E '^# pass [0-9]+' "$log" | tail -1 | awk '{print $3}')
fail=$(grep -E '^# fail [0-9]+' "$log" | tail -1 | awk '{print $3}')
skipped=$(grep -E '^# skip [0-9]+' "$log" | tail -1 | awk '{print $3}')
rm -f "$log"
pass=${pass:-0}; fail=${fail:-0}
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
if [ -n "${skipped:-}" ] && [ "$skipped" != 0 ]; then
  echo "$pass passed, $fail failed, $skipped skipped"
else
  echo "$pass passed, $fail failed"
fi
exit "$status"
