"""Business rules that write: sync runs (fetch, check, apply, record) and suppliers with their schedules."""
