# frontend.mk - the programs: dmatrace (record, replay, check, export,
# serve) and dmatop.  Each program is its folder's sources linked with libdmascope.
DMATRACE_SRCS := $(wildcard cli/frontend/dmatrace/*.c)
DMATOP_SRCS := $(wildcard cli/frontend/dmatop/*.c)
PROGRAMS += $(BUILD)/dmatrace $(BUILD)/dmatop
# What every frontend shares: strings of a recording made safe to show,
# one number parser, output files that appear whole or not at all;
# CONFIG_DMA_API_DEBUG's reports read and merged (dmesg.c: in the library
# so that unit tests reach it).
LIB_SRCS += cli/frontend/textsafe.c cli/frontend/numparse.c \
	cli/frontend/outfile.c cli/frontend/dmesg.c cli/frontend/fingerprint.c

# serve's HTTP side is libevent's evhttp (static, no TLS library needed).
DMATRACE_LDLIBS := -levent_pthreads -levent_extra -levent_core
# libbpf's loads take the kernel's BTF the probe step parsed
# (cli/source/live_attach.c: __wrap_btf__load_vmlinux_btf)
LIVE_LDFLAGS := -Wl,--wrap=btf__load_vmlinux_btf
$(BUILD)/dmatrace: $(DMATRACE_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdmascope.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $(LIVE_LDFLAGS) -o $@ $^ $(DMATRACE_LDLIBS) $(LDLIBS)

$(BUILD)/dmatop: $(DMATOP_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdmascope.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $(LIVE_LDFLAGS) -o $@ $^ $(LDLIBS)
