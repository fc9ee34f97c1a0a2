"""Every action of the main window, with its shortcut, tip and object name, in one table.

Menus, the toolbar and context menus share these objects, so enabling one (and the reason in
its tooltip when it is disabled) shows the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QWidget

Key = QKeySequence.StandardKey
#: name -> (text, shortcut, tip, checkable)
SPECS: dict[str, tuple[str, QKeySequence.StandardKey | str, str, bool]] = {
    "open": ("&Open…", Key.Open, "Open a queue file", False),
    "new": ("&New queue file…", Key.New, "Create an empty queue file", False),
    "quit": ("&Quit", Key.Quit, "Close PrismQ Desktop", False),
    "enqueue": ("&Enqueue…", "Ctrl+E", "Enqueue a new task", False),
    "duplicate": ("&Duplicate…", "Ctrl+D", "Enqueue a copy of the selected task", False),
    "cancel": ("&Cancel tasks", "Del", "Cancel the selected tasks", False),
    "retry": ("&Retry tasks", "Ctrl+R", "Retry the selected tasks", False),
    "copy": ("Copy &rows", Key.Copy, "Copy the selected rows as text", False),
    "edit": ("&Edit task…", "F2", "Change a waiting task's priority, run time, attempts or JSON",
             False),
    "copyJson": ("Copy task as &JSON", "Ctrl+Shift+C", "Copy the task with its log as JSON",
                 False),
    "exportTask": ("Export task with &log…", "", "Save the task with its whole log as JSON",
                   False),
    "bulkCancel": ("&Cancel all matching…", "Ctrl+Shift+Del",
                   "Cancel every waiting or running task the current filter matches", False),
    "bulkRetry": ("&Retry all matching…", "Ctrl+Shift+R",
                  "Retry every failed or cancelled task the current filter matches", False),
    "bulkPriority": ("Set &priority of all matching…", "",
                     "Give every waiting task the filter matches a new priority", False),
    "bulkRunNow": ("Run all matching &now…", "",
                   "Make every scheduled task the filter matches runnable now", False),
    "bulkDelete": ("&Delete all matching finished…", "",
                   "Delete every finished task the filter matches, with its log", False),
    "requeueStuck": ("Re&queue stuck tasks…", "",
                     "Requeue tasks whose lease expired or whose worker went silent", False),
    "exportFilter": ("E&xport matching tasks…", "Ctrl+Shift+E",
                     "Write every task the current filter matches to CSV or JSON Lines", False),
    "palette": ("Command &palette…", "Ctrl+K", "Find and run any command", False),
    "notify": ("&Notify when tasks fail", "", "Desktop notifications for new failures", True),
    "find": ("&Find…", Key.Find, "Search the tasks", False),
    "refresh": ("Re&fresh", Key.Refresh, "Re-read the visible tasks now", False),
    "pause": ("&Pause live updates", "Ctrl+Shift+P", "Stop following changes", True),
    "workerToggle": ("Start &worker", "F9", "Start the embedded worker", True),
    "serveApi": ("Serve &API", "", "Serve this queue over HTTP (PrismQ's queue API)", True),
    "resetColumns": ("Reset &columns", "", "Show every column at its default width", False),
    "tabTasks": ("&Tasks", "Ctrl+1", "Show the task table", False),
    "tabStats": ("&Stats", "Ctrl+2", "Show the charts", False),
    "tabWorkers": ("W&orkers", "Ctrl+3", "Show the workers", False),
    "nextTheme": ("Next &theme", "Ctrl+Shift+T", "Switch between system, light and dark", False),
    "about": ("&About PrismQ Desktop", "F1", "Version and SQLite version", False),
}
THEME_TEXT = {"system": "&System", "light": "&Light", "dark": "&Dark"}
#: Actions whose shortcut works only inside the widget they are added to (not the window).
LOCAL = ("copy",)
#: Actions that write to the file: disabled, with the reason, on a read-only file.
WRITES = ("enqueue", "duplicate", "cancel", "retry", "workerToggle", "edit", "bulkCancel",
          "bulkRetry", "bulkPriority", "bulkRunNow", "bulkDelete", "requeueStuck")


@dataclass
class Actions:
    by_name: dict[str, QAction]
    themes: QActionGroup

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def disable(self, name: str, reason: str) -> None:
        """Disable with the reason in the tooltip (menus and toolbar show it)."""
        action = self.by_name[name]
        action.setEnabled(False)
        action.setToolTip(f"{SPECS[name][2]} — unavailable: {reason}")

    def enable(self, name: str, enabled: bool = True) -> None:
        action = self.by_name[name]
        action.setEnabled(enabled)
        action.setToolTip(SPECS[name][2])


def build(parent: QWidget) -> Actions:
    actions: dict[str, QAction] = {}
    for name, (text, shortcut, tip, checkable) in SPECS.items():
        action = QAction(text, parent)
        action.setObjectName(f"{name}Action")
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        if name not in LOCAL:
            parent.addAction(action)
        actions[name] = action
    group = QActionGroup(parent)
    for mode, text in THEME_TEXT.items():
        action = QAction(text, parent, checkable=True, objectName=f"theme_{mode}")
        action.setData(mode)
        group.addAction(action)
    return Actions(actions, group)
