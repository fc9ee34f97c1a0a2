"""Dialogs: enqueue, edit, bulk actions, export."""
