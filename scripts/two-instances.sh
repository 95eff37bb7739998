#!/usr/bin/env bash
# The deployment shape without docker: two platform instances from one configuration on one
# PostgreSQL, then the connect flow with every step on the other instance
# (test/e2e/operations-two-instances.e2e-spec.ts). Needs a reachable PostgreSQL database that may be
# emptied: TWO_INSTANCES_DATABASE_URL (default postgres://platform:platform@127.0.0.1:5432/platform_two).
set -euo pipefail
cd "$(dirname "$0")/.."

DB_URL="${TWO_INSTANCES_DATABASE_URL:-postgres://platform:platform@127.0.0.1:5432/platform_two}"
PORT_A="${TWO_INSTANCES_PORT_A:-3310}"
PORT_B="${TWO_INSTANCES_PORT_B:-3311}"
LOGS="$(mktemp -d)"

PGOPTIONS='-c client_min_messages=warning' psql "$DB_URL" -q -v ON_ERROR_STOP=1 -c 'DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;' >/dev/null

# one configuration for both (what a deployer writes once); only the port differs
export DATABASE_URL="$DB_URL"
export SESSION_SECRET="two-instances-session-secret-0123456789"
export BASE_URL="http://127.0.0.1:${PORT_A}"
export HOST=127.0.0.1
export SEED_DEMO=true
export DEMO_CLIENT_PORT=0
export LOG_LEVEL=warn
export NODE_ENV=development

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

start() { # port log
  PORT="$1" node -r ts-node/register/transpile-only src/main.ts >"$2" 2>&1 &
  PIDS+=("$!")
}

ready() { # port: wait up to 90 s for /readyz
  node -e '
    const port = process.argv[1];
    const until = Date.now() + 90000;
    (async function poll() {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.status === 200) process.exit(0);
      } catch {}
      if (Date.now() > until) { console.error(`instance on ${port} not ready`); process.exit(1); }
      setTimeout(poll, 500);
    })();' "$1"
}

# a rolling start, as an orchestrator does it: the first instance migrates and seeds, the second finds both done
start "$PORT_A" "$LOGS/a.log"
ready "$PORT_A" || { cat "$LOGS/a.log"; exit 1; }
start "$PORT_B" "$LOGS/b.log"
ready "$PORT_B" || { cat "$LOGS/b.log"; exit 1; }
echo "two instances ready on :$PORT_A and :$PORT_B (database $DB_URL)"

TWO_INSTANCES_A="http://127.0.0.1:${PORT_A}" TWO_INSTANCES_B="http://127.0.0.1:${PORT_B}" \
  npx jest --runInBand test/e2e/operations-two-instances.e2e-spec.ts
