"""The system tray: the failed count on the icon, a notification when tasks fail, a menu.

Notifications are throttled (``FailureThrottle``): failures are collected and announced
once the burst has gone quiet (or has lasted a while), and never more often than once a
minute, so a thousand failures in a few seconds are one notification that says 1,000. The
throttle is plain Python with the time passed in, so it is tested without a tray or a clock.

Where there is no system tray (``QSystemTrayIcon.isSystemTrayAvailable()`` is False, as
offscreen), the menu and the throttle still exist; only the icon is not shown.

The tray gets the shared actions (its menu) and the window it shows and hides; the open
file's session and task page come with ``attach``, status-bar lines go out through ``message``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from prismq_desktop.core import TaskQuery
from prismq_desktop.core.models import Task
from prismq_desktop.gui import settings
from prismq_desktop.gui.actions import Actions
from prismq_desktop.gui.formatting import counted
from prismq_desktop.gui.tasks.tasks_page import TasksPage
from prismq_desktop.gui.window.session import Session
from prismq_desktop.paths import resource_path

NOTIFY_KEY = "tray/notify"


class FailureThrottle:
    """Turns a stream of failed-count readings into few notifications, each with a total."""

    def __init__(self, quiet_s: float = 5.0, max_wait_s: float = 30.0,
                 min_gap_s: float = 60.0) -> None:
        self.quiet_s, self.max_wait_s, self.min_gap_s = quiet_s, max_wait_s, min_gap_s
        self.baseline: int | None = None
        self.pending = 0
        self._first = self._last = 0.0
        self._notified: float | None = None

    def reset(self) -> None:
        """A new file: its existing failures are not news."""
        self.baseline, self.pending = None, 0

    def observe(self, failed: int, now: float) -> None:
        """The failed count now; a rise is new failures (a fall is retries: the new base)."""
        if self.baseline is not None and failed > self.baseline:
            self.add(failed - self.baseline, now)
        self.baseline = failed

    def add(self, n: int, now: float) -> None:
        if n <= 0:
            return
        if not self.pending:
            self._first = now
        self.pending += n
        self._last = now

    def take(self, now: float) -> int:
        """How many failures to announce now (0: not yet, or nothing new)."""
        if not self.pending:
            return 0
        settled = now - self._last >= self.quiet_s or now - self._first >= self.max_wait_s
        rested = self._notified is None or now - self._notified >= self.min_gap_s
        if not (settled and rested):
            return 0
        count, self.pending, self._notified = self.pending, 0, now
        return count


def tray_icon(failed: int) -> QIcon:
    """The app icon with a red badge holding the failed count (none when zero)."""
    pixmap = QPixmap(str(resource_path("icons", "prismq-desktop-64.png")))
    if pixmap.isNull():  # a broken install still gets an icon
        pixmap = QPixmap(64, 64)
        pixmap.fill(QColor("#2f6fdb"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if failed > 0:
        text = str(failed) if failed < 100 else "99+"
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#d9362b"))
        badge = QRectF(26 if len(text) < 3 else 18, 28, 38 if len(text) < 3 else 46, 36)
        painter.drawRoundedRect(badge, 18, 18)
        painter.setPen(QColor("white"))
        painter.setFont(QFont("Sans", 17 if len(text) < 3 else 14, QFont.Weight.Bold))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return QIcon(pixmap)


class Tray(QObject):
    #: A line for the status bar (the notification, where there is no tray to show it).
    message = Signal(str)

    def __init__(self, named: Actions, window: QWidget,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.window = window
        self.clock = clock
        self.session: Session | None = None
        self.page: TasksPage | None = None
        self.throttle = FailureThrottle()
        self.failed = 0
        self.notifications: list[tuple[str, str]] = []
        self.show_hide = QAction("Hide window", self, objectName="trayShowHide")
        self.show_hide.triggered.connect(self.toggle_window)
        self.menu = self._menu(named)
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(tray_icon(0), self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
            self.icon.messageClicked.connect(self.show_failed)
            self.icon.show()
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self.flush)
        self._timer.start()
        self._show_count()

    def _menu(self, named: Actions) -> QMenu:
        menu = QMenu(self.window)
        menu.setObjectName("trayMenu")
        menu.addAction(self.show_hide)
        menu.addSeparator()
        menu.addActions([named["pause"], named["workerToggle"], named["notify"]])
        menu.addSeparator()
        menu.addAction(named["quit"])
        menu.aboutToShow.connect(self._update_show_hide)
        return menu

    @staticmethod
    def notifications_enabled() -> bool:
        return bool(settings.value(NOTIFY_KEY, True, bool))

    def attach(self, session: Session, page: TasksPage) -> None:
        """Follow a newly opened file's counts (its old failures are not announced)."""
        self.throttle.reset()
        self.session, self.page = session, page
        page.counts_changed.connect(self.set_counts)

    def set_counts(self, counts: dict[str, int]) -> None:
        self.failed = int(counts.get("failed", 0))
        self.throttle.observe(self.failed, self.clock())
        self._show_count()

    def _show_count(self) -> None:
        tip = f"PrismQ Desktop — {counted(self.failed, 'task')} failed"
        if self.icon is not None:
            self.icon.setIcon(tray_icon(self.failed))
            self.icon.setToolTip(tip)

    def flush(self, now: float | None = None) -> None:
        """Announce the failures the throttle lets through now (the timer calls this)."""
        count = self.throttle.take(self.clock() if now is None else now)
        if count and self.notifications_enabled():
            self._read_latest(count)

    def _read_latest(self, count: int) -> None:
        session = self.session
        if session is None:
            return
        latest = TaskQuery(statuses=("failed",), sort="finished")
        session.reader.submit(lambda q: q.list(latest, 0, 1), lambda tasks: self.notify(
            count, tasks[0] if tasks else None), lambda _exc: self.notify(count, None))

    def notify(self, count: int, latest: Task | None) -> None:
        title = f"{counted(count, 'task')} failed"
        text = "Click to show the failed tasks."
        if latest is not None:
            error = (latest.error_message or "").strip().splitlines()[:1]
            text = f"Latest: #{latest.id} {latest.type}" + (f" — {error[0][:120]}" if error
                                                           else "") + "\n" + text
        self.notifications.append((title, text))
        if self.icon is not None:
            self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 10_000)
        else:
            self.message.emit(f"{title}. {text.splitlines()[0]}")

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self._raise_window()

    def show_failed(self) -> None:
        """A click on the notification: the window, filtered to the failed tasks."""
        self._raise_window()
        if self.page is not None:
            self.page.sidebar.select_status("failed")

    def _raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def _update_show_hide(self) -> None:
        shown = self.window.isVisible() and not self.window.isMinimized()
        self.show_hide.setText("Hide window" if shown else "Show window")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_window()

    def close(self) -> None:
        self._timer.stop()
        if self.icon is not None:
            self.icon.hide()
