#!/usr/bin/env bash
# Entry point behind `npm start` and `npm test`: makes sure the toolchain and the workspace are
# installed, then runs the named root script with the repo's own Node and pnpm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
export PATH="$ROOT/.tools/bin:$PATH"
cd "$ROOT"
exec pnpm run --silent "$@"
