"""Installs the roles of ``config.roles`` as groups with permissions. Idempotent."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from config.roles import Role, permissions_for


def roles_install(*, using: str = "default") -> dict[str, int]:
    """Create or update one group per role; returns permission counts per role."""
    perms = list(Permission.objects.using(using).select_related("content_type"))
    by_key = {f"{p.content_type.app_label}.{p.codename}": p for p in perms}
    counts: dict[str, int] = {}
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted = [by_key[k] for k in permissions_for(role, list(by_key))]
        group.permissions.set(wanted)
        counts[role.value] = len(wanted)
    return counts
