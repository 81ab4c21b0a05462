# elfsynth: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing first (`make toolchains`).

GO       ?= go
ELFSYNTH := bin/elfsynth
# Debian packages: the GNU tools of every target (from the arches table), then
# the other linkers and elfutils. lld-19 is the lld golden files pin (plain
# "lld"), lld-22 the newest Debian 12 has; other lld-NN are picked up when
# present, and EXTRA_PACKAGES adds some (CI: EXTRA_PACKAGES=lld-16).
LLDS     ?= lld-19 lld-22
EXTRA_PACKAGES ?=
PACKAGES  = $(shell $(GO) run ./cmd/elfsynth packages) $(LLDS) mold elfutils $(EXTRA_PACKAGES)
FUZZTIME ?= 20s

.PHONY: all build toolchains demo test test-long golden bench fuzz kernel-fixtures clean

all: build

build:
	$(GO) build -o $(ELFSYNTH) ./cmd/elfsynth

# toolchains installs the missing Debian packages when run as root and prints
# the apt-get line otherwise.
toolchains:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "toolchains: all installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "toolchains: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "toolchains: missing; run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; fi

# demo reproduces the founding case (empty_zero_page padding) on every
# target, linker and page size.
demo: toolchains build
	$(ELFSYNTH) repro zero-page --arch all --linker all --page-size all

# test runs every test with -short (the few slow, large-input cases are
# test-long's): under the race detector in the packages that start
# goroutines, without it in the sequential readers and the golden harness,
# where it finds nothing and takes twice as long; then another module's test
# written against the library as a user would. The two halves run side by side.
SEQUENTIAL = /golden$$|/ldrun/(layout|region|report)$$
test: toolchains
	$(GO) vet ./...
	@pkgs=$$($(GO) list ./...); \
	$(GO) test -short $$(echo "$$pkgs" | grep -E '$(SEQUENTIAL)') & plain=$$!; \
	$(GO) test -race -short $$(echo "$$pkgs" | grep -vE '$(SEQUENTIAL)'); race=$$?; \
	wait $$plain; plain=$$?; test $$race = 0 && test $$plain = 0
	cd golden/testdata/extmod && $(GO) test ./...

test-long: toolchains
	$(GO) test -race ./...

# golden rewrites every golden file from the linkers installed here: the
# golden harness's (golden/testdata), the diff command's
# (cmd/elfsynth/testdata/diff) and the external module's.
golden: toolchains
	$(GO) test ./golden/ -run Golden -update
	$(GO) test ./cmd/elfsynth/ -run Diff -update
	cd golden/testdata/extmod && $(GO) test ./... -update

# kernel-fixtures rebuilds the real-kernel test data in
# internal/kfixtures/testdata from Debian's linux-source-6.1: tinyconfig
# kernels for x86_64 and arm64 in three variants, and preprocessed linker
# scripts for five targets. It takes tens of minutes on 2 cores.
kernel-fixtures:
	internal/kfixtures/build.sh

# bench prints the raw benchmarks, then one report of the ratios issue 7
# aims at (synthesis vs GNU as, link vs the bare linker, the zero-page
# matrix vs its bare-link floor, the matrix's peak memory).
bench: toolchains build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./internal/benchreport/report -bin $(ELFSYNTH)

fuzz:
	$(GO) test ./synth/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./synth/ -run '^$$' -fuzz '^FuzzObjects$$' -fuzztime $(FUZZTIME)
	$(GO) test ./ldrun/layout/ -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME)
	$(GO) test ./ldrun/ -run '^$$' -fuzz '^FuzzLinkScenario$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/decode/ -run '^$$' -fuzz '^FuzzAddressComputed$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
