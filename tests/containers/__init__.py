"""The composed stack in containers (`make test-containers`; not part of `make test`)."""
