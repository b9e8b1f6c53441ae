# kmod/kmod.mk - builds vdmac.ko and vdmac_leak.ko out of tree with Kbuild,
# against the Debian kernel whose headers linux-headers-amd64 depends on
# (KDIR= builds against another tree, e.g. one with CONFIG_DMA_API_DEBUG).
# The sources are copied to $(BUILD)/kmod so objects never land in kmod/;
# Kbuild lists the objects (the harness, the scenarios by finding area).
#
#   make kmod                    -> $(BUILD)/kmod/vdmac.ko, vdmac_leak.ko
#   make kmod KDIR=/path/to/tree

KMOD_ABI := $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
	sed -n 's/.*linux-headers-\([0-9][^ ]*\)-amd64.*/\1/p')
KMOD_RELEASE := $(KMOD_ABI)-amd64
KDIR ?= $(firstword $(wildcard /lib/modules/$(KMOD_RELEASE)/build) \
	/usr/src/linux-headers-$(KMOD_RELEASE))
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h) kmod/Kbuild
KMOD_OUT := $(BUILD)/kmod
VDMAC_KO := $(KMOD_OUT)/vdmac.ko
VDMAC_LEAK_KO := $(KMOD_OUT)/vdmac_leak.ko
EDU_DMA_KO := $(KMOD_OUT)/edu_dma.ko
ACME_DMA_KO := $(KMOD_OUT)/acme_dma.ko
KMODS := $(VDMAC_KO) $(VDMAC_LEAK_KO) $(EDU_DMA_KO) $(ACME_DMA_KO)

.PHONY: kmod
kmod: $(KMODS)

# One Kbuild run makes every module (a grouped target: either missing rebuilds).
$(KMODS) &: $(KMOD_SRCS)
	$(call msg,KBUILD,$(KMOD_OUT))
	$(Q)test -d "$(KDIR)" || { echo "kmod: no kernel tree at KDIR='$(KDIR)' (make deps installs linux-headers-amd64)" >&2; exit 1; }
	$(Q)mkdir -p $(KMOD_OUT)
	@# a copy of kmod/ as it is now: no source a rename left behind
	$(Q)rm -f $(KMOD_OUT)/*.c $(KMOD_OUT)/*.h
	$(Q)cp $(KMOD_SRCS) $(KMOD_OUT)/
	$(Q)$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_OUT)) modules \
		$(if $(filter 0,$(V)),>$(abspath $(KMOD_OUT))/build.log || { cat $(abspath $(KMOD_OUT))/build.log; exit 1; })
	@# the top Makefile includes every *.d below $(BUILD): not Kbuild's
	$(Q)find $(KMOD_OUT) -name '.*.d' -delete

# checkpatch.pl: from KDIR when the tree has one (a full source tree), else
# unpacked from Debian's linux-source tarball (linux-headers has none).
KMOD_SRC_TARBALL := $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz)))
CHECKPATCH ?= $(firstword $(wildcard $(KDIR)/scripts/checkpatch.pl) \
	$(if $(KMOD_SRC_TARBALL),$(BUILD)/checkpatch/checkpatch.pl))
CHECKPATCH_FLAGS := --no-tree --terse --show-types

$(BUILD)/checkpatch/checkpatch.pl: $(KMOD_SRC_TARBALL)
	$(call msg,UNPACK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tar -xJf $< -C $(@D) --strip-components=2 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	$(Q)touch $@

.PHONY: check-kmod-style
check-kmod-style: $(filter $(BUILD)/%,$(CHECKPATCH))
	$(Q)if [ -z "$(CHECKPATCH)" ]; then \
		echo "check-style: no checkpatch.pl (install linux-source-6.1)" >&2; exit 1; fi
	$(Q)$(CHECKPATCH) $(CHECKPATCH_FLAGS) --file $(filter-out kmod/vdmac_compat.h,$(wildcard kmod/*.c kmod/*.h))
	@# The one place that tests kernel versions (checkpatch objects to any).
	$(Q)$(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		--file kmod/vdmac_compat.h
