"""Container images and the engine that runs them (docs/operations.md, Deployment)."""
