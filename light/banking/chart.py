"""The balance-history chart, computed on the server from plain data. Pure: no Flask, no DB.

`balance_series` walks back from today's balance through each day's net movement;
`chart_points` scales that series into an SVG viewBox. The template draws the polyline.
"""
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Chart:
    points: str  # "x,y x,y …" for <polyline points="…">
    width: int
    height: int
    low: int  # minor units
    high: int
    first_day: date | None
    last_day: date | None
    zero_y: float | None  # where the zero line falls, when it is inside the range


def balance_series(daily_net: list[tuple[date, int]], current_balance: int) -> list[tuple[date, int]]:
    """[(day, balance at the end of that day)] oldest first, ending at `current_balance`.

    `daily_net` is the sum of net amounts per day (any order). Integers only."""
    days = sorted(daily_net)
    series = []
    balance = current_balance
    for day, net in reversed(days):
        series.append((day, balance))
        balance -= net
    series.reverse()
    return series


def chart_points(series: list[tuple[date, int]], width: int = 600, height: int = 120,
                 padding: int = 4) -> Chart:
    if not series:
        return Chart("", width, height, 0, 0, None, None, None)
    values = [value for _, value in series]
    low, high = min(values), max(values)
    span = high - low or 1
    first, last = series[0][0], series[-1][0]
    days = (last - first).days or 1
    inner_w, inner_h = width - 2 * padding, height - 2 * padding

    def y_of(value):
        return round(padding + inner_h - (value - low) * inner_h / span, 1)

    if len(series) == 1:
        y = y_of(values[0]) if high != low else height / 2
        points = f"{padding},{y} {width - padding},{y}"
    else:
        points = " ".join(f"{round(padding + (day - first).days * inner_w / days, 1)},{y_of(value)}"
                          for day, value in series)
    zero_y = y_of(0) if low < 0 < high else None
    return Chart(points, width, height, low, high, first, last, zero_y)
