# source.mk - event sources (recording file, live BPF, tracefs) and sinks.
LIB_SRCS += $(wildcard cli/source/*.c)
# trace.dat import: event formats and ring-buffer pages (tracecmd.c).
LDLIBS += -ltraceevent
SAN_LDLIBS += -ltraceevent
