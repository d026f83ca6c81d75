"""How figures read: a change against the previous period and a duration, the same on the overview, the
analytics page and in the weekly e-mail."""

from dataclasses import dataclass

POINTS = "п.п."


@dataclass(frozen=True)
class Trend:
    """A figure against the previous period: ``direction`` is up/down/flat, ``percent`` is None without a base
    (nothing to compare with), ``good`` says whether the change is for the better."""

    direction: str
    percent: int | None
    good: bool | None
    text: str  # for screen readers and the plain-text e-mail
    unit: str = "%"

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼"}.get(self.direction, "—")

    @property
    def short(self) -> str:
        """«+12 %», «−3 п.п.», «новое» (nothing before); "" when nothing changed or nothing to compare."""
        if self.direction == "flat":
            return ""
        if self.percent is None:
            return "новое"
        return f"{'+' if self.direction == 'up' else '−'}{self.percent}\u00a0{self.unit}"


def trend(current: float | None, previous: float | None, *, lower_is_better: bool = False,
          unit: str = "%") -> Trend:
    """The change from ``previous`` to ``current``; ``unit`` "п.п." compares percentages by their difference."""
    if current is None or previous is None:
        return Trend("flat", None, None, "не с чем сравнить", unit)
    if unit == POINTS:
        change = round(current - previous, 1)
        if change == 0:
            return Trend("flat", 0, None, "без изменений", unit)
        word = "рост" if change > 0 else "снижение"
        good = (change < 0) if lower_is_better else (change > 0)
        return Trend("up" if change > 0 else "down", round(abs(change)), good,
                     f"{word} на {decimal(abs(change))} п.п.", unit)
    if previous == 0:
        if current == 0:
            return Trend("flat", 0, None, "без изменений", unit)
        return Trend("up", None, not lower_is_better, "рост: в прошлом периоде было 0", unit)
    percent = round(100 * (current - previous) / previous)
    if percent == 0:
        return Trend("flat", 0, None, "без изменений", unit)
    good = (percent < 0) if lower_is_better else (percent > 0)
    return Trend("up" if percent > 0 else "down", abs(percent), good,
                 f"{'рост' if percent > 0 else 'снижение'} на {abs(percent)} %", unit)


def decimal(value: float) -> str:
    """A figure the Russian way: 37,5 (not 37.5), no trailing zeros."""
    return f"{value:g}".replace(".", ",")


def duration_text(seconds: float | None) -> str:
    """«40 с», «3 мин 20 с» (under ten minutes the seconds still matter), «25 мин», «1 ч 5 мин», «2 дн 4 ч»;
    «—» when there is nothing to show."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} с"
    minutes, rest = divmod(seconds, 60)
    if minutes < 10 and rest:
        return f"{minutes} мин {rest} с"
    if minutes < 60:
        return f"{minutes} мин"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} ч {minutes} мин" if minutes else f"{hours} ч"
    days, hours = divmod(hours, 24)
    return f"{days} дн {hours} ч" if hours else f"{days} дн"
