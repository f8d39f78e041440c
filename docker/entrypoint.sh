#!/bin/sh
# Brings the database schema up to date and refreshes the role groups, then runs the
# container's command. LIFTFUND_MIGRATE=0 skips it (worker and beat: the web service migrates).
set -eu
if [ "${LIFTFUND_MIGRATE:-1}" = "1" ]; then
    python manage.py migrate --noinput
    python manage.py setup_roles
fi
exec "$@"
