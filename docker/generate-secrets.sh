#!/bin/sh
# Writes the secrets docker/compose.yaml mounts, under docker/secrets/ (never committed). A file
# that exists is kept: run it again after adding a secret, never to rotate one (README, Deployment,
# says how each is rotated). Keys are 32 random bytes in base64, as the services require; database
# passwords are 24 random bytes in base64url.
set -eu
umask 077
dir="$(dirname "$0")/secrets"
mkdir -p "$dir"
chmod 700 "$dir"

write() {
  if [ -e "$dir/$1" ]; then
    echo "kept    $1"
    return
  fi
  printf '%s\n' "$2" > "$dir/$1"
  # Compose bind-mounts secret files as they are: the containers' users (postgres, node) read them.
  chmod 644 "$dir/$1"
  echo "written $1"
}

key() { openssl rand -base64 32; }
password() { openssl rand -base64 24 | tr '+/' '-_'; }

write postgres_password "$(password)"
write auth_db_owner_password "$(password)"
write auth_db_password "$(password)"
write gateway_db_owner_password "$(password)"
write gateway_db_password "$(password)"
write auth_key_encryption_key "$(key)"
write internal_api_key "$(key)"
write gateway_master_key "$(key)"
write gateway_previous_master_keys ""
