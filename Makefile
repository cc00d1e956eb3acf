# lbkit -- plain GNU make, no configure step.
#
# Targets:
#   make              build every binary into $(O)/
#   make check        install missing build/test packages (Debian), build, run t/ with prove
#   make asan         build with AddressSanitizer + UBSan into $(O)-asan/ and run the same tests
#   make fuzz         build the libFuzzer targets in t/fuzz/ (clang) and run each for FUZZ_SECONDS
#   make bench        run the benchmarks under bench/
#   make demo         (root) the whole LoadBalancer in network namespaces: scripts/demo
#   make install      install binaries, man pages and completions under $(DESTDIR)$(PREFIX)
#   make clean
#
# Knobs (on the command line or in the environment):
#   CC=clang          compiler; gcc and clang both build warning-free
#   V=1               show the commands instead of a one-line summary
#   O=DIR             where objects and binaries go (default: build)
#   PREFIX=/usr/local DESTDIR=   installation root
#   FUZZ_SECONDS=30   how long `make fuzz` runs each target
#   PROVE_OPTS=       extra options for prove (e.g. -v)
#   T=                a subset of tests to run, e.g. T='t/t1*.sh'
#   SKIP_DEPS=1       make check does not try to install missing packages

all::

VERSION = 0.1.0
O ?= build
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/vendor-completions
FUZZ_SECONDS ?= 30
PROVE ?= prove
PROVE_OPTS ?=

# Every tool gets the same option table and libraries, so new modules and
# binaries need no Makefile edit: lib/*.c is the core, cmd/*.c one binary each.
PROGRAMS = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
SCRIPTS = $(patsubst cmd/%.sh,%,$(wildcard cmd/*.sh))
LIB_SRCS = $(wildcard lib/*.c)
UNIT_SRCS = $(wildcard t/unit/u-*.c)
FUZZ_SRCS = $(wildcard t/fuzz/fz-*.c)

PKGS = libcurl jansson libpcap popt yaml-0.1
# libcrypto: SHA-256 for lb-elect's layer 2 rank, the hash MetalLB's speaker uses.
PKGS += libcrypto
# Expanded lazily: `make check` installs pkg-config and the -dev packages first.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Diagnostics go into bounded buffers on purpose, so truncation is not a bug.
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wno-format-nonliteral $(if $(findstring clang,$(CC)),,-Wno-format-truncation)
OPT ?= -O2 -g
SAN_FLAGS ?=
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SAN_FLAGS) -MMD -MP \
             -Ilib -DLBKIT_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) -Wl,--as-needed $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

ifneq ($(V),1)
Q = @
quiet = @printf '  %-6s %s\n' $(1) $(2);
endif

LIB_OBJS = $(patsubst %.c,$(O)/%.o,$(LIB_SRCS))
LIBLBKIT = $(O)/liblbkit.a
BINS = $(addprefix $(O)/,$(PROGRAMS) $(SCRIPTS))
UNIT_BINS = $(patsubst %.c,$(O)/%,$(UNIT_SRCS))

all:: $(BINS) $(UNIT_BINS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBLBKIT): $(LIB_OBJS)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(O)/%: $(O)/cmd/%.o $(LIBLBKIT)
	$(call quiet,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBLBKIT) $(LIBS)

# The scripts get the shared supervision code pasted in at @SUPERVISE@.
$(O)/%: cmd/%.sh lib/supervise.sh
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)sed -e 's/@VERSION@/$(VERSION)/g' -e '/^@SUPERVISE@$$/{r lib/supervise.sh' -e 'd;}' \
		$< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@

$(O)/t/unit/%: $(O)/t/unit/%.o $(LIBLBKIT)
	$(call quiet,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBLBKIT) $(LIBS)

.PHONY: all check test deps fuzz-deps asan fuzz fuzz-run bench demo install clean

deps:
	$(Q)if [ -z "$(SKIP_DEPS)" ]; then scripts/install-deps; fi

# The test scripts find the binaries through LBKIT_BUILD.
T ?= t/t[0-9]*.sh
test: all
	$(Q)LBKIT_BUILD=$(abspath $(O)) $(PROVE) $(PROVE_OPTS) $(wildcard $(T)) $(if $(filter t/t[0-9]*.sh,$(T)),$(UNIT_BINS))

check: deps
	$(Q)$(MAKE) --no-print-directory test

asan: deps
	$(Q)$(MAKE) --no-print-directory test O=$(O)-asan OPT='-O1 -g -fno-omit-frame-pointer' \
		SAN_FLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

FUZZ_CC ?= clang
# WARN follows $(CC); the fuzz compiler is clang, which lacks the gcc-only flag.
FUZZ_WARN = $(filter-out -Wno-format-truncation,$(WARN))
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -O1 -g
FUZZ_BINS = $(patsubst t/fuzz/%.c,$(O)-fuzz/%,$(FUZZ_SRCS))

$(O)-fuzz/%: t/fuzz/%.c $(LIB_SRCS) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(call quiet,FUZZ,$@)$(FUZZ_CC) -std=c11 -D_GNU_SOURCE $(FUZZ_WARN) $(FUZZ_FLAGS) -Ilib \
		-DLBKIT_VERSION='"$(VERSION)"' $(PKG_CFLAGS) \
		-o $@ $< $(LIB_SRCS) $(LIBS)

fuzz-deps:
	$(Q)if [ -z "$(SKIP_DEPS)" ]; then scripts/install-deps --fuzz; fi

fuzz: fuzz-deps
	$(Q)$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); corpus=t/fuzz/corpus/$$name; \
		work=$(O)-fuzz/corpus-$$name; mkdir -p $$work; \
		echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
			$$work $$( [ -d $$corpus ] && echo $$corpus ) 2>$(O)-fuzz/$$name.log \
			|| { tail -n 40 $(O)-fuzz/$$name.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' $(O)-fuzz/$$name.log; \
	done

bench: all
	$(Q)for b in bench/*/run; do [ -x "$$b" ] || continue; \
		echo "== $$b"; LBKIT_BUILD=$(abspath $(O)) $$b || exit 1; done

# scripts/demo installs the missing packages (unless SKIP_DEPS) and builds itself.
demo:
	$(Q)LBKIT_BUILD=$(abspath $(O)) SKIP_DEPS=$(SKIP_DEPS) scripts/demo

install: all
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(Q)install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	$(Q)for m in man/*.[1-8]; do s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	$(Q)install -m 0644 completions/lbkit.bash $(DESTDIR)$(BASHCOMPDIR)/lbkit
	$(Q)for p in $(PROGRAMS) $(SCRIPTS); do ln -sf lbkit $(DESTDIR)$(BASHCOMPDIR)/$$p; done
	$(Q)install -m 0644 completions/_lbkit $(DESTDIR)$(ZSHCOMPDIR)/_lbkit

clean:
	rm -rf $(O) $(O)-asan $(O)-fuzz

-include $(shell find $(O) -name '*.d' 2>/dev/null)
