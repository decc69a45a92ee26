#!/usr/bin/env bash
# The test command (`npm test`): setup, typecheck, build, then every layer on real parts:
#   unit     mocha, plain Node + real PGlite                   test/unit/.mocharc.json
#   pg       mocha against a real PostgreSQL started here       test/pg/.mocharc.json
#   webview  webview bundles in headless Debian chromium        test/webview/.mocharc.json
#   vscode   mocha inside a real VS Code extension host (code-server + chromium), a UI smoke, and the packaged
#            .vsix installed into a clean VS Code (row "vsix")
# Each layer runs even when an earlier one failed; a setup, typecheck or build failure stops everything.
# Ends with a table and the line "N passed, N failed"; exits non-zero if a layer failed or ran no tests.
#
#   bash scripts/test.sh                 all layers
#   bash scripts/test.sh unit pg         a subset (developers)
#   SYNC_PLAYGROUND_VSCODE=electron      VS Code layer on downloaded desktop VS Code instead of code-server
#   SYNC_PLAYGROUND_SKIP_SETUP=1         skip scripts/setup-test-deps.sh
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ALL=(unit pg webview vscode)
LAYERS=("$@"); [ ${#LAYERS[@]} -eq 0 ] && LAYERS=("${ALL[@]}")
for l in "${LAYERS[@]}"; do
  case " ${ALL[*]} " in *" $l "*) ;; *) echo "unknown layer '$l' (layers: ${ALL[*]})" >&2; exit 2 ;; esac
done
RESULTS=$ROOT/.artifacts/results
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
T0=$(date +%s.%N)
ts() { date +%s.%N; }
el() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.1f", b-a}'; }
step() { printf '\n==== %s\n' "$*"; }
ROWS=()   # "layer passed failed pending seconds note"

# ---------------------------------------------------------------- setup, typecheck, build (stop on failure)
if [ -z "${SYNC_PLAYGROUND_SKIP_SETUP:-}" ]; then
  step "setup"
  need=(npm)
  for l in "${LAYERS[@]}"; do
    case $l in pg) need+=(apt) ;; webview) need+=(apt) ;; vscode) need+=(apt node24 code-server) ;; esac
  done
  bash scripts/setup-test-deps.sh $(printf '%s\n' "${need[@]}" | sort -u) || { echo "FAILED: setup (scripts/setup-test-deps.sh)"; echo "0 passed, 1 failed"; exit 1; }
fi
step "typecheck"; t=$(ts)
npm run -s typecheck || { echo "FAILED: typecheck"; echo "0 passed, 1 failed"; exit 1; }
echo "typecheck ok ($(el "$t")s)"
step "build"; t=$(ts)
npm run -s build || { echo "FAILED: build"; echo "0 passed, 1 failed"; exit 1; }

# ---------------------------------------------------------------- layers
# record LAYER SECONDS [NOTE]: reads $RESULTS/LAYER.json (written by the reporter / launcher)
record() {
  local layer=$1 secs=$2 note=${3:-} f=$RESULTS/$1.json p=0 fl=0 pe=0
  if [ -f "$f" ]; then
    read -r p fl pe < <(node -e 'const r=require(process.argv[1]);console.log(r.passes|0,r.failures|0,r.pending|0)' "$f")
  fi
  [ -f "$f" ] || { fl=$((fl + 1)); note=${note:-no results}; }
  ROWS+=("$layer $p $fl $pe $secs ${note}")
}

mocha_layer() { # LAYER CONFIG
  local layer=$1 config=$2 t rc=0
  step "$layer"; t=$(ts)
  if [ ! -f "$config" ]; then
    echo "FAILED: $layer: $config does not exist"
    ROWS+=("$layer 0 1 0 0.0 missing $config"); return
  fi
  SYNC_PLAYGROUND_RESULTS=$RESULTS/$layer.json npx mocha --config "$config" --reporter scripts/mochaCountsReporter.cjs || rc=$?
  record "$layer" "$(el "$t")" "$([ $rc -ne 0 ] && echo "exit $rc")"
}

vscode_layer() {
  local t rc=0 launcher=scripts/vscode-test-code-server.mjs
  [ "${SYNC_PLAYGROUND_VSCODE:-code-server}" = electron ] && launcher=scripts/vscode-test-electron.mjs
  step "vscode ($launcher)"; t=$(ts)
  node "$launcher" --suites dev --ui --results "$RESULTS/vscode.json" || rc=$?
  record vscode "$(el "$t")" "$([ $rc -ne 0 ] && echo "exit $rc")"

  step "vsix: package, install into a clean VS Code, run it"; t=$(ts); rc=0
  if npm run -s package && check_vsix dist/sync-playground.vsix; then
    node scripts/vscode-test-code-server.mjs --suites installed --vsix dist/sync-playground.vsix --results "$RESULTS/vsix.json" || rc=$?
  else
    rc=1; echo "FAILED: npm run package, or the .vsix lacks files"
  fi
  npm run -s build >/dev/null # back to the development build (package makes a production one)
  record vsix "$(el "$t")" "$([ $rc -ne 0 ] && echo "exit $rc")"
}

# The package must carry the bundle, PGlite's assets and the media the webviews load.
check_vsix() {
  local list missing=0 f
  list=$(unzip -Z1 "$1") || return 1
  for f in extension/package.json extension/dist/extension.js extension/dist/pglite.wasm extension/dist/initdb.wasm \
           extension/dist/pglite.data extension/media/icon.svg extension/media/readme/conflict-inspector.png; do
    grep -qx "$f" <<<"$list" || { echo "  .vsix lacks $f"; missing=1; }
  done
  if grep -q '^extension/node_modules/\|^extension/src/\|^extension/test/' <<<"$list"; then
    echo "  .vsix carries sources or node_modules:"; grep '^extension/\(node_modules\|src\|test\)/' <<<"$list" | head -5; missing=1
  fi
  echo "  .vsix: $(wc -l <<<"$list") files, $(du -h "$1" | cut -f1)"
  return $missing
}

for l in "${LAYERS[@]}"; do
  case $l in
    unit) mocha_layer unit test/unit/.mocharc.json ;;
    pg) mocha_layer pg test/pg/.mocharc.json ;;
    webview) mocha_layer webview test/webview/.mocharc.json ;;
    vscode) vscode_layer ;;
  esac
done

# ---------------------------------------------------------------- summary
step "summary"
P=0 F=0 bad=0
printf '%-8s %7s %7s %8s %8s  %s\n' layer passed failed pending seconds note
for row in "${ROWS[@]}"; do
  read -r layer p fl pe secs note <<<"$row"
  printf '%-8s %7s %7s %8s %8s  %s\n' "$layer" "$p" "$fl" "$pe" "$secs" "$note"
  P=$((P + p)); F=$((F + fl))
  if [ "$fl" -gt 0 ] || [ "$p" -eq 0 ]; then bad=1; [ "$p" -eq 0 ] && [ "$fl" -eq 0 ] && echo "FAILED: layer $layer ran no tests"; fi
done
echo "total $(el "$T0")s"
echo "$P passed, $F failed"
exit $bad
