# Unknown short option inside a cluster.
unbake -qZ
