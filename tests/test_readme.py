"""README.md stays true to the code: configuration table, roles, demo users, quick start."""

import re
from pathlib import Path

from api.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from config.roles import Role

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

ENV_READ = re.compile(
    r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README.md has no section '## {title}'"
    return match.group(1)


def settings_variables() -> set[str]:
    names = set()
    for path in (ROOT / "config/settings").glob("*.py"):
        for groups in ENV_READ.findall(path.read_text(encoding="utf-8")):
            names.update(g for g in groups if g)
    return names


def test_every_environment_variable_of_the_settings_is_in_the_configuration_table():
    table = section("Configuration")

    missing = sorted(n for n in settings_variables() if f"| `{n}` |" not in table)

    assert "DATABASE_URL" in settings_variables()
    assert missing == []


def test_every_role_is_in_the_roles_table():
    table = section("Roles")

    assert [r.value for r in Role if f"| `{r.value}` |" not in table] == []


def test_demo_users_and_password_are_listed():
    users = section("Quick start")

    assert f"**`{DEMO_PASSWORD}`**" in users
    assert [name for name, *_ in DEMO_USERS if f"`{name}`" not in users] == []


def test_quick_start_is_two_commands():
    block = re.search(r"```sh\n(.*?)```", section("Quick start"), re.S).group(1)

    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    assert commands == ["make run", "make test"]
