# SPDX-License-Identifier: GPL-2.0
# vqmod: the whole pipeline. `make help` lists the targets.

OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
PREFIX ?= /usr/local
DESTDIR ?=
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS ?= -O2 -g
# -MD: the headers each object read, for make and for tools/check-layers
USER_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -MD -MP -Iinclude -Iuser -I$(OUTPUT)
LDLIBS := -lbpf -lelf -lz -lmnl -lm -lncursesw -ltinfo
BPF_CFLAGS := -g -O2 -mcpu=v3 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Ivmlinux -Iinclude -Ibpf

# user/ is one folder per layer (DESIGN §3), each a static library; the
# subcommands at the top wire them. tools/check-layers holds the rules.
LAYERS := engine core monitor act show
layer_objs = $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(wildcard user/$(1)/*.c))
layer_lib = $(OUTPUT)/user/lib$(1).a
TOP_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(wildcard user/*.c))
USER_OBJS := $(TOP_OBJS) $(foreach l,$(LAYERS),$(call layer_objs,$(l)))
# the top's libraries, each before the ones it uses
USER_LIBS := $(foreach l,show act monitor engine core,$(call layer_lib,$(l)))

# Unit tests link their own layer and those below it, nothing else: the
# engine's need libc alone.
UNIT_PLAIN := uapi unit
UNIT_ENGINE := dim engine engine_guards
UNIT_CORE := sample queue history modstate atomic_file delay_hist
UNIT_SHOW := prom json
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit_%,$(wildcard tests/unit/test_*.c))
# Sources a unit test is built with beside its own: the engine's run against
# a device model written apart from the engine.
UNIT_SRCS_engine := tests/unit/devmodel.c
UNIT_SRCS_engine_guards := tests/unit/devmodel.c
# Programs the VM tests run in the guest (libc only), e.g. the vhost-vdpa driver.
VM_TEST_PROGS := $(patsubst tests/vm/%.c,$(OUTPUT)/tests/%,$(wildcard tests/vm/*.c))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all deps module ynl-gen bpftool test vmtest vmtest-vms demo bench install clean help check-layers fuzz

BPF_OBJS := $(OUTPUT)/vqmon.bpf.o $(OUTPUT)/vqmon_fentry.bpf.o $(OUTPUT)/vqmon_empty.bpf.o
SKELS := $(BPF_OBJS:.bpf.o=.skel.h)
# skeletons are inputs of the loader: keep them, or each make rebuilds it
.SECONDARY: $(SKELS)
# The monitor on its own, for bpftool prog loadall ... autoattach on a host
HOST_OBJ := $(OUTPUT)/vqmon_host.bpf.o

# Test tools the VM tests run in the guest (libc and libmnl only): the netlink
# fuzzer, and tests/vm/*.c such as the vhost-vdpa driver. Built with vqmod, so
# that make, make module and tests/run need nothing else.
TEST_TOOLS := $(OUTPUT)/tests/vqsim_nl_fuzz $(VM_TEST_PROGS)

all: vqmod $(BPF_OBJS) $(HOST_OBJ) $(TEST_TOOLS)

help:
	@echo 'make            build vqmod and the BPF object'
	@echo 'make deps       install the Debian packages the build and tests need'
	@echo 'make module     build vqsim.ko for the 6.12 guest kernel'
	@echo 'make ynl-gen    regenerate the committed files made from include/uapi/vqsim.yaml'
	@echo 'make bpftool    build bpftool 7.5 from linux-source-6.12 into .output/bpftool/ (README: bpftool alone)'
	@echo 'make test       deps, build, then every test (unit, host BPF, VM)'
	@echo 'make vmtest     only the VM tests (Debian 6.12 and 6.1 guests under QEMU)'
	@echo 'make vmtest-vms every test with KVM VMs in the 6.12 guest, the harness'\''s own (no time in CI) too'
	@echo 'make demo       the main job on the built-in simulator'
	@echo 'make bench      side-by-side benchmarks'
	@echo 'make fuzz       the engine under libFuzzer, FUZZ_RUNS=$(FUZZ_RUNS) runs (not part of make test)'
	@echo 'make install    DESTDIR=... PREFIX=... (default $(PREFIX))'
	@echo 'V=1 shows the full commands.'

deps:
	$(Q)tools/deps

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/user $(addprefix $(OUTPUT)/user/,$(LAYERS)):
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c bpf/vqmon.bpf.h include/vqmon.h vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(HOST_OBJ): bpf/vqmon.bpf.c bpf/vqmon.bpf.h include/vqmon.h vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DVQMON_HOST -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Only the monitor and the top reach the skeletons; -MD tracks every other header.
$(OUTPUT)/user/%.o: user/%.c | $(OUTPUT)/user $(addprefix $(OUTPUT)/user/,$(LAYERS))
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@
$(OUTPUT)/user/monitor/loader.o: $(SKELS)

-include $(USER_OBJS:.o=.d)

define layer_rule
$(call layer_lib,$(1)): $(call layer_objs,$(1))
	$$(call msg,AR,$$@)
	$(Q)rm -f $$@ && $(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

# A file in the wrong layer, or a layer reaching past its row, fails the build.
# The stamp lists the objects checked (tests/host/test_layers.sh reuses it).
$(OUTPUT)/layers.ok: $(USER_OBJS) tools/check-layers
	$(call msg,LAYERS,user/)
	$(Q)tools/check-layers $(OUTPUT) $(USER_OBJS) && printf '%s\n' $(USER_OBJS) > $@

check-layers: $(OUTPUT)/layers.ok

vqmod: $(TOP_OBJS) $(USER_LIBS) $(OUTPUT)/layers.ok
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(TOP_OBJS) $(USER_LIBS) $(LDLIBS) -o $@

# vqsim.ko, against the headers of the 6.12 kernel the VM tests boot.
VQSIM_KO := tools/vqsim/vqsim.ko
module: $(VQSIM_KO)

$(VQSIM_KO): $(wildcard tools/vqsim/*.c tools/vqsim/*.h) tools/vqsim/Kbuild $(wildcard include/uapi/*.h)
	$(call msg,MODULE,$@)
	$(Q)kdir=$$(tools/vm/kernel 6.12 | sed -n 's/^kdir=//p') && \
		$(MAKE) -s -C tools/vqsim KDIR="$$kdir" $(if $(filter 1,$(V)),V=1)

# The vqsim netlink family's spec, include/uapi/vqsim.yaml, makes the uapi
# enums, the module's policies and ops and the client's tables (tools/ynl-gen
# --list). They are committed, as the kernel commits its generated netlink
# code, so this is not part of the build: run it after changing the spec. It
# needs Debian's linux-source-6.12 for the kernel's YNL generator.
ynl-gen:
	$(Q)tools/ynl-gen

# bpftool 7.5, which can autoattach the host object (bookworm's 7.1 cannot),
# from Debian's kernel source: not part of the build, and never committed.
bpftool:
	$(Q)tools/bpftool >/dev/null

$(OUTPUT)/tests/vqsim_nl_fuzz: tests/fuzz/vqsim_nl_fuzz.c $(wildcard include/uapi/*.h) user/act/vqsim_nl_gen.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -MF $@.d $< -lmnl -o $@

unit_libs = $(if $(filter $(1),$(UNIT_PLAIN)),,\
	$(if $(filter $(1),$(UNIT_ENGINE)),$(call layer_lib,engine),\
	$(if $(filter $(1),$(UNIT_CORE)),$(call layer_lib,core) -lm,\
	$(if $(filter $(1),$(UNIT_SHOW)),$(call layer_lib,show) $(call layer_lib,core) -lm,\
	$(error tests/unit/test_$(1).c: say in the Makefile which layer it tests)))))
unit_deps = $(filter %.a,$(call unit_libs,$(1)))

.SECONDEXPANSION:
# (the test's own file last: its headers are the ones -MF keeps)
$(OUTPUT)/tests/unit_test_%: tests/unit/test_%.c tests/unit/unit.h $$(UNIT_SRCS_$$*) $$(call unit_deps,$$*) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -MF $@.d -Itests/unit $(UNIT_SRCS_$*) $< $(call unit_libs,$*) -o $@

-include $(UNIT_TESTS:=.d)

$(OUTPUT)/tests/%: tests/vm/%.c include/uapi/vqsim.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $< -o $@

test: deps all module $(UNIT_TESTS)
	$(Q)tests/run

vmtest: deps all module
	$(Q)tests/run -s vm

# Every VM test, with those CI's time has no room for: KVM VMs in the
# guest booted again and again, vqmod run beside them (about 25 minutes).
vmtest-vms: deps all module
	$(Q)tests/run -s vm -k 6.12-vms-full

demo: deps all module
	$(Q)tools/demo

# The controller at scale, without BPF (and a real map with --map): tools/bench/scale.c
SCALE := $(OUTPUT)/bench/scale
SCALE_OBJS := $(addprefix $(OUTPUT)/user/,controller.o run_log.o pace.o)
$(SCALE): tools/bench/scale.c $(SCALE_OBJS) $(USER_LIBS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) -MF $@.d $< $(SCALE_OBJS) $(USER_LIBS) \
		$(LDLIBS) -o $@

# Not part of CI. REPS=N rounds (default 5), QUICK=1 for 2 short ones: tools/bench/run.
bench: deps all module $(SCALE)
	$(Q)tools/bench/run

# The engine's fuzz target (tests/fuzz/fuzz_engine.c) under libFuzzer with
# ASan and UBSan, built from user/engine/ and libc alone, run to FUZZ_RUNS
# inputs. Not part of make test: in CI, tests/host/test_fuzz.sh runs the
# target for a bounded time. This has its own binary and findings (replay:
# $(FUZZ_ENGINE) FILE), so test_fuzz.sh may run meanwhile; the corpus is
# shared.
FUZZ_OUT := $(OUTPUT)/fuzz/runs
FUZZ_CORPUS := $(OUTPUT)/fuzz/corpus
FUZZ_ENGINE := $(FUZZ_OUT)/fuzz_engine
FUZZ_RUNS ?= 10000000
# Inputs this long hold dozens of operations (a steady run is one of them);
# longer ones mostly make each run slower.
FUZZ_MAX_LEN ?= 384
FUZZ_FLAGS := -g -O1 -std=gnu11 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Iinclude -Iuser

$(FUZZ_ENGINE): tests/fuzz/fuzz_engine.c $(wildcard user/engine/*.c user/engine/*.h)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(FUZZ_OUT)
	$(Q)echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' | \
		$(CLANG) -x c -fsanitize=fuzzer - -o $(FUZZ_OUT)/probe 2>/dev/null || \
		{ echo "make fuzz: $(CLANG) has no libFuzzer (install libclang-rt-14-dev)" >&2; exit 1; }
	$(Q)$(CLANG) $(FUZZ_FLAGS) tests/fuzz/fuzz_engine.c user/engine/*.c -o $@

fuzz: $(FUZZ_ENGINE)
	$(Q)mkdir -p $(FUZZ_CORPUS)
	$(call msg,FUZZ,$(FUZZ_RUNS) runs: $(FUZZ_OUT)/fuzz-runs.log)
	$(Q)$(FUZZ_ENGINE) -runs=$(FUZZ_RUNS) -max_len=$(FUZZ_MAX_LEN) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_OUT)/ $(FUZZ_CORPUS) >$(FUZZ_OUT)/fuzz-runs.log 2>&1; rc=$$?; \
		grep -E '^Done|^stat::number_of_executed_units|cov: [0-9]+ ft: [0-9]+' $(FUZZ_OUT)/fuzz-runs.log | tail -3; \
		if [ $$rc -ne 0 ] || grep -q 'runtime error' $(FUZZ_OUT)/fuzz-runs.log; then \
			grep -m1 -A12 -E '^==[0-9]+==ERROR|runtime error|deadly signal' $(FUZZ_OUT)/fuzz-runs.log; \
			ls $(FUZZ_OUT)/crash-* $(FUZZ_OUT)/leak-* $(FUZZ_OUT)/timeout-* 2>/dev/null; exit 1; fi

install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 vqmod $(DESTDIR)$(PREFIX)/sbin/vqmod
	$(Q)install -D -m 0644 -t $(DESTDIR)$(PREFIX)/lib/vqmod $(BPF_OBJS) $(HOST_OBJ)
	$(Q)install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man8 man/*.8
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	$(Q)sed 's|@SBINDIR@|$(PREFIX)/sbin|g' tools/systemd/vqmod.service >$(DESTDIR)$(PREFIX)/lib/systemd/system/vqmod.service
	$(Q)install -D -m 0644 tools/completion/vqmod $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vqmod
	$(Q)# an existing configuration is the admin's: keep it
	$(Q)[ -e $(DESTDIR)/etc/default/vqmod ] || install -D -m 0644 tools/systemd/vqmod.default $(DESTDIR)/etc/default/vqmod

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/*.o $(OUTPUT)/*.skel.h $(OUTPUT)/layers.ok vqmod
