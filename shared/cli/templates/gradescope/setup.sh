#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image: it installs Node
# (the line in autograder.env, from nodejs.org, checksum verified) unless a recent enough one is
# there, the course's pinned pnpm, PostgreSQL when pg-failover is graded, and the course's locked
# dependencies.
#
# FAULTLINE_AUTOGRADER moves the /autograder root (the local end-to-end test lays one out in a
# temporary folder); FAULTLINE_PNPM_INSTALL_FLAGS adds flags to the install (--offline there).
set -euo pipefail
AUTOGRADER="${FAULTLINE_AUTOGRADER:-/autograder}"
SOURCE="$AUTOGRADER/source"
# shellcheck source=/dev/null
. "$SOURCE/autograder.env"

node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1);'
}

if ! node_ok; then
  if ! command -v curl >/dev/null 2>&1 || ! command -v xz >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl xz-utils ca-certificates >/dev/null
  fi
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "setup.sh: no Node build for $(uname -m)" >&2; exit 1 ;;
  esac
  base="https://nodejs.org/dist/latest-v${NODE_MAJOR}.x"
  work="$(mktemp -d)"
  curl -fsSL "$base/SHASUMS256.txt" -o "$work/SHASUMS256.txt"
  file="$(grep -o "node-v[0-9.]*-linux-$arch\.tar\.xz" "$work/SHASUMS256.txt" | head -n 1)"
  curl -fsSL "$base/$file" -o "$work/$file"
  (cd "$work" && grep " $file\$" SHASUMS256.txt | sha256sum -c -)
  tar -xJf "$work/$file" -C /usr/local --strip-components=1
  rm -rf "$work"
fi
node --version

# pg-failover grades a controller against three real PostgreSQL servers: their binaries come
# from the image's packages (Debian and Ubuntu: postgresql, which also creates the postgres user
# the servers run as).
case " $FAULTLINE_LABS " in
  *" pg-failover "*)
    if ! ls /usr/lib/postgresql/*/bin/pg_rewind >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    fi
    ;;
esac

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  npm install --global "pnpm@$PNPM_VERSION"
fi
cd "$SOURCE"
# shellcheck disable=SC2086
pnpm install --frozen-lockfile ${FAULTLINE_PNPM_INSTALL_FLAGS:-}
