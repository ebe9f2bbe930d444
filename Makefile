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
USER_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser -I$(OUTPUT)
LDLIBS := -lbpf -lelf -lz -lmnl -lm -lncursesw -ltinfo
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Ivmlinux -Iinclude -Ibpf

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit_%,$(wildcard tests/unit/test_*.c))
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
# skeletons are inputs of every user object: keep them, or each make rebuilds all
.SECONDARY: $(OUTPUT)/vqmon.skel.h $(OUTPUT)/vqmon_fentry.skel.h
.PHONY: all deps module test vmtest demo bench install clean help

BPF_OBJS := $(OUTPUT)/vqmon.bpf.o $(OUTPUT)/vqmon_fentry.bpf.o
SKELS := $(BPF_OBJS:.bpf.o=.skel.h)

all: vqmod $(BPF_OBJS) $(VM_TEST_PROGS)

help:
	@echo 'make            build vqmod and the BPF object'
	@echo 'make deps       install the Debian packages the build and tests need'
	@echo 'make module     build vqsim.ko for the 6.12 guest kernel'
	@echo 'make test       deps, build, then every test (unit, host BPF, VM)'
	@echo 'make vmtest     only the VM tests (Debian 6.12 and 6.1 guests under QEMU)'
	@echo 'make demo       the main job on the built-in simulator'
	@echo 'make bench      side-by-side benchmarks'
	@echo 'make install    DESTDIR=... PREFIX=... (default $(PREFIX))'
	@echo 'V=1 shows the full commands.'

deps:
	$(Q)tools/deps

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c bpf/vqmon.bpf.h include/vqmon.h vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) include/vqmon.h $(wildcard include/uapi/*.h) $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

vqmod: $(USER_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# vqsim.ko, against the headers of the 6.12 kernel the VM tests boot.
VQSIM_KO := tools/vqsim/vqsim.ko
module: $(VQSIM_KO)

$(VQSIM_KO): $(wildcard tools/vqsim/*.c tools/vqsim/*.h) tools/vqsim/Kbuild include/uapi/vqsim.h
	$(call msg,MODULE,$@)
	$(Q)kdir=$$(tools/vm/kernel 6.12 | sed -n 's/^kdir=//p') && \
		$(MAKE) -s -C tools/vqsim KDIR="$$kdir" $(if $(filter 1,$(V)),V=1)

$(OUTPUT)/tests/unit_%: tests/unit/%.c tests/unit/unit.h $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/unit $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/vm/%.c include/uapi/vqsim.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $< -o $@

test: deps all module $(UNIT_TESTS)
	$(Q)tests/run

vmtest: deps all module
	$(Q)tests/run -s vm

demo: deps all module
	$(Q)tools/demo

bench: deps all module
	$(Q)tools/bench/run

install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 vqmod $(DESTDIR)$(PREFIX)/sbin/vqmod
	$(Q)install -D -m 0644 -t $(DESTDIR)$(PREFIX)/lib/vqmod $(BPF_OBJS)
	$(Q)install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man8 man/*.8
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	$(Q)sed 's|@SBINDIR@|$(PREFIX)/sbin|g' tools/systemd/vqmod.service >$(DESTDIR)$(PREFIX)/lib/systemd/system/vqmod.service
	$(Q)install -D -m 0644 tools/completion/vqmod $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vqmod
	$(Q)# an existing configuration is the admin's: keep it
	$(Q)[ -e $(DESTDIR)/etc/default/vqmod ] || install -D -m 0644 tools/systemd/vqmod.default $(DESTDIR)/etc/default/vqmod

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/*.o $(OUTPUT)/*.skel.h vqmod
