"""The load and fault suite (``make loadtest``): see bench/loadtest/README.md."""
