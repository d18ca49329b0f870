-- After every `hwctl db upgrade`, as the owner (safe to repeat):
--   psql -X -v ON_ERROR_STOP=1 -f examples/postgresql-team-grants.sql postgresql://hwctl_owner@db.internal/hwctl
-- -v app=... if the application role is not called hwctl_app.
\set ON_ERROR_STOP on
\if :{?app} \else \set app hwctl_app \endif

-- Everything the schema holds (the default privileges cover new tables; this covers tables
-- made before them, and puts back anything a migration replaced).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
-- The audit log is written, never changed: no UPDATE, DELETE or TRUNCATE.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM :"app";
-- The schema version is read by every command and written only by `hwctl db upgrade`.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM :"app";
