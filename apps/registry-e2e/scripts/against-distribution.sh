#!/usr/bin/env bash
# against-distribution.sh [jest args...]
#
# Checks the e2e harness itself against the CNCF distribution peer registry (Debian package
# docker-registry, distribution 2.8) instead of the Refity registry: starts it on a free port with
# fresh filesystem storage and delete enabled, runs the e2e jest project with
#   E2E_REGISTRY_URL      http://127.0.0.1:PORT
#   E2E_REGISTRY_RESTART  a command that restarts it on the same port and storage
#   E2E_REGISTRY_LOG      its log file
# and stops it again. Distribution 2.8 has no referrers API and no groups, so those tests fail.
# Example: apps/registry-e2e/scripts/against-distribution.sh src/skopeo.spec.ts
set -euo pipefail
cd "$(dirname "$0")/../../.."
BIN=$(command -v docker-registry || true)
[ -n "$BIN" ] || { echo "docker-registry not installed: apt-get install -y docker-registry" >&2; exit 2; }
RUN=$(mktemp -d /tmp/refity-e2e-distribution.XXXXXX)
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cat > "$RUN/config.yml" <<YAML
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $RUN/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$PORT
  # fixed, so upload sessions (their _state is signed with it) survive a restart
  secret: refity-e2e-not-a-secret
YAML
cat > "$RUN/start.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
if [ -s "$RUN/pid" ]; then p=\$(cat "$RUN/pid"); kill "\$p" 2>/dev/null || true; while kill -0 "\$p" 2>/dev/null; do sleep 0.1; done; fi
nohup "$BIN" serve "$RUN/config.yml" >> "$RUN/registry.log" 2>&1 < /dev/null &
echo \$! > "$RUN/pid"
for _ in \$(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/v2/" && exit 0; sleep 0.1; done
echo "distribution did not start; see $RUN/registry.log" >&2; exit 1
SH
chmod +x "$RUN/start.sh"
"$RUN/start.sh"
cleanup() { kill "$(cat "$RUN/pid")" 2>/dev/null || true; [ "${E2E_KEEP_TMP:-}" = 1 ] || rm -rf "$RUN"; }
trap cleanup EXIT
echo "distribution $("$BIN" --version 2>&1 | head -1) on 127.0.0.1:$PORT (state in $RUN)"
E2E_REGISTRY_URL="http://127.0.0.1:$PORT" E2E_REGISTRY_RESTART="$RUN/start.sh" E2E_REGISTRY_LOG="$RUN/registry.log" \
  npx jest -c apps/registry-e2e/jest.config.cts "$@"
