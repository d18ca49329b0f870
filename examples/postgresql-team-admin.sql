-- One login role per super-admin, as a superuser (or a role with CREATEROLE):
--   psql -X -v ON_ERROR_STOP=1 -v admin=dana -f examples/postgresql-team-admin.sql postgresql://postgres@db.internal/postgres
-- then `hwctl admins add dana` (the very first admin adds themselves). With
-- identity = "database" in config.toml, the role's name is the admin's name in the audit log.
\set ON_ERROR_STOP on
\if :{?app} \else \set app hwctl_app \endif
CREATE ROLE :"admin" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS IN ROLE :"app";
