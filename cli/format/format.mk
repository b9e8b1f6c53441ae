# format.mk - .dmat reader and writer, trace.dat import.
LIB_SRCS += $(wildcard cli/format/*.c)
