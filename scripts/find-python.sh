#!/usr/bin/env bash
# Prints the first Python >= 3.11 found (python3, then python3.11 .. python3.13), or stops
# with what to install. Used by the Makefile to create .venv.
set -euo pipefail
for candidate in ${PYTHON:-} python3 python3.11 python3.12 python3.13; do
  if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    command -v "$candidate"
    exit 0
  fi
done
echo "Liftfund needs Python 3.11 or newer (found: $(python3 --version 2>&1 || echo none))." >&2
echo "On Debian 12 / Ubuntu 24.04 python3 is recent enough: apt-get install -y python3 python3-venv" >&2
exit 1
