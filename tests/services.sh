#!/usr/bin/env bash
# Start what the test suite needs on this machine: a PostgreSQL server on 127.0.0.1:5432 and
# the psql client. Skipped when AUDITOR_TEST_PG_URL points the tests at another server.
set -euo pipefail

if [ -n "${AUDITOR_TEST_PG_URL:-}" ]; then
  exit 0
fi

apt_updated=""
need_package() {  # need_package COMMAND PACKAGE...: install the packages unless COMMAND exists
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_package psql postgresql-client
need_package pg_ctlcluster postgresql

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
fi
pg_isready -h 127.0.0.1 -p 5432
