#!/usr/bin/env bash
# Runs every tests/store/*_test.py and tests/replicas/*_test.py with the venv's Python (`make test`
# runs it last), each to the end even when an earlier one failed; exits non-zero when any failed.
# They start their own Gatehouse processes from GATEHOUSE_BIN_DIR (default .build/debug) and use
# the PostgreSQL cluster in GATEHOUSE_TEST_POSTGRES (`make test` starts one) or start their own.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || { echo "run_store_tests: $PYTHON is missing (make venv)" >&2; exit 1; }
shopt -s nullglob
tests=(tests/store/*_test.py tests/replicas/*_test.py)
[ ${#tests[@]} -gt 0 ] || { echo "run_store_tests: no tests found" >&2; exit 1; }
failed=()
for test in "${tests[@]}"; do
  echo "-- $test"
  start=$SECONDS
  if "$PYTHON" "$test"; then
    echo "-- $test passed ($((SECONDS - start)) s)"
  else
    echo "-- $test FAILED ($((SECONDS - start)) s)" >&2
    failed+=("$test")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_store_tests: ${#failed[@]} of ${#tests[@]} failed: ${failed[*]}" >&2
  exit 1
fi
echo "run_store_tests: all ${#tests[@]} passed"
