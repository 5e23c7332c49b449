#!/bin/sh
# Starts PostGraphile v4 (pinned in package.json) on a lastmile database, listening on 127.0.0.1.
#   bench/postgraphile/start.sh postgres://postgres@127.0.0.1:5432/bench_1m [port]
# Read-only API (no mutations), the connection-filter plugin for Q4's name search, no query
# log, no GraphiQL, a pool of 10 connections. With DEBUG=postgraphile:postgres in the
# environment it prints every SQL statement (bench/compare.py counts them in an untimed run).
set -e
cd "$(dirname "$0")"
[ -d node_modules ] || npm ci --no-audit --no-fund >&2
exec node_modules/.bin/postgraphile -c "$1" -s public --host 127.0.0.1 --port "${2:-9702}" \
  --append-plugins postgraphile-plugin-connection-filter \
  --disable-default-mutations --disable-query-log --disable-graphiql --max-pool-size 10
