-- Runs once, when the postgres container first initialises its data volume (the image runs
-- /docker-entrypoint-initdb.d/*.sql as the superuser).
--
-- Each service has its own database, owned by a role only its migration job logs in as. The
-- service logs in as a role that owns nothing: it cannot change the schema, nor disable the
-- audit trail's append-only triggers, which a table's owner could. grants.sql gives it rows after
-- each migration run. Passwords are read from the compose secrets (psql runs the backquoted
-- command); `psql -v secrets_dir=...` reads them from elsewhere.
\set ON_ERROR_STOP on
\if :{?secrets_dir}
\else
\set secrets_dir /run/secrets
\endif
\set auth_owner_password `cat :secrets_dir/auth_db_owner_password`
\set auth_password `cat :secrets_dir/auth_db_password`
\set gateway_owner_password `cat :secrets_dir/gateway_db_owner_password`
\set gateway_password `cat :secrets_dir/gateway_db_password`

CREATE ROLE sharedcare_auth_owner LOGIN PASSWORD :'auth_owner_password';
CREATE ROLE sharedcare_auth LOGIN PASSWORD :'auth_password';
CREATE ROLE sharedcare_gateway_owner LOGIN PASSWORD :'gateway_owner_password';
CREATE ROLE sharedcare_gateway LOGIN PASSWORD :'gateway_password';

CREATE DATABASE sharedcare_auth OWNER sharedcare_auth_owner;
CREATE DATABASE sharedcare_gateway OWNER sharedcare_gateway_owner;
REVOKE ALL ON DATABASE sharedcare_auth, sharedcare_gateway FROM PUBLIC;
GRANT CONNECT ON DATABASE sharedcare_auth TO sharedcare_auth;
GRANT CONNECT ON DATABASE sharedcare_gateway TO sharedcare_gateway;

\connect sharedcare_auth
ALTER SCHEMA public OWNER TO sharedcare_auth_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sharedcare_auth;

\connect sharedcare_gateway
ALTER SCHEMA public OWNER TO sharedcare_gateway_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sharedcare_gateway;
