"""Speaker enrollment: quality preflight, consent check, storage with visibility rules, warm fan-out."""
