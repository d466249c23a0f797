# Everything a fresh machine needs is installed by these targets (the virtualenv and its packages).
# The virtualenv is built with the Python template.yaml names as the Lambda runtime (python3.13) where the machine
# has it (pyenv or PATH), else with $(PYTHON); a virtualenv made by another Python is rebuilt (infra/runtime_python.py).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser lint layer-sizes test unit integration e2e demo local bench cost load redrive replay eval-matching report connect-flows clean mutation

install:
	@$(PYTHON) infra/runtime_python.py --fallback $(PYTHON) --venv-matches $(VENV) || { \
	  CHOSEN=$$($(PYTHON) infra/runtime_python.py --fallback $(PYTHON)) || exit 1; \
	  if [ -e $(VENV) ]; then echo "rebuilding $(VENV): it was made by another Python"; rm -rf $(VENV); fi; \
	  "$$CHOSEN" -m venv $(VENV); }
	@$(if $(filter install,$(MAKECMDGOALS)),$(BIN)/python -c 'import sys; print("virtualenv Python:", sys.version.split()[0])')
	@$(MAKE) --no-print-directory --silent $(STAMP)

# uv (from PyPI, through pip) installs the same pinned requirements as pip in a fraction of the time (docs/decisions.md);
# pip does it alone if uv cannot be had.
UV_VERSION := 0.13.9
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check --no-compile
UV_INSTALL := $(BIN)/uv pip install --quiet --native-tls --python $(BIN)/python

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "installing requirements-dev.txt into $(VENV)"
	@if $(PIP_INSTALL) uv==$(UV_VERSION) 2>/dev/null && $(UV_INSTALL) -r requirements-dev.txt && \
	  $(UV_INSTALL) --no-deps -e .; then :; else echo "uv failed: installing with pip"; \
	  $(PIP_INSTALL) -r requirements-dev.txt && $(PIP_INSTALL) --no-deps -e .; fi  # -e .: the `socialcrm` command
	@touch $(STAMP)

# The layer-size check (make layer-sizes) runs beside the linters: from the figures kept in layers/sizes.json in a
# second, or a sam build of a minute or more when the layers changed.
lint: install
	@mkdir -p .pytest_logs
	@$(MAKE) --no-print-directory layer-sizes > .pytest_logs/layer-sizes.txt 2>&1 & sizes=$$!; \
	  $(BIN)/ruff check . && $(BIN)/mypy && $(BIN)/cfn-lint template.yaml; checks=$$?; \
	  wait $$sizes; sized=$$?; cat .pytest_logs/layer-sizes.txt; test $$checks = 0 && test $$sized = 0

# What each function loads, unpacked, from a sam build (infra/layer_sizes.py; budgets in docs/architecture.md).
# sam runs from its own virtualenv (requirements-sam.txt), installed only when a build is needed.
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed

$(SAM_STAMP): requirements-sam.txt
	@test -x $(SAM_VENV)/bin/python || $(BIN)/python -m venv $(SAM_VENV)
	@$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	@touch $(SAM_STAMP)

layer-sizes: install
	@$(BIN)/python -m infra.layer_sizes --kept-only $(if $(REBUILD),--rebuild); rc=$$?; \
	  if [ $$rc = 3 ]; then $(MAKE) --no-print-directory --silent $(SAM_STAMP) && \
	    $(BIN)/python -m infra.layer_sizes --sam $(SAM_VENV)/bin/sam --rebuild; else exit $$rc; fi

# Copy the Amazon Connect flows (infra/connect/*.json) into template.yaml's ContactFlow resources (docs/contact-centre.md).
connect-flows:
	python3 -m infra.connect.render

# Headless Chromium (Debian package) for the screen-pop page test; installed only when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The end-to-end tests (two workers, one local stack each, whole files per worker) run beside the checks
# (make lint) and the unit and integration tests (both cores, pytest-xdist), each in its own pytest process: an
# in-process moto (integration) must never share a process with a local stack's pollers. Fails if any fails.
# Compiled modules are kept in .pycache even where PYTHONDONTWRITEBYTECODE is set: the run starts many
# Python processes (workers, local stacks' functions and moto), each of which otherwise compiles boto3, botocore
# and moto from source again, seconds of CPU each.
test: install browser
	@mkdir -p .pytest_logs
	@export PYTHONPYCACHEPREFIX="$(CURDIR)/.pycache" PYTHONDONTWRITEBYTECODE=; \
	  $(BIN)/python -m pytest -q -n 2 --dist loadfile tests/e2e > .pytest_logs/e2e.txt 2>&1 & e2e=$$!; \
	  $(MAKE) --no-print-directory lint; checks=$$?; \
	  $(BIN)/python -m pytest -q -n 2 tests/unit tests/integration; fast=$$?; \
	  wait $$e2e; slow=$$?; echo "--- end-to-end tests (tests/e2e) ---"; cat .pytest_logs/e2e.txt; \
	  test $$checks = 0 && test $$fast = 0 && test $$slow = 0

unit: install
	$(BIN)/python -m pytest -q tests/unit

integration: install
	$(BIN)/python -m pytest -q tests/integration

e2e: install browser
	$(BIN)/python -m pytest -q tests/e2e

# The main job end to end on the embedded local stack, told as a story; the functions' logs go to the file it
# names at the end (make demo VERBOSE=1: inline). Stops everything and exits 0 on success.
demo: install
	@$(BIN)/python -m infra.local.demo $(if $(VERBOSE),--verbose)

# The local stack in the foreground: AWS on :5000, HTTP API on :3000, Lambda Invoke API on :3001.
local: install
	$(BIN)/python -m infra.local.stack

# Move a dead-letter queue's messages back to its source queue, e.g.
#   make redrive QUEUE=PushDeadLetterQueue                      (deployed stack: your AWS credentials)
#   make redrive QUEUE=PushDeadLetterQueue ENDPOINT=http://127.0.0.1:5000   (make local)
redrive: install
	$(BIN)/python -m infra.redrive --queue "$(QUEUE)" $(if $(MAX),--max $(MAX)) $(if $(ENDPOINT),--endpoint-url $(ENDPOINT))

# Replay set-aside deliveries (docs/deploy.md, "Set-aside deliveries"), e.g.
#   make replay BUCKET=<SetAsideBucket> PREFIX=meta/2026/11/30/ QUEUE=<IngestQueue URL> [DRY_RUN=1] [DELETE=1]
#   make replay BUCKET=setasidebucket KEY=<key> ENDPOINT=http://127.0.0.1:5000              (make local)
replay: install
	$(BIN)/python -m infra.replay --bucket "$(BUCKET)" $(if $(KEY),--key "$(KEY)",--prefix "$(PREFIX)") \
	  $(if $(QUEUE),--queue "$(QUEUE)") $(if $(ENDPOINT),--endpoint-url $(ENDPOINT)) $(if $(DRY_RUN),--dry-run) \
	  $(if $(DELETE),--delete)

# Rollups as reports/summary.png and reports/summary.html: from reports/rollups.json (make demo writes it), or
#   make report ENDPOINT=http://127.0.0.1:5000 [TABLE=MetricsTable] [DAYS=7] [UNTIL=YYYY-MM-DD]   (a running stack)
report: install
	$(BIN)/python -m infra.report $(if $(ENDPOINT),--endpoint-url $(ENDPOINT) --table $(or $(TABLE),MetricsTable) \
	  --days $(or $(DAYS),7) $(if $(UNTIL),--until $(UNTIL)))

# Lookup latency (warm p50/p99) and cold-start ratio to a bare boto3 GetItem, on the local stack.
# Identity resolution on a labelled data set: precision, recall, throughput (docs/matching.md).
# Splink runs beside, from its own virtualenv (.venv-eval, requirements-eval.txt), so make test never installs it.
EVAL_VENV := .venv-eval
EVAL_STAMP := $(EVAL_VENV)/.installed

$(EVAL_STAMP): requirements.txt requirements-eval.txt
	test -x $(EVAL_VENV)/bin/python || $(PYTHON) -m venv $(EVAL_VENV)
	$(EVAL_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-eval.txt
	touch $(EVAL_STAMP)

eval-matching: $(EVAL_STAMP)
	$(EVAL_VENV)/bin/python -m infra.eval_matching --customers $(or $(CUSTOMERS),10000) --posts $(or $(POSTS),50000) \
	  --seed $(or $(SEED),7) --splink yes

# Mutation testing of the trust-critical code (tests/mutation/scope.txt; docs/testing.md): the score per module and
# the surviving mutants, also in reports/mutation.txt; fails below 90 % in any module. Not part of make test.
# mutmut runs from its own virtualenv (.venv-mutation, requirements-mutation.txt), so make test never installs it.
#   make mutation                              (everything: 40 min on an idle 2-core machine, docs/testing.md)
#   make mutation MODULES="screen_pop lookup"  (some modules, from a fresh workspace: new tests are seen)
MUTATION_VENV := .venv-mutation
MUTATION_STAMP := $(MUTATION_VENV)/.installed

$(MUTATION_STAMP): requirements.txt requirements-dev.txt requirements-mutation.txt
	@test -x $(MUTATION_VENV)/bin/python || { \
	  CHOSEN=$$($(PYTHON) infra/runtime_python.py --fallback $(PYTHON)) && "$$CHOSEN" -m venv $(MUTATION_VENV); }
	@echo "installing requirements-mutation.txt into $(MUTATION_VENV)"
	@$(MUTATION_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-mutation.txt
	@touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(MUTATION_VENV)/bin/python -m infra.mutation $(if $(MODULES),--modules $(MODULES))

# The load-and-faults benchmark: 10,000 signed deliveries under faults on the local stack; prints its figures
# (make test runs the same test with 300 deliveries, every fault still happening).
load: install
	LOAD_DELIVERIES=$(or $(DELIVERIES),10000) $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/e2e/test_load_faults.py

# A viral stretch on the local stack (docs/scaling.md): signed comments on one Page post as fast as the machine
# takes them for SECONDS, then drained; accepted/s, posts/s end to end, queue depth, AWS calls per post. Not in make test.
#   make scale [SECONDS=60] [DRAIN=420] [SENDERS=8] [PROCESSORS=2]
.PHONY: scale
scale: install
	$(BIN)/python -m infra.local.scale --seconds $(or $(SECONDS),60) --drain $(or $(DRAIN),420) \
	  --senders $(or $(SENDERS),8) --processors $(or $(PROCESSORS),2)

# Dollars per million posts and per million lookups, and the fixed monthly part, measured on the real handlers in
# process on moto for the stated mix (infra/cost_mix.py); prices in infra/aws_prices.py (docs/cost.md).
#   make cost [POSTS=1000 LOOKUPS=1000 CUSTOMERS=100]
cost: install
	$(BIN)/python -m infra.cost_probe --posts $(or $(POSTS),1000) --lookups $(or $(LOOKUPS),1000) \
	  --customers $(or $(CUSTOMERS),100)

# Screen-pop links on (AgentPageBaseUrl set), as deployed with an agent page; fails above a 1.2 ratio.
bench: install
	$(BIN)/python -m infra.local.bench --cold 15 --screen-pop --max-ratio 1.2

# `socialcrm customers import` of generated customers on a fresh local stack, timed (README, "Measured");
# PER_RECORD=1: through the per-record sync instead of the bulk import.
.PHONY: import-bench
import-bench: install
	$(BIN)/python -m infra.import_bench --rows $(or $(ROWS),200000) --workers $(or $(WORKERS),4) \
	  $(if $(BATCH),--batch-size $(BATCH)) $(if $(PER_RECORD),--per-record)

clean:
	rm -rf $(VENV) $(EVAL_VENV) $(MUTATION_VENV) $(SAM_VENV) .mutation .pytest_cache .pytest_logs .ruff_cache .hypothesis .pycache

# make test RUNS times in a row with a CPU-bound process beside it (a busy machine); stops at the first failure.
#   make test-busy RUNS=10
.PHONY: test-busy
test-busy: install
	@mkdir -p .pytest_logs; python3 -c 'while True: pass' & hog=$$!; trap "kill $$hog" EXIT; \
	  for run in $$(seq 1 $(or $(RUNS),10)); do start=$$(date +%s); \
	    $(MAKE) --no-print-directory test > .pytest_logs/busy-$$run.txt 2>&1; rc=$$?; \
	    echo "run $$run: exit $$rc, $$(( $$(date +%s) - start )) s, load $$(cut -d' ' -f1 /proc/loadavg)"; \
	    [ $$rc = 0 ] || exit $$rc; done
