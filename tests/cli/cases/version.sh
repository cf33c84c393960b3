# --version and -V print the version of the tool and of the library.
unbake --version
unbake -V
