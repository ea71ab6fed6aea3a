# The README names two commands: `make demo` and `make test`. Both work on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TORCH_VERSION ?= 2.13.0
export MUJOCO_GL ?= egl
export PYOPENGL_PLATFORM ?= egl
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: demo test lint clean-venv

# Torch goes first: a CPU build (from this machine's disk) so the package's torch range
# resolves without pulling a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==$(TORCH_VERSION)
	$(PIP) install -q -e '.[sim,lm,dev]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/motionprior demo --out runs/demo

test: $(VENV)/.installed
	$(PY) -m pytest -q -m "not slow" --timeout=600

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks

clean-venv:
	rm -rf $(VENV)
