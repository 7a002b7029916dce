# correlare — see README.md. Every target works on a fresh clone (Go 1.26 + gcc).
GO       ?= go
TAGS     := duckdb_arrow
GOFLAGS  := -tags=$(TAGS)
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN      := bin/correlare
# The demo's pseudonymisation key: NOT a secret, for the bundled demo only.
DEMO_KEY := correlare-demo-key-not-a-secret-0123456789

export CGO_ENABLED=1

.PHONY: all build test demo demo-data bench fuzz lint clean report-png linkage-eval feedback-png

all: lint test build

build: $(BIN)

$(BIN): $(shell find . -name '*.go' -o -name '*.sql' -o -name '*.yaml' | grep -v '^./var/') go.mod go.sum
	$(GO) build $(GOFLAGS) -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/correlare

# Packages whose tests take seconds, not minutes: make test runs them again under the race
# detector.
RACE_PKGS := ./schedule/ ./runlock/ ./canon/ ./sources/ ./landing/

# The README's test command: formatting and vet, then every package, fuzz targets on their
# seed corpus, then the quick packages under -race.
test: lint
	$(GO) test $(GOFLAGS) -timeout 15m -count=1 ./...
	$(GO) test $(GOFLAGS) -race -timeout 10m -count=1 $(RACE_PKGS)

# Regenerate the bundled demo workbooks (deterministic: same bytes every time).
demo-data:
	$(GO) run ./demo/cmd/gendemo -dir testdata/demo -seed 1
	$(GO) run ./demo/cmd/gendemo -dir testdata/demo-heavy -seed 2 -noise heavy
	$(GO) run ./demo/cmd/gendemo -dir testdata/demo-indep -seed 3 -noise indep

# The whole nightly job on the bundled demo data; output under var/demo/.
demo: build
	@mkdir -p var/demo
	CORRELARE_EXPORT_KEY=$(DEMO_KEY) ./$(BIN) run --config testdata/demo.yaml; s=$$?; [ $$s -eq 0 ] || [ $$s -eq 3 ] || exit $$s
	./$(BIN) status --config testdata/demo.yaml -n 3
	CORRELARE_EXPORT_KEY=$(DEMO_KEY) ./$(BIN) link eval --config testdata/demo.yaml testdata/demo/truth.csv
	@echo "warehouse: var/demo/warehouse.duckdb  exports: var/demo/exports/  reports: var/demo/reports/ (open var/demo/reports/index.html)"

# Every labelled set in the repository (testdata/<set>/truth.csv with testdata/<set>.yaml),
# loaded with its config (default linkage) and scored by `link eval`; the last table is the
# README's. Warehouses under var/<set>/, run logs in var/<set>.log.
linkage-eval: build
	@mkdir -p var; : > var/linkage-eval.md
	@for t in testdata/*/truth.csv; do set=$$(basename $$(dirname $$t)); cfg=testdata/$$set.yaml; \
	  [ -f $$cfg ] || continue; echo "== $$set"; \
	  CORRELARE_EXPORT_KEY=$(DEMO_KEY) ./$(BIN) run --config $$cfg 2>var/$$set.log; s=$$?; [ $$s -eq 0 ] || [ $$s -eq 3 ] || exit $$s; \
	  ./$(BIN) link eval --config $$cfg $$t || exit 1; \
	  ./$(BIN) link eval --config $$cfg --row $$set $$t >>var/linkage-eval.md || exit 1; \
	done
	@echo; echo "| set | precision | recall | F1 | blocking recall | persons found / true | rows not loaded |"; \
	  echo "|---|---|---|---|---|---|---|"; cat var/linkage-eval.md

# Benchmarks that print the README's figures (rows/s, seconds, peak memory). First the ingest
# side by side in one run (testdata/bench/run.sh): a 200,000-row workbook written by openpyxl
# at bench time under var/bench/, our ingest on one core (taskset pins DuckDB's threads too)
# and on two, excelize's raw read and pandas.read_excel of the same file, with the ratios.
# Then the reader alone, the normalisers, and the linkage on both cores. Last, the whole
# `correlare run` over 1,000,000 generated enrolments in ten workbooks (testdata/bench/run_1m.sh).
bench:
	GO=$(GO) bash testdata/bench/run.sh
	cd sources && taskset -c 0 env GOMAXPROCS=1 $(GO) test $(GOFLAGS) -run '^$$' -bench 'SheetXML200k|XLSX200k' -benchtime 1x .
	$(GO) test $(GOFLAGS) -run '^$$' -bench 'NormaliseRow' ./canon/
	$(GO) test $(GOFLAGS) -run '^$$' -bench 'Link1M$$' -benchtime 1x -timeout 30m ./link/
	GO=$(GO) bash testdata/bench/run_1m.sh

# Fuzz every target for FUZZTIME each (default 30s).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test $(GOFLAGS) -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test $(GOFLAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $$pkg || exit 1; \
	  done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(GOFLAGS) ./...

clean:
	rm -rf bin var/demo

# Render the Cremona sheet of the demo's funder report to docs/report_cremona.png (the README's
# picture). Needs LibreOffice and poppler: apt-get install libreoffice-calc-nogui poppler-utils.
report-png: demo
	@tmp=$$(mktemp -d) && soffice --headless --convert-to pdf --outdir $$tmp var/demo/reports/rapporto_correlare.xlsx >/dev/null && \
	  n=$$(unzip -p var/demo/reports/rapporto_correlare.xlsx xl/workbook.xml | grep -o 'name="[^"]*"' | grep -n 'name="Cremona"' | cut -d: -f1) && \
	  pdftoppm -png -r 130 -f $$n -l $$n -x 85 -y 115 -W 1300 -H 430 -singlefile $$tmp/rapporto_correlare.pdf docs/report_cremona && rm -rf $$tmp

# Render the summary sheet (Riepilogo) of the demo's Mantova feedback workbook to
# docs/feedback_riepilogo.png (the README's picture). Needs LibreOffice and poppler.
feedback-png: demo
	@tmp=$$(mktemp -d) && soffice -env:UserInstallation=file://$$tmp/profile --headless --convert-to pdf --outdir $$tmp \
	  var/demo/reports/feedback/feedback_MN.xlsx >/dev/null && \
	  pdftoppm -png -r 110 -f 1 -l 1 -x 70 -y 95 -W 1150 -H 400 -singlefile $$tmp/feedback_MN.pdf docs/feedback_riepilogo && rm -rf $$tmp
