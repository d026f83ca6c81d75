#!/bin/sh
# First start of the compose primary (/docker-entrypoint-initdb.d): the role and the pg_hba.conf line that the
# read replica (replica-entrypoint.sh) streams with.
set -eu
psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
