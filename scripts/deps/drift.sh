# Drift: scipy and numpy are the oracle of internal/drift's statistics;
# pandas reads the CSVs in the peer that scripts/bench_drift.sh times
# against `slipway drift` (all Debian's, for /usr/bin/python3).
REGISTRY_PACKAGES+=(python3-scipy:/usr/bin/python3 python3-numpy:/usr/bin/python3 python3-pandas:/usr/bin/python3)
