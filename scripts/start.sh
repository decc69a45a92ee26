#!/usr/bin/env bash
# `npm start`: runs the product. Installs what is missing, builds, then opens VS Code with the extension loaded:
#   - desktop VS Code when `code` is on PATH:  code --extensionDevelopmentPath=<repo> <repo>/scenarios
#   - otherwise code-server from the cache, served on 127.0.0.1 (URL printed), until Ctrl+C
#
#   bash scripts/start.sh [--port 8090]          SYNC_PLAYGROUND_START=code-server forces code-server
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v code >/dev/null 2>&1 && [ "${SYNC_PLAYGROUND_START:-}" != code-server ]; then
  bash scripts/setup-test-deps.sh npm
  npm run -s build
  exec code --extensionDevelopmentPath="$PWD" "$PWD/scenarios"
fi
bash scripts/setup-test-deps.sh npm apt node24 code-server
npm run -s build
exec node scripts/start-code-server.mjs "$@"
