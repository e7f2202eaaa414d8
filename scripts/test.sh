#!/usr/bin/env bash
# Installs everything and runs every test: type checks, lint, formatting, unit and property tests,
# and the integration tests on embedded PGlite and on a real PostgreSQL (a fresh database per run).
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(pnpm --version 2>/dev/null || true)" = "10.34.9" ] || npm install -g pnpm@10.34.9
pnpm install --frozen-lockfile

# The web UI's browser tests drive Debian's Chromium (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  else
    echo "/usr/bin/chromium is missing: install it as root (apt-get install -y chromium)." >&2
    exit 1
  fi
fi

# What runs at exit: dropping this run's database and its temporary files (below).
cleanup=()
trap 'for step in "${cleanup[@]}"; do eval "$step"; done' EXIT

# PostgreSQL: use DATABASE_URL when given; else start this machine's cluster if it is down and
# create a fresh database for this run (dropped at the end).
if [ -z "${DATABASE_URL:-}" ]; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
      for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
    fi
    db="ferry_run_$(date +%s)_$$"
    psql -h 127.0.0.1 -U postgres -qc "create database $db"
    psql -h 127.0.0.1 -U postgres -qc "alter database $db set synchronous_commit = off"
    cleanup+=('psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true')
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
  else
    echo "No PostgreSQL here (set DATABASE_URL to test on one): integration tests run on PGlite only." >&2
  fi
fi

# The real CB exports beside the repository, when that folder exists, are an extra test corpus:
# every test that runs on all fixtures runs on them too (packages/fixtures/README.md).
corpus="$(cd .. && pwd)/shared/fixtures/cb-exports"
if [ -z "${FERRY_CB_CORPUS:-}" ] && [ -d "$corpus" ]; then export FERRY_CB_CORPUS="$corpus"; fi

# The tests' temporary files (data directories, each a copy of a 40 MB cluster, exports, backups)
# go to memory when this machine has a tmpfs with room: a tenth less CPU for the CLI's tests, whose
# system time was mostly writing them to disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
  [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt $((8 * 1024 * 1024)) ]; then
  TMPDIR="$(mktemp -d /dev/shm/ferry-test-XXXXXX)"
  export TMPDIR
  cleanup+=('rm -rf "$TMPDIR"')
fi

pnpm test
