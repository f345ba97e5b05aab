#!/bin/sh
# Build the city311 image (deploy/container/Containerfile) from the repository root:
#
#   deploy/container/build.sh                                   # city311:<version>, base from the registry
#   BASE_IMAGE=localhost/city311-base:bookworm deploy/container/build.sh   # base from debian-base.sh
#
# 1. the pinned dependencies as wheels in var/wheelhouse (pip wheel: from PyPI, or pip's cache), so the
#    build itself needs no network and installs exactly pyproject.toml's versions;
# 2. podman, buildah or docker (CONTAINER_TOOL) builds the image; BUILD_OPTIONS are added to its command
#    (e.g. "--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096", deploy/README.md).
# The metrics dashboard's Chart.js comes from `make install` (services/metrics/web/node_modules).
set -eu
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
IMAGE=${IMAGE:-city311:$VERSION}
TOOL=${CONTAINER_TOOL:-$(command -v podman || command -v buildah || command -v docker || true)}
[ -n "$TOOL" ] || { echo "build.sh: needs podman, buildah or docker" >&2; exit 1; }
mkdir -p var/wheelhouse
"$PY" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
    > var/wheelhouse/requirements.txt
"$PY" -m pip wheel --quiet --disable-pip-version-check --wheel-dir var/wheelhouse -r var/wheelhouse/requirements.txt
# shellcheck disable=SC2086 # BUILD_OPTIONS is a list of words
set -- ${BUILD_OPTIONS:-} -f deploy/container/Containerfile -t "$IMAGE"
[ -n "${BASE_IMAGE:-}" ] && set -- "$@" --build-arg "BASE_IMAGE=$BASE_IMAGE"
case "$(basename "$TOOL")" in
    docker)  "$TOOL" build "$@" . ;;
    # docker format: the OCI image format has no HEALTHCHECK
    buildah) "$TOOL" bud --format docker --ignorefile deploy/container/Containerfile.dockerignore "$@" . ;;
    *)       "$TOOL" build --format docker --ignorefile deploy/container/Containerfile.dockerignore "$@" . ;;
esac
echo "image: $IMAGE"
