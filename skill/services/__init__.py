"""Service layer: the verbs every channel calls. Each takes a unit of work and owns its transaction."""
