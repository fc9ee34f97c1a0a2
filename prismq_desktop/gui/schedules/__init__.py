"""The Schedules tab, the add/edit dialog, and the paused-type toggle (DESIGN §14)."""
