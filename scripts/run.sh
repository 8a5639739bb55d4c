#!/usr/bin/env bash
# The project's entry points: `npm run setup|demo|test|bench` land here.
# Each task first makes sure this machine has what kubeproof needs (Node >= 22.19,
# node_modules, and for PDF work Debian's chromium and poppler-utils), so the README's
# two commands work on a fresh machine with only the system Node 20.
set -euo pipefail
KP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$KP_ROOT"
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh

ensure_modules() {
  local stamp=node_modules/.kubeproof-lock
  if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
    echo "kubeproof: installing dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund >&2
    cp package-lock.json "$stamp"
  fi
}

ensure_system_tools() {
  # Chromium renders the PDF; poppler-utils (pdfinfo, pdftotext, pdftoppm) checks it in tests.
  local missing=()
  command -v chromium >/dev/null 2>&1 || [ -n "${KUBEPROOF_CHROMIUM:-}" ] || missing+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  fc-list 2>/dev/null | grep -qi 'noto.*cjk' || missing+=(fonts-noto-cjk)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "kubeproof: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "kubeproof: warning: ${missing[*]} not installed; PDF output and PDF tests need them (apt-get install ${missing[*]})" >&2
  fi
}

task="${1:-}"
shift || true
case "$task" in
  setup)
    ensure_modules
    ensure_system_tools
    ;;
  demo)
    ensure_modules
    ensure_system_tools
    exec bin/kubeproof scan --demo --out "${KP_DEMO_OUT:-kubeproof-report}" "$@"
    ;;
  test)
    ensure_modules
    ensure_system_tools
    exec bash scripts/test.sh "$@"
    ;;
  bench)
    ensure_modules
    ensure_system_tools
    exec node bench/index.ts "$@"
    ;;
  *)
    echo "usage: scripts/run.sh setup|demo|test|bench" >&2
    exit 2
    ;;
esac
