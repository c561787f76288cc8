"""Performance testing: load generators (``meshery.perf.loadgen``) and a loopback target (``meshery.perf.target``)."""
