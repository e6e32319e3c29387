#!/usr/bin/env bash
# Installs and starts what Callgate needs on a Debian machine, idempotently:
#   Java 17+, libpulse0 (webrtc-java's natives link against it), PostgreSQL (installed if absent, started if down),
#   and the callgate role with the databases callgate and callgate_test.
# Sourced by run.sh and test.sh; can be run alone.
set -euo pipefail

prereq_say() { echo "prerequisites: $*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    prereq_say "need root to run: $*"; return 1; fi
}

apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then as_root apt-get update -qq >&2; apt_updated=1; fi
  prereq_say "installing $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >&2
}

ensure_java() {
  local version
  version=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1 || true)
  if [[ -z $version || $version -lt 17 ]]; then apt_install openjdk-17-jdk-headless; fi
}

ensure_libpulse() {
  if ! ldconfig -p 2>/dev/null | grep -q 'libpulse.so.0 '; then apt_install libpulse0; fi
}

pg_version() { ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1; }

ensure_postgres() {
  if [[ -z $(pg_version) ]]; then apt_install postgresql; fi
  local v
  v=$(pg_version)
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    prereq_say "starting PostgreSQL $v"
    as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
    local deadline=$((SECONDS + 60))
    until pg_isready -q -h 127.0.0.1 -p 5432; do
      (( SECONDS > deadline )) && { prereq_say "PostgreSQL did not come up on 127.0.0.1:5432"; return 1; }
      sleep 1
    done
  fi
}

psql_admin() { # as the postgres superuser over the local socket (peer auth on a fresh install, trust here)
  if [[ $(id -u) -eq 0 ]]; then
    su postgres -c "psql -v ON_ERROR_STOP=1 -qAtX $(printf '%q ' "$@")"
  else
    psql -v ON_ERROR_STOP=1 -qAtX -h 127.0.0.1 -U postgres "$@"
  fi
}

ensure_database() {
  local user=${CALLGATE_DB_USER:-callgate} password=${CALLGATE_DB_PASSWORD:-callgate}
  if [[ -z $(psql_admin -c "select 1 from pg_roles where rolname = '$user'") ]]; then
    prereq_say "creating role $user"
    psql_admin -c "create role \"$user\" login password '$password'"
  fi
  for db in callgate callgate_test; do
    if [[ -z $(psql_admin -c "select 1 from pg_database where datname = '$db'") ]]; then
      prereq_say "creating database $db"
      psql_admin -c "create database \"$db\" owner \"$user\""
    fi
  done
}

# For the tests only (test.sh): Prometheus' own server and promtool, which load the chart's alert rules and run the
# dashboard's queries (PrometheusRulesTest). The Debian package's service is not started (no init system here).
ensure_prometheus() {
  if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then apt_install prometheus; fi
}

ensure_prerequisites() {
  ensure_java
  ensure_libpulse
  ensure_postgres
  ensure_database
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  ensure_prerequisites
  prereq_say "ready"
fi
