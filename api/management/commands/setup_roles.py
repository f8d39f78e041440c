from django.core.management.base import BaseCommand

from api.roles_setup import roles_install


class Command(BaseCommand):
    help = "Create or update the Liftfund role groups and their permissions (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        for role, count in roles_install().items():
            self.stdout.write(f"{role}: {count} permissions")
