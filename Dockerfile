# secret-sync KRM function image.
#
# Build it with `make image` (or scripts/build-image), which first fills build/image/wheelhouse with
# the runtime and build dependencies for the base image's Python (pip download on the host) and then
# runs this file. Nothing in here touches the network: every pip call is --no-index.
#
#   BASE_IMAGE  any glibc image with python3 (>= 3.10) and its venv module on PATH.
#               Default: the official slim Python image. scripts/build-image falls back to a local
#               Debian bookworm base (debootstrap) when the default cannot be pulled.
#   VERSION     written to the org.opencontainers.image.version label (scripts/build-image passes
#               the version from pyproject.toml).
ARG BASE_IMAGE=docker.io/library/python:3.12-slim

# ---- stage 1: build the secret-sync wheel from source, offline --------------------------------
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_INDEX=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
# The context is an allowlist (.dockerignore): pyproject.toml, README.md, LICENSE, krm_fn/,
# functionconfig/, the bundle scripts and build/image/wheelhouse/.
COPY . /src/
RUN python3 -m venv /tmp/buildenv \
 && /tmp/buildenv/bin/pip wheel --find-links /src/build/image/wheelhouse \
      --no-deps --wheel-dir /dist /src \
 && cp /src/build/image/wheelhouse/*.whl /dist/ \
 && ls -l /dist

# ---- stage 2: slim runtime ---------------------------------------------------------------------
FROM ${BASE_IMAGE}
ARG VERSION=0.0.0-dev
ARG SOURCE=https://github.com/secret-sync-dev/secret-sync
LABEL org.opencontainers.image.title="secret-sync" \
      org.opencontainers.image.description="KRM function: placeholder Secrets and legacy KES objects to External Secrets Operator resources" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PIP_NO_INDEX=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# Install the wheels (bind-mounted from stage 1, so no wheel file ends up in a layer of this image)
# into /opt/secret-sync/app and assemble the relocatable bundle around them: interpreter, stdlib,
# shared libraries except glibc, and a sh launcher (scripts/make-bundle.py). The image runs the
# bundle, and the Argo CD exec route copies the very same directory into the repo-server.
RUN --mount=type=bind,from=build,source=/dist,target=/dist \
    --mount=type=bind,from=build,source=/src/scripts,target=/bundle-scripts \
    python3 -m venv /tmp/pip \
 && /tmp/pip/bin/pip install --find-links /dist --target /opt/secret-sync/app secret-sync \
 && rm -rf /opt/secret-sync/app/bin \
 && python3 /bundle-scripts/make-bundle.py /opt/secret-sync /bundle-scripts \
 && rm -rf /tmp/pip \
 && env -i /opt/secret-sync/bin/secret-sync --version
ENV PATH=/opt/secret-sync/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONUTF8=1 \
    LANG=C.UTF-8
# nobody:nogroup. kustomize and kpt also pass `--user nobody`; the numeric id lets Kubernetes
# check runAsNonRoot when the image is used as an init container (Argo CD exec route).
USER 65534:65534
WORKDIR /
ENTRYPOINT ["secret-sync"]
