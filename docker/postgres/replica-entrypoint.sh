#!/bin/sh
# The compose read replica: on an empty volume a base backup of the primary (-R writes standby.signal and
# primary_conninfo), then the image's own entrypoint runs PostgreSQL as a hot standby of it.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -q -h postgres-primary -U "$POSTGRES_USER"; do sleep 1; done
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres \
        pg_basebackup -h postgres-primary -U replicator -D "$PGDATA" -R -X stream --checkpoint=fast
fi
# Feedback: the primary's vacuum waits for the standby's long exports instead of cancelling them.
exec docker-entrypoint.sh postgres -c hot_standby_feedback=on -c max_standby_streaming_delay=120s
