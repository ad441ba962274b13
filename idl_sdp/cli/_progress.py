"""Progress output of ``idl-sdp fit``: the per-round table and the ``reg="auto"`` search."""
from __future__ import annotations

from typing import Any, Dict, Sequence, TextIO, Tuple


def _fmt_seconds(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else "-"


def _fmt(x: Any, spec: str = ".6g") -> str:
    return format(x, spec) if isinstance(x, (int, float)) else "-"


def _status_text(record: Dict[str, Any]) -> str:
    status = str(record.get("solver_status", "-"))
    if any(k.endswith("_fallback") for k in record):
        status += " (fallback)"
    return status


_COLUMNS = ("round", "J", "X-step s", "Θ-step s", "status", "‖D‖₂")


def _row(record: Dict[str, Any], total: int) -> Tuple[str, ...]:
    return (f"{record.get('round', '?')}/{total}", _fmt(record.get("J"), ".6e"),
            _fmt_seconds(record.get("x_step_seconds")),
            _fmt_seconds(record.get("theta_step_seconds")), _status_text(record),
            _fmt(record.get("norm2_D"), ".4f"))


class _PlainProgress:
    """One line per round on a stream (used when it is not a terminal or rich is absent)."""

    widths = (8, 13, 9, 9, 10, 7)

    def __init__(self, stream: TextIO, total: int):
        self.stream, self.total, self.count = stream, total, 0
        self._line(_COLUMNS)

    def _line(self, cells: Sequence[str]) -> None:
        text = "  ".join(c.rjust(w) if k in (0, 1, 2, 3, 5) else c.ljust(w)
                         for k, (c, w) in enumerate(zip(cells, self.widths)))
        print(text.rstrip(), file=self.stream, flush=True)

    def update(self, record: Dict[str, Any]) -> None:
        self.count += 1
        self._line(_row(record, self.total))

    def close(self) -> None:
        pass


class _RichProgress:
    """A live table (rich) on a terminal."""

    def __init__(self, stream: TextIO, total: int):
        from rich.console import Console
        from rich.live import Live
        from rich.table import Table

        self._Table, self.total, self.count, self.rows = Table, total, 0, []
        self.live = Live(self._table(), console=Console(file=stream), auto_refresh=False)
        self.live.start()

    def _table(self):
        table = self._Table(title="idl-sdp fit")
        for k, name in enumerate(_COLUMNS):
            table.add_column(name, justify="left" if k == 4 else "right")
        for row in self.rows:
            table.add_row(*row)
        return table

    def update(self, record: Dict[str, Any]) -> None:
        self.count += 1
        self.rows.append(_row(record, self.total))
        self.live.update(self._table(), refresh=True)

    def close(self) -> None:
        self.live.stop()


def _make_progress(stream: TextIO, total: int):
    """A rich live table when ``stream`` is a terminal and rich is installed, else lines."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        try:
            return _RichProgress(stream, total)
        except ImportError:
            pass
    return _PlainProgress(stream, total)


class _NoProgress:
    count = 0

    def update(self, record: Dict[str, Any]) -> None:
        self.count += 1

    def close(self) -> None:
        pass
