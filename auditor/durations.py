"""Durations as people write them: ``30s``, ``5m``, ``1h`` or plain seconds."""
from __future__ import annotations

_UNITS = {"s": 1, "m": 60, "h": 3600}


def seconds(text: str) -> float:
    """The duration in seconds; ValueError says what is wrong with it."""
    text = text.strip()
    try:
        value = float(text[:-1]) * _UNITS[text[-1]] if text and text[-1] in _UNITS else float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m or 1h") from None
    if value <= 0:
        raise ValueError(f"{text!r}: a duration must be positive")
    return value
