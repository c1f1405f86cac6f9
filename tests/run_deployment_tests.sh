#!/usr/bin/env bash
# Every deployment check (issue 13): the Helm chart, the container image's Dockerfile, the compose
# files, the proxy examples (nginx run for real), the sample configs and the guides. Each
# tests/deployment/*_test.py runs on its own and exits non-zero on a failure; this runs them all
# and fails if any failed. BIN (default .build/debug) holds the gatehouse and demo-upstream
# binaries; PYTHON is the venv's python.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
export BIN=${BIN:-$PWD/.build/debug}
# make test exports GATEHOUSE_TEST_POSTGRES for the store tests; a gatehouse started here would
# read any GATEHOUSE_* variable as a configuration key ("test_postgres: unknown key").
while read -r name; do unset "$name"; done < <(compgen -e | grep '^GATEHOUSE_' || true)
failed=()
shopt -s nullglob
tests=(tests/deployment/*_test.py)
if [ ${#tests[@]} -eq 0 ]; then
  echo "no tests/deployment/*_test.py found" >&2
  exit 1
fi
for test in "${tests[@]}"; do
  echo "-- $test"
  "$PYTHON" "$test" || failed+=("$test")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "deployment tests failed: ${failed[*]}" >&2
  exit 1
fi
