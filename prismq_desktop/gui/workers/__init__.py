"""The Workers tab and the embedded worker."""
