#!/usr/bin/env bash
# Run the grader's course checks N times in a row and report how many runs passed:
#   bash scripts/repeat.sh 20
# Extra arguments go to vitest (e.g. -t "reference" to repeat only the reference checks).
set -uo pipefail
N=${1:-20}
shift || true
cd "$(dirname "$0")/.."
pass=0
fail=0
for i in $(seq 1 "$N"); do
  start=$(date +%s)
  if pnpm exec vitest run "$@" >"${TMPDIR:-/tmp}/idempotency-api-repeat-$i.log" 2>&1; then
    pass=$((pass + 1))
    echo "run $i/$N: pass ($(( $(date +%s) - start )) s)"
    rm -f "${TMPDIR:-/tmp}/idempotency-api-repeat-$i.log"
  else
    fail=$((fail + 1))
    echo "run $i/$N: FAIL ($(( $(date +%s) - start )) s), log: ${TMPDIR:-/tmp}/idempotency-api-repeat-$i.log"
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
