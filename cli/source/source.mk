# source.mk - event sources (recording file, live BPF, tracefs) and sinks.
LIB_SRCS += $(wildcard cli/source/*.c)
# trace.dat and perf.data import and the live tracefs source: event
# formats, ring-buffer pages (tracecmd.c, perfdata.c, tracedata.c,
# tpdecode.c), tracefs instances and probes (ftrace.c).
LDLIBS += -ltracefs -ltraceevent
SAN_LDLIBS += -ltracefs -ltraceevent
# libtracefs' header includes libtraceevent's by its bare name.
TRACEFS_CFLAGS := -I/usr/include/traceevent
$(BUILD)/obj/cli/source/ftrace.o $(BUILD)/san/cli/source/ftrace.o: CFLAGS += $(TRACEFS_CFLAGS)
