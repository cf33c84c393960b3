# mk/cli.mk -- install rules for the command-line tool's extras.
#
# `make install` also installs the bash completion; `make uninstall`
# removes it.  Included by the top-level Makefile.

.PHONY: install-completion uninstall-completion
install: install-completion
uninstall: uninstall-completion

install-completion:
	install -d $(DESTDIR)$(bashcompdir)
	install -m 0644 completions/unbake.bash $(DESTDIR)$(bashcompdir)/unbake

uninstall-completion:
	rm -f $(DESTDIR)$(bashcompdir)/unbake
