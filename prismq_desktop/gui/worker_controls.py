"""Toolbar controls of the embedded worker: concurrency and strategy beside its toggle."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from prismq_desktop.gui.embedded_worker import STRATEGIES, EmbeddedWorker

MAX_THREADS = 64


class WorkerControls(QWidget):
    def __init__(self, worker: EmbeddedWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.threads = QSpinBox(objectName="workerConcurrency", suffix=" threads")
        self.threads.setRange(1, MAX_THREADS)
        self.threads.setValue(worker.concurrency)
        self.threads.setToolTip("How many tasks the embedded worker runs at once")
        self.strategy = QComboBox(objectName="workerStrategy")
        self.strategy.addItems(STRATEGIES)
        self.strategy.setCurrentText(worker.strategy)
        self.strategy.setToolTip("Which queued task the worker claims next")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.threads)
        layout.addWidget(QLabel("strategy"))
        layout.addWidget(self.strategy)
        self.threads.valueChanged.connect(worker.set_concurrency)
        self.strategy.currentTextChanged.connect(worker.set_strategy)

