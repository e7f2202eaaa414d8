#!/usr/bin/env bash
# `pnpm test`: every package's type check, lint, tests and package checks through turbo, and the
# formatting check. Laid out for a 2-core machine, where turbo alone left a core idle for minutes:
# it has no task priorities and started the web UI's browser scenarios (the longest task, which
# mostly waits on Chromium and the server, using well under a core) last, so they ran alone at
# the end. Here every package is built first; then the web UI's tasks run one at a time in a lane
# of their own from the start, beside turbo's two lanes for every other package's tasks (`--only`:
# all built already). The lanes end within a minute of each other.
# A failure on either side stops the other. The formatting check needs no build: it runs beside
# the builds instead of alone at the end.
set -uo pipefail
cd "$(dirname "$0")/.."

prettier --check . &
format=$!

if ! turbo run build --concurrency=2; then
  kill -TERM "$format" 2>/dev/null
  exit 1
fi

turbo run test:browser test typecheck lint --filter=@ferry/web --only --concurrency=1 &
web=$!
turbo run typecheck lint test test:package --filter='!@ferry/web' --only --concurrency=2 &
rest=$!

# The first to end; when it failed, the other is stopped (turbo stops its own tasks on SIGTERM).
wait -n -p ended "$web" "$rest"
if [ $? -ne 0 ]; then
  kill -TERM "$web" "$rest" 2>/dev/null
  wait
  echo "test tasks failed (see above)" >&2
  exit 1
fi
if [ "$ended" = "$web" ]; then wait "$rest"; else wait "$web"; fi || exit 1

wait "$format" || { echo "formatting check failed (see above)" >&2; exit 1; }
