"""scaiecho's HTTP routes, mounted by the host under ``/v1/modules/scaiecho``."""
