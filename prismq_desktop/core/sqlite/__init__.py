"""The SQLite backend (apsw): connections, schema and migrations, and its SQL."""
