"""The main window and what frames it: menus, tray, status bar, opening files."""
