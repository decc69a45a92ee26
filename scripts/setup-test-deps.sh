#!/usr/bin/env bash
# Installs what the test layers and `npm start` need, only when missing (idempotent, safe to re-run):
#   apt          Debian chromium (webview + VS Code layers), libkrb5-dev (code-server's native modules),
#                postgresql server binaries (pg layer)
#   node24       Node 24 from the npm registry (code-server 4.139 needs it), into the cache
#   code-server  code-server from the npm registry (a real VS Code 1.139 build), into the cache
#   npm          `npm ci` when node_modules is missing or older than package-lock.json
#
#   bash scripts/setup-test-deps.sh [apt] [node24] [code-server] [npm]     (no argument: all of them)
#
# Cache: ${SYNC_PLAYGROUND_CACHE:-$HOME/.cache/sync-playground} (survives between CI runs on one machine).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/paths.sh

want() { [ $# -eq 0 ] && return 0; local c; for c in "${COMPONENTS[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }
COMPONENTS=("$@")
[ ${#COMPONENTS[@]} -eq 0 ] && COMPONENTS=(apt node24 code-server npm)
ts() { date +%s.%N; }
el() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.1fs", b-a}'; }
say() { echo "[setup] $*"; }

mkdir -p "$SP_CACHE/logs"
# one installer at a time per cache (two test runs on one machine must not install into the same folder)
exec 9>"$SP_CACHE/.setup.lock"
flock 9

if want apt; then
  t=$(ts); missing=()
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -e /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then
      echo "[setup] FAILED: missing system packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
      exit 1
    fi
    say "apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" > "$SP_CACHE/logs/apt.log" 2>&1 \
      || { tail -30 "$SP_CACHE/logs/apt.log"; echo "[setup] FAILED: apt-get install ${missing[*]}" >&2; exit 1; }
  fi
  say "apt: ok ($(el "$t"))"
fi

if want node24 || want code-server; then
  t=$(ts)
  if ! [ -x "$SP_NODE24/bin/node" ] || [ "$("$SP_NODE24/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != 24 ]; then
    say "installing Node 24 ($SP_NODE24_PKG) into $SP_CACHE/node24"
    mkdir -p "$SP_CACHE/node24"
    ( cd "$SP_CACHE/node24" && { [ -f package.json ] || npm init -y >/dev/null; } \
      && npm install --no-audit --no-fund --silent "$SP_NODE24_PKG" ) > "$SP_CACHE/logs/node24-install.log" 2>&1 \
      || { tail -30 "$SP_CACHE/logs/node24-install.log"; echo "[setup] FAILED: Node 24 from the npm registry" >&2; exit 1; }
  fi
  say "node24: $("$SP_NODE24/bin/node" -v) ($(el "$t"))"
fi

if want code-server; then
  t=$(ts)
  if ! sp_code_server_installed; then
    say "installing code-server@$SP_CS_VERSION into $SP_CS_DIR (compiles native modules, a few minutes)"
    mkdir -p "$SP_CS_DIR"
    # npm runs with Node 24 first on PATH (code-server's postinstall checks the major version) and node-gyp must
    # build against Node 24's headers, not a machine-wide nodedir (~/.npmrc here says nodedir=/usr, Node 20).
    ( cd "$SP_CS_DIR" && { [ -f package.json ] || npm init -y >/dev/null; } \
      && PATH="$SP_NODE24/bin:$PATH" npm_config_nodedir="$SP_NODE24" \
         npm install --no-audit --no-fund --foreground-scripts "code-server@$SP_CS_VERSION" ) \
      > "$SP_CACHE/logs/cs-install.log" 2>&1 \
      || { tail -40 "$SP_CACHE/logs/cs-install.log"; echo "[setup] FAILED: code-server install (log: $SP_CACHE/logs/cs-install.log)" >&2; exit 1; }
    sp_code_server_installed || { echo "[setup] FAILED: code-server installed but $SP_CS_ENTRY or node-pty is missing" >&2; exit 1; }
  fi
  say "code-server $SP_CS_VERSION: ok ($(el "$t"))"
fi

if want npm; then
  t=$(ts)
  if ! [ -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci (node_modules missing or older than package-lock.json)"
    npm ci --no-audit --no-fund
  fi
  say "npm: ok ($(el "$t"))"
fi
