"""Speaker enrollment: quality preflight, consent verification, storage with visibility rules, warm fan-out."""
