# tools.mk - test tools that are built but not installed: dmatgen writes
# .dmat recordings from scenarios (tests, demos) or synthetic bulk (bench).
DMATGEN_SRCS := tests/tools/dmatgen.c

$(BUILD)/dmatgen: $(DMATGEN_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdmascope.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
