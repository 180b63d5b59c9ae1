#!/bin/sh
# One-shot schema job (temporalio/admin-tools): creates the `temporal` database in PostgreSQL and
# brings its schema to the image's version, then creates the Elasticsearch visibility index.
# Safe to run again: every step skips what exists.
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS must name the PostgreSQL host}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${SQL_PASSWORD:?SQL_PASSWORD must be set}"
: "${ES_SERVER:?ES_SERVER must be the Elasticsearch URL}"
: "${ES_VISIBILITY_INDEX:?ES_VISIBILITY_INDEX must be set}"
PORT="${DB_PORT:-5432}"
sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" --db temporal "$@"; }

echo "schema: database temporal on $POSTGRES_SEEDS:$PORT"
sql create || echo "schema: database temporal exists"
sql setup-schema -v 0.0
sql update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned

echo "schema: visibility index $ES_VISIBILITY_INDEX on $ES_SERVER"
temporal-elasticsearch-tool --ep "$ES_SERVER" setup-schema
temporal-elasticsearch-tool --ep "$ES_SERVER" create-index --index "$ES_VISIBILITY_INDEX"
echo "schema: done"
