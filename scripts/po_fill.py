"""Fill zh_Hans msgstr entries from a JSON mapping {msgid: msgstr}.

    .venv/bin/python scripts/po_fill.py fund/locale/zh_Hans/LC_MESSAGES/django.po map.json

Only single-line msgids are handled; edit multi-line entries by hand. Also clears the
template header's "fuzzy" flag and sets the charset so msgfmt accepts the file.
"""

import json
import re
import sys
from pathlib import Path


def fill(po_path: Path, mapping: dict[str, str]) -> int:
    text = po_path.read_text(encoding="utf-8")
    text = text.replace("charset=CHARSET", "charset=UTF-8")
    text = re.sub(r'#, fuzzy\nmsgid ""\nmsgstr ""', 'msgid ""\nmsgstr ""', text, count=1)
    filled = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal filled
        msgid = m.group(2).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        if m.group(3) == "" and msgid in mapping:
            filled += 1
            value = mapping[msgid].replace("\\", "\\\\").replace('"', '\\"')
            return f'{m.group(1)}msgid "{m.group(2)}"\nmsgstr "{value}"'
        return m.group(0)

    text = re.sub(r'(^|\n)msgid "(.+)"\nmsgstr "(.*)"', repl, text)
    po_path.write_text(text, encoding="utf-8")
    return filled


if __name__ == "__main__":
    po, source = Path(sys.argv[1]), Path(sys.argv[2])
    print(fill(po, json.loads(source.read_text(encoding="utf-8"))), "filled")
