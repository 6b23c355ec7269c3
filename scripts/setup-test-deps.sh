#!/usr/bin/env bash
# System packages the test tiers need, installed only when missing (so a fresh Debian machine
# can run `npm test` directly): PostgreSQL 15 server binaries, HypoPG, openssl (SSL test
# cluster), gnupg (encrypted backups must decrypt with the system gpg), and what the VS Code
# host needs (chromium, gssapi headers, and a compiler, make and
# python3 for node-gyp to build its native modules). Needs root for apt-get;
# without root it only says what is missing.
set -euo pipefail
missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
ls /usr/share/postgresql/*/extension/hypopg.control >/dev/null 2>&1 || missing+=(postgresql-15-hypopg)
command -v openssl >/dev/null || missing+=(openssl)
command -v gpg >/dev/null || missing+=(gnupg)
command -v chromium >/dev/null || missing+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
for tool in g++ make python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing system packages (install them, then run again): ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
