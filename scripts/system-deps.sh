#!/usr/bin/env bash
# System libraries Liftfund needs beyond Python: WeasyPrint's Pango, HarfBuzz subsetting
# (without it font subsetting falls back to a path ~30x slower), a CJK font, poppler (to look
# at PDFs), gettext (compiled translations). Installs them when run as root on Debian/Ubuntu,
# otherwise prints the exact command and stops.
set -euo pipefail
PKGS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei poppler-utils gettext python3-venv)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Liftfund needs: Pango, HarfBuzz subset, a CJK font (WenQuanYi Micro Hei), poppler, gettext." >&2
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
