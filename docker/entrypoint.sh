#!/bin/sh
# Compose secrets arrive as files under /run/secrets, and the services read their settings from
# the environment. For the settings below, NAME_FILE=/path sets NAME to that file's contents (the
# convention of the official database images), so no secret is written into compose.yaml or shown
# by `docker inspect`. The list is closed: other *_FILE variables (SSL_CERT_FILE, say) are left
# alone. PGPASSWORD is node-postgres's password for a database URL that carries none.
set -eu
for name in GATEWAY_MASTER_KEY GATEWAY_PREVIOUS_MASTER_KEYS INTERNAL_API_KEY AUTH_KEY_ENCRYPTION_KEY \
  PGPASSWORD DATABASE_URL AUTH_DATABASE_URL REDIS_URL; do
  eval "path=\${${name}_FILE:-}"
  [ -n "$path" ] || continue
  if [ ! -r "$path" ]; then
    echo "${name}_FILE names $path, which this container cannot read" >&2
    exit 1
  fi
  value=$(cat "$path")
  export "$name=$value"
  unset "${name}_FILE"
done
exec "$@"
