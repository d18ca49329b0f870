-- hwctl on PostgreSQL for a team: the database and its roles. Run once, as a superuser:
--   psql -X -v ON_ERROR_STOP=1 -f examples/postgresql-team.sql postgresql://postgres@db.internal/postgres
-- The names default to hwctl, hwctl_owner and hwctl_app; choose others with
-- -v database=... -v owner=... -v app=...
\set ON_ERROR_STOP on
\if :{?database} \else \set database hwctl \endif
\if :{?owner} \else \set owner hwctl_owner \endif
\if :{?app} \else \set app hwctl_app \endif

-- The owner owns the database and its schema and runs `hwctl db upgrade`; nobody acts as it.
-- Not a superuser and no BYPASSRLS: the forced row-level security policies apply to it too.
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
-- The rights hwctl needs to work, held by no one directly: each super-admin's login role and
-- the API server's role are granted it.
CREATE ROLE :"app" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;

CREATE DATABASE :"database" OWNER :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app";

\connect :"database"
-- PostgreSQL 15 and later: the database owner owns the public schema, and PUBLIC may not
-- create in it. Earlier versions: make it so.
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- Every table and sequence the owner creates from now on (each `hwctl db upgrade`) is usable
-- by the application role; examples/postgresql-team-grants.sql then takes back what it must
-- not do (change the audit log, stamp the schema).
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
