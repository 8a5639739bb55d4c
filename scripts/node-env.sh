# Sourced by scripts/run.sh and bin/kubeproof: puts a Node >= 22.19 first on PATH.
# Uses the system node when it is new enough, else the project's own copy in .tools/node
# (installed from the npm registry's `node` package on first use).
KP_ROOT="${KP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
KP_NODE_VERSION="${KP_NODE_VERSION:-24.21.0}"

kp_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

if [ -x "$KP_ROOT/.tools/node/bin/node" ]; then
  export PATH="$KP_ROOT/.tools/node/bin:$PATH"
fi
if ! kp_node_ok; then
  if [ "${KP_NO_INSTALL:-}" = 1 ]; then
    echo "kubeproof: Node.js >= 22.19 is required (found $(node --version 2>/dev/null || echo none)). Run 'npm run setup' in $KP_ROOT, or install Node 24." >&2
    return 1 2>/dev/null || exit 1
  fi
  echo "kubeproof: installing Node.js $KP_NODE_VERSION into .tools/node (system node is $(node --version 2>/dev/null || echo absent))" >&2
  npm install --global --no-audit --no-fund --prefix "$KP_ROOT/.tools/node" "node@$KP_NODE_VERSION" >&2 || {
    echo "kubeproof: could not install Node.js $KP_NODE_VERSION from the npm registry" >&2
    return 1 2>/dev/null || exit 1
  }
  export PATH="$KP_ROOT/.tools/node/bin:$PATH"
  kp_node_ok || { echo "kubeproof: Node.js install did not produce a working node" >&2; return 1 2>/dev/null || exit 1; }
fi
