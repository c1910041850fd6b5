"""The scale test (`make test-scale`, `python -m tests.scale`): the production profile under many patrons."""
