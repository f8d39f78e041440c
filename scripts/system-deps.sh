#!/usr/bin/env bash
# System libraries Liftfund needs beyond Python: WeasyPrint's Pango, HarfBuzz subsetting
# (without it font subsetting falls back to a path ~30x slower), a CJK font, poppler (to look
# at PDFs), gettext (compiled translations), and venv support for the chosen Python.
# Installs them when run as root on Debian/Ubuntu, otherwise prints the exact command and stops.
#   scripts/system-deps.sh [PYTHON]
set -euo pipefail
python=${1:-python3}
PKGS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei poppler-utils gettext)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's own Python creates virtualenvs only with its -venv package (ensurepip).
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=("python$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv")
fi
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Liftfund needs: Pango, HarfBuzz subset, a CJK font (WenQuanYi Micro Hei), poppler, gettext." >&2
  echo "Missing (Debian names): ${missing[*]}" >&2
  echo "Install them with your system's package manager, then run make again." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
