#!/usr/bin/env bash
# Install and start what the test suite needs on this machine: a PostgreSQL server on
# 127.0.0.1:5432 with the psql and pg_dump clients, and the real Prometheus parts (promtool, the
# Pushgateway, node_exporter) that tests start themselves on free loopback ports.
# The local PostgreSQL is left alone when AUDITOR_TEST_PG_URL points the tests at another server.
set -euo pipefail

apt_updated=""
need_package() {  # need_package COMMAND PACKAGE...: install the packages unless COMMAND exists
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_package psql postgresql-client
need_package pg_dump postgresql-client
# git: pre-commit try-repo installs the pre-commit hook from a git repository (tests/test_ci_integrations.py).
need_package git git
# shellcheck: the GitHub Action's shell steps (tests/test_ci_integrations.py).
need_package shellcheck shellcheck
# systemd-analyze verify: the systemd units in deploy/systemd/ (tests/test_deploy.py).
need_package systemd-analyze systemd

if [ -z "${AUDITOR_TEST_PG_URL:-}" ]; then
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
fi

# The packages' own system services are not wanted: a temporary policy-rc.d tells their
# maintainer scripts not to start them.
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus-pushgateway >/dev/null 2>&1 \
   || ! command -v prometheus-node-exporter >/dev/null 2>&1; then
  policy_rc=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_rc=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  need_package promtool prometheus --no-install-recommends
  need_package prometheus-pushgateway prometheus-pushgateway --no-install-recommends
  need_package prometheus-node-exporter prometheus-node-exporter --no-install-recommends
  if [ -n "$policy_rc" ]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
fi

# Headless Chromium loads serve's status page (tests/test_serve.py); recommends are not needed.
need_package chromium chromium --no-install-recommends
