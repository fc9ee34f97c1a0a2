"""The Tasks page: table, sidebar, detail panel and log."""
