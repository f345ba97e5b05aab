#!/bin/sh
# A base image for the Containerfile from Debian's packages alone (no container registry):
# debootstrap a minimal bookworm with Python 3.11 and its venv module, and import it.
#
#   deploy/container/debian-base.sh                      # -> localhost/city311-base:bookworm
#   BASE_TAG=... MIRROR=http://deb.debian.org/debian deploy/container/debian-base.sh
#
# Needs root (debootstrap), debootstrap, and podman or buildah (CONTAINER_TOOL picks one).
set -eu
BASE_TAG=${BASE_TAG:-localhost/city311-base:bookworm}
# The mirror apt already uses on this host (deb822 or one-line sources), else Debian's.
MIRROR=${MIRROR:-$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p; s/^deb \(\[[^]]*\] \)*\([^ ]*debian\) .*/\2/p' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
TOOL=${CONTAINER_TOOL:-$(command -v podman || command -v buildah || true)}
[ -n "$TOOL" ] || { echo "debian-base.sh: needs podman or buildah (apt-get install podman)" >&2; exit 1; }
ROOTFS=$(mktemp -d)
trap 'rm -rf "$ROOTFS"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$ROOTFS" "$MIRROR"
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb
case "$(basename "$TOOL")" in
    buildah) container=$(buildah from scratch)
             buildah copy "$container" "$ROOTFS" /
             buildah config --cmd /bin/sh "$container"
             buildah commit --rm "$container" "$BASE_TAG" ;;
    *)       tar -C "$ROOTFS" -c . | "$TOOL" import --change 'CMD ["/bin/sh"]' - "$BASE_TAG" ;;
esac
echo "base image: $BASE_TAG"
