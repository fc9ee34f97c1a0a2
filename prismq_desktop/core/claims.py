"""What a worker asks for when it claims, and PrismQ's retry backoff: the same on every backend."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prismq_desktop.core.errors import ValidationError

#: Claim orders: oldest first, newest first, priority (lower number first, then oldest),
#: and a priority-weighted draw in which urgent tasks win more often and none starve.
STRATEGIES = ("fifo", "lifo", "priority", "weighted_random")
#: What a worker uses unless told otherwise: priority, as the PrismQ backend's worker (DESIGN §6).
DEFAULT_STRATEGY = "priority"
#: The strategies in a user's words (the worker's --help and the GUI's strategy box).
STRATEGY_HELP = ("priority (lower number first, then oldest; the default, as PrismQ's worker), "
                 "fifo (oldest first), lifo (newest first), weighted_random (lower numbers more "
                 "often, none starve)")
BACKOFF_INITIAL, BACKOFF_CAP, BACKOFF_JITTER = 1.0, 300.0, 0.1


def check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise ValidationError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    return strategy


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    """PrismQ's backoff: 1 s doubling per attempt, capped at 300 s, ±10 % jitter."""
    base = min(BACKOFF_CAP, BACKOFF_INITIAL * 2.0 ** max(attempts - 1, 0))
    jitter: float = (rng or random).uniform(1 - BACKOFF_JITTER, 1 + BACKOFF_JITTER)
    return base * jitter


@dataclass(frozen=True)
class ClaimFilter:
    """What a worker may take: its strategy, task types (None: any) and capabilities, which a
    task's compatibility must match (core/compat.py; none declared: only tasks asking none)."""

    strategy: str = DEFAULT_STRATEGY
    types: Sequence[str] | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)

    @property
    def nothing(self) -> bool:
        """An empty list of types: the worker can take nothing, so no claim is tried."""
        return self.types is not None and not self.types
