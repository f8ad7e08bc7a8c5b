"""One-off probes behind the findings of docs/performance-history.md, each run on its own as
`python -m bench.probes.<name>`; `python -m bench` runs none of them."""
