# engine.mk - the analysis engine: state machine, detectors, statistics.
LIB_SRCS += $(wildcard cli/engine/*.c)
