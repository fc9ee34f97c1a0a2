"""Controls of the embedded worker: concurrency, strategy and (in the Workers tab) the task
types it may claim and the capabilities it offers. Every copy follows the worker, so the
toolbar and the tab agree."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSpinBox,
    QToolButton,
    QWidget,
)

from prismq_desktop.core import STRATEGIES, compat
from prismq_desktop.core.claims import STRATEGY_HELP
from prismq_desktop.gui.workers.embedded_worker import EmbeddedWorker, handler_types

MAX_THREADS = 64
ALL_TYPES = "All types it has handlers for"


class TypesButton(QToolButton):
    """A drop-down of check boxes: every handler type, or only the ones ticked."""

    def __init__(self, worker: EmbeddedWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="workerTypes")
        self.worker = worker
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setMenu(QMenu(self))
        self.menu().aboutToShow.connect(self._fill)
        self.sync()

    def _fill(self) -> None:
        menu = self.menu()
        menu.clear()
        chosen = self.worker.types
        every = QAction(ALL_TYPES, menu, checkable=True, checked=chosen is None)
        every.triggered.connect(lambda: self.worker.set_types(None))
        menu.addAction(every)
        menu.addSeparator()
        for kind in sorted(set(handler_types()) | set(chosen or ())):
            action = QAction(kind, menu, checkable=True,
                             checked=chosen is None or kind in chosen)
            action.toggled.connect(lambda on, k=kind: self.set_type(k, on))
            menu.addAction(action)

    def set_type(self, kind: str, on: bool) -> None:
        """Tick or untick one type (unticking from "all" keeps every other handler type)."""
        current = set(self.worker.types if self.worker.types is not None else handler_types())
        current = current | {kind} if on else current - {kind}
        self.worker.set_types(None if current == set(handler_types()) else tuple(current))

    def sync(self) -> None:
        types = self.worker.types
        if types is None:
            self.setText("all types")
            self.setToolTip("The worker claims every task type it has a handler for; "
                            "click to limit it to some")
        else:
            self.setText(f"{len(types)} type{'' if len(types) == 1 else 's'}")
            self.setToolTip("The worker claims only: " + (", ".join(types) or "(none)"))


class CapabilitiesEdit(QLineEdit):
    """What the embedded worker offers, as ``worker --capability`` takes it: KEY=VALUE pairs
    (or a JSON object). A bad entry is refused in place, saying why; the worker keeps its own."""

    HELP = ("What the embedded worker offers, e.g. gpu=true region=eu (or a JSON object). It "
            "claims only tasks whose compatibility asks for no more; empty: only tasks that "
            "ask for nothing. Enter applies it (a running worker restarts).")

    def __init__(self, worker: EmbeddedWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="workerCapabilities")
        self.worker = worker
        self.setPlaceholderText("capabilities, e.g. gpu=true")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(220)
        self.editingFinished.connect(self.apply)
        self.sync()

    def apply(self) -> None:
        try:
            offers = compat.capabilities_from_text(self.text())
        except ValueError as exc:
            self.setStyleSheet("QLineEdit { border: 1px solid #d13438; }")
            self.setToolTip(f"Not applied: {exc}\n\n{self.HELP}")
            return
        self.worker.set_capabilities(offers)
        self.sync()

    def sync(self) -> None:
        self.setStyleSheet("")
        self.setText(compat.describe(self.worker.capabilities))
        self.setToolTip(self.HELP)


class WorkerControls(QWidget):
    def __init__(self, worker: EmbeddedWorker, parent: QWidget | None = None,
                 with_types: bool = False) -> None:
        super().__init__(parent)
        self.worker = worker
        self.threads = QSpinBox(objectName="workerConcurrency", suffix=" threads")
        self.threads.valueChanged.connect(self._agree)
        self.threads.setRange(1, MAX_THREADS)
        self.threads.setToolTip("How many tasks the embedded worker runs at once")
        self.strategy = QComboBox(objectName="workerStrategy")
        self.strategy.addItems(STRATEGIES)
        self.strategy.setToolTip(f"Which queued task the worker claims next: {STRATEGY_HELP}")
        self.types = TypesButton(worker) if with_types else None
        self.capabilities = CapabilitiesEdit(worker) if with_types else None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.threads)
        layout.addWidget(QLabel("strategy"))
        layout.addWidget(self.strategy)
        if self.types is not None:
            layout.addWidget(self.types)
        if self.capabilities is not None:
            layout.addWidget(self.capabilities)
        self.sync()
        self.threads.valueChanged.connect(worker.set_concurrency)
        self.strategy.currentTextChanged.connect(worker.set_strategy)
        worker.options_changed.connect(self.sync)

    def _agree(self, n: int) -> None:
        """"1 thread", "3 threads"."""
        self.threads.setSuffix(" thread" if n == 1 else " threads")

    def sync(self) -> None:
        """Show the worker's current options (set here, in another copy, or from settings)."""
        for widget in (self.threads, self.strategy):
            widget.blockSignals(True)
        self.threads.setValue(self.worker.concurrency)
        self.strategy.setCurrentText(self.worker.strategy)
        for widget in (self.threads, self.strategy):
            widget.blockSignals(False)
        self._agree(self.threads.value())  # its signal was blocked above
        if self.types is not None:
            self.types.sync()
        if self.capabilities is not None and not self.capabilities.hasFocus():
            self.capabilities.sync()
