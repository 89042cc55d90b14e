#!/bin/sh
# The database roles of docs/production.md ("Database roles"), for compose.yaml: the postgres image runs this once,
# when it initialises an empty data volume (/docker-entrypoint-initdb.d), as its superuser. The statements are the
# documented ones, with the passwords passed as psql variables (quoted by psql) instead of the 'change-me' literals;
# tests/orgs/test_database_roles.py checks that the two stay the same.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$DB_OWNER_PASSWORD" -v app_password="$DB_APP_PASSWORD" <<'SQL'
CREATE ROLE resonance_owner LOGIN PASSWORD :'owner_password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE resonance_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE resonance OWNER resonance_owner;
REVOKE ALL ON DATABASE resonance FROM PUBLIC;
GRANT CONNECT ON DATABASE resonance TO resonance_app;
\connect resonance
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO resonance_owner;
GRANT USAGE ON SCHEMA public TO resonance_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO resonance_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO resonance_app;
ALTER DEFAULT PRIVILEGES FOR ROLE resonance_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO resonance_app;
ALTER DEFAULT PRIVILEGES FOR ROLE resonance_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO resonance_app;
SQL
