"""The banner's note while the queue's server is unreachable (issue 14): shown when a read
finds the connection lost, gone when a poll reaches the server again. The session keeps
polling with a backoff meanwhile, so the window recovers without a restart."""

from __future__ import annotations

from PySide6.QtCore import QObject

from prismq_desktop.gui.window.banner import Banner
from prismq_desktop.gui.window.session import Session
from prismq_desktop.gui.window.status_bar import StatusBar

LOST_NOTE = "Lost the connection to the PostgreSQL server — retrying…"
BACK_NOTE = "Connected to the PostgreSQL server again"


class ConnectionNote(QObject):
    """Wires one session's connection signals to the banner (it dies with the session)."""

    def __init__(self, session: Session, banner: Banner, bar: StatusBar) -> None:
        super().__init__(session)
        self.banner = banner
        self.bar = bar
        session.connection_lost.connect(self._lost)
        session.reconnected.connect(self._back)

    def _lost(self, reason: str) -> None:
        # Not closable: it goes by itself when the server is back.
        self.banner.show_message(LOST_NOTE, "warning", details=reason, closable=False)

    def _back(self) -> None:
        if self.banner.text.text() == LOST_NOTE:
            self.banner.hide()
        self.bar.flash(BACK_NOTE)
