#!/usr/bin/env bash
# Runs the test suite: scripts/pytest.sh [pytest args...]
# Spreads tests over CPU cores with pytest-xdist: PYTEST_WORKERS=N (default: one per core,
# at most 4; 0 = in this process, e.g. for a debugger). Each worker gets its own test database.
# pytest's exit 5 ("no tests collected") is a failure here, not a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
workers=${PYTEST_WORKERS:-auto}
if [ "$workers" = auto ]; then
  cores=$(nproc 2>/dev/null || echo 1)
  workers=$((cores > 4 ? 4 : cores))
  [ "$workers" -ge 2 ] || workers=0
fi
xdist=()
[ "$workers" = 0 ] || xdist=(-n "$workers")
.venv/bin/python -m pytest "${xdist[@]}" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit "$rc"
