"""Performance testing: load generators (``meshery.perf.loadgen``) and a loopback target server (``meshery.perf.target``)."""
