#!/usr/bin/env bash
# Translation catalogues: one per app (<app>/locale) plus config/ and templates/ (locale/).
# Source strings are English; zh_Hans is the default language.
#   scripts/messages.sh update   - refresh the .po files after changing strings
#   scripts/messages.sh check    - fail if any zh_Hans entry is untranslated or fuzzy
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
APPS=(fund documents grants donors reports api)
mode=${1:-check}
case "$mode" in
  update)
    for app in "${APPS[@]}"; do
      mkdir -p "$app/locale"
      (cd "$app" && ../$PY ../manage.py makemessages -l zh_Hans --no-location --no-obsolete -v0 --ignore=migrations)
    done
    mkdir -p locale
    $PY manage.py makemessages -l zh_Hans --no-location --no-obsolete -v0 \
      --ignore=.venv --ignore=var --ignore=tests --ignore=bench $(printf -- '--ignore=%s ' "${APPS[@]}")
    ;;
  check)
    bad=0
    for po in locale/zh_Hans/LC_MESSAGES/*.po */locale/zh_Hans/LC_MESSAGES/*.po; do
      [ -f "$po" ] || continue
      n=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
      f=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
      # msgattrib prints the header entry too; anything beyond it is a missing translation.
      if [ "$n" -gt 1 ] || [ "$f" -gt 0 ]; then
        echo "$po: untranslated or fuzzy entries:" >&2
        msgattrib --untranslated --no-obsolete "$po" | grep -A1 '^msgid "[^"]' >&2 || true
        msgattrib --only-fuzzy --no-obsolete "$po" | grep -A1 '^msgid "[^"]' >&2 || true
        bad=1
      fi
    done
    exit $bad
    ;;
  *) echo "usage: $0 update|check" >&2; exit 2 ;;
esac
