"""Demo data for development. Idempotent: running it twice leaves the same data.

This is the single place later issues extend: each domain app exposes ``<app>.demo.seed()``
and the steps below call them in dependency order.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from api.roles_setup import roles_install
from config.roles import ROLE_LABELS, STAFF_ROLES, Role

DEMO_PASSWORD = "liftfund-demo"  # noqa: S105 - development settings only, refused in production

DEMO_USERS: list[tuple[str, Role, str, str]] = [
    ("admin", Role.ADMINISTRATOR, "王", "管理"),
    ("finance", Role.FINANCE_OFFICER, "李", "财务"),
    ("caseworker", Role.CASEWORKER, "张", "社工"),
    ("approver", Role.APPROVER, "陈", "审批"),
    ("approver2", Role.APPROVER, "刘", "复核"),
    ("auditor", Role.AUDITOR, "赵", "审计"),
    ("donor", Role.DONOR, "周", "捐赠"),
]

# Domain seeders, in dependency order; each is idempotent.
DOMAIN_SEEDERS = ["fund.demo", "grants.demo", "donors.demo"]


def demo_users_ensure() -> dict[str, Any]:
    User = get_user_model()
    users = {}
    for username, role, last, first in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@liftfund.local",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = role in STAFF_ROLES
        user.is_superuser = role == Role.ADMINISTRATOR
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        users[username] = user
    return users


class Command(BaseCommand):
    help = "Create demo users (one per role) and demo data. Development settings only."

    def handle(self, *args: object, **options: object) -> None:
        if not getattr(settings, "LIFTFUND_DEMO_MODE", False):
            raise CommandError("seed_demo is for development settings only.")
        with transaction.atomic():
            roles_install()
            users = demo_users_ensure()
            for module_name in DOMAIN_SEEDERS:
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError:
                    continue
                summary = module.seed(users=users)
                if summary:
                    self.stdout.write(f"{module_name}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {DEMO_PASSWORD}):"))
        for username, role, _last, _first in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {ROLE_LABELS[role]} ({role.value})")
