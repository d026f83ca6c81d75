"""The bench's figures: targets of issue 18, the route table (console and Markdown) and docs/PERFORMANCE.md."""

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """What a row must reach, relative to the floor measured in the same run or absolute."""

    min_ratio: float | None = None  # req/s ÷ floor req/s
    max_p95_ms: float | None = None
    min_accepted_per_s: float | None = None  # 2xx answers a second (the intake: leads stored)

    def describe(self) -> str:
        parts = []
        if self.min_ratio is not None:
            parts.append(f"≥ {self.min_ratio:g}× floor")
        if self.max_p95_ms is not None:
            parts.append(f"p95 < {self.max_p95_ms:g} ms")
        if self.min_accepted_per_s is not None:
            parts.append(f"≥ {self.min_accepted_per_s:g} accepted/s")
        return ", ".join(parts) or "—"

    def met(self, row: "Row", floor_rps: float | None) -> bool | None:
        """None when there is nothing to check (no target, or a ratio without a floor)."""
        checks = []
        if self.min_ratio is not None:
            if not floor_rps:
                return None
            checks.append(row.rps / floor_rps >= self.min_ratio)
        if self.max_p95_ms is not None:
            checks.append(row.p95_ms < self.max_p95_ms)
        if self.min_accepted_per_s is not None:
            checks.append(row.accepted_per_s >= self.min_accepted_per_s)
        return all(checks) if checks else None


API = Target(min_ratio=0.5, max_p95_ms=30)
CABINET = Target(max_p95_ms=150)
NONE = Target()


@dataclass
class Row:
    name: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    target: Target = NONE
    allowed: tuple[int, ...] = (200,)  # statuses that are not a failure of the run (the intake's 429 too)
    note: str = ""

    @classmethod
    def from_wrk(cls, name: str, line: str, **kwargs) -> "Row":
        """From the JSON line bench/wrk/route.lua's done() prints."""
        data = json.loads(line)
        return cls(name=name, requests=data["requests"], seconds=data["seconds"], rps=data["rps"],
                   p50_ms=data["p50_ms"], p95_ms=data["p95_ms"], p99_ms=data["p99_ms"],
                   statuses={str(k): v for k, v in data["statuses"].items()}, errors=data["errors"], **kwargs)

    @property
    def accepted_per_s(self) -> float:
        ok = sum(count for status, count in self.statuses.items() if status.startswith("2"))
        return ok / self.seconds if self.seconds else 0.0

    @property
    def refused(self) -> int:
        return self.statuses.get("429", 0)

    def failures(self) -> list[str]:
        """What makes the run fail: socket errors, statuses outside ``allowed``."""
        problems = [f"{count} × HTTP {status}" for status, count in sorted(self.statuses.items())
                    if int(status) not in self.allowed]
        problems += [f"{count} {kind} errors" for kind, count in sorted(self.errors.items()) if count]
        if not self.requests:
            problems.append("no requests")
        return problems


def verdict(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "—"}[met]


def table(rows: list[Row], floor_rps: float | None) -> list[list[str]]:
    """Header and one line per row: the same cells for the console and Markdown."""
    lines = [["route", "req/s", "2xx/s", "p50 ms", "p95 ms", "p99 ms", "× floor", "429", "target", "verdict"]]
    for row in rows:
        ratio = f"{row.rps / floor_rps:.2f}" if floor_rps else "—"
        failed = row.failures()
        lines.append([row.name, f"{row.rps:.0f}", f"{row.accepted_per_s:.0f}", f"{row.p50_ms:.1f}",
                      f"{row.p95_ms:.1f}", f"{row.p99_ms:.1f}", ratio, str(row.refused), row.target.describe(),
                      "ERROR: " + "; ".join(failed) if failed else verdict(row.target.met(row, floor_rps))])
    return lines


ROUTE_TEXT_COLUMNS = (0, 8, 9)  # the route table's columns of words (left-aligned); the rest are numbers


def render_text(lines: list[list[str]], text_columns: tuple[int, ...] = ROUTE_TEXT_COLUMNS) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) if i in text_columns else cell.rjust(width)
                             for i, (cell, width) in enumerate(zip(line, widths, strict=True))).rstrip())
        if n == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def render_markdown(lines: list[list[str]]) -> str:
    def md(line: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |"

    align = ["---"] + ["---:"] * 7 + ["---", "---"]
    return "\n".join([md(lines[0]), "| " + " | ".join(align) + " |", *(md(line) for line in lines[1:])])


def check_line(name: str, value: str, target: str, met: bool | None) -> list[str]:
    """A figure that is not a route (provisioning, migrations, bytes) as a line of the summary table."""
    return [name, value, target, verdict(met)]
