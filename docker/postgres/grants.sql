-- Runs after every migration run and before the services start (the db-grants job in
-- compose.yaml, as the superuser); safe to run again. The services' roles get rows on whatever
-- tables the migrations made, never the schema.
\set ON_ERROR_STOP on

\connect sharedcare_auth
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sharedcare_auth;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sharedcare_auth;
-- The migration history is the migration job's; a service only reads it, to refuse a schema the
-- job has not brought up to date.
REVOKE INSERT, UPDATE, DELETE ON migrations FROM sharedcare_auth;

\connect sharedcare_gateway
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sharedcare_gateway;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sharedcare_gateway;
REVOKE INSERT, UPDATE, DELETE ON migrations FROM sharedcare_gateway;
-- Append-only: the triggers refuse UPDATE, DELETE and TRUNCATE whoever asks; without these grants
-- the service cannot even ask, and, owning nothing, it cannot disable the triggers.
REVOKE UPDATE, DELETE ON audit_records FROM sharedcare_gateway;
-- Audit records waiting to be linked into the chain are inserted, then deleted as they are linked;
-- never updated.
REVOKE UPDATE ON audit_pending FROM sharedcare_gateway;
