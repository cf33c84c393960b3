# mk/cli.mk -- the command-line tool's extras, included by the top-level
# Makefile.
#
# - `make install` also installs the bash completion; `make uninstall`
#   removes it.
# - $(B)/libunbake.pc is rebuilt when PREFIX, libdir, includedir or the
#   version change, not only when libunbake.pc.in does: the values it was
#   made with are kept in $(B)/libunbake.pc.vars, rewritten (and so made
#   newer than the .pc) only when they differ.  This runs while make reads
#   its makefiles, so `make -q` stays quiet when nothing changed.

.PHONY: install-completion uninstall-completion
install: install-completion
uninstall: uninstall-completion

install-completion:
	install -d $(DESTDIR)$(bashcompdir)
	install -m 0644 completions/unbake.bash $(DESTDIR)$(bashcompdir)/unbake

uninstall-completion:
	rm -f $(DESTDIR)$(bashcompdir)/unbake

UB_PC_VARS := prefix=$(PREFIX) libdir=$(libdir) includedir=$(includedir) version=$(VERSION)
UB_PC_STAMP := $(B)/libunbake.pc.vars
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(shell mkdir -p '$(B)' && { [ "$$(cat '$(UB_PC_STAMP)' 2>/dev/null)" = '$(UB_PC_VARS)' ] || \
    printf '%s\n' '$(UB_PC_VARS)' > '$(UB_PC_STAMP)'; })
endif
$(B)/libunbake.pc: $(UB_PC_STAMP)
$(UB_PC_STAMP):
	@mkdir -p $(dir $@)
	printf '%s\n' '$(UB_PC_VARS)' > $@

# `make valgrind`: the tool under valgrind on a few inputs (CI runs it).
.PHONY: valgrind
valgrind: all
	@bash tests/cli/valgrind.sh $(B)
