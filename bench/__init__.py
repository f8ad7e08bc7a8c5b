"""On-demand benchmarks of the gateway, worker and notifier against baselines measured in the
same run (`python -m bench`); never part of the test suite."""
