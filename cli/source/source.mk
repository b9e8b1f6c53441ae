# source.mk - event sources (recording file, live BPF, tracefs) and sinks.
LIB_SRCS += $(wildcard cli/source/*.c)
