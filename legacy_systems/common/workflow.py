"""A system's own status lifecycle, read from its ``system.yaml``.

The crew walks work orders along ``next`` one step at a time, sometimes takes a
detour (for example into a hold status), and picks a resolution code for the
category when the work order reaches the completed status.
"""
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Workflow:
    """Statuses a system uses and how its crew moves between them."""

    initial: str
    next_status: dict[str, str]
    detours: dict[str, tuple[str, float]]
    completed: str
    cancelled: str
    resolutions: dict[str, list[str]]

    @classmethod
    def from_config(cls, config: dict) -> "Workflow":
        """Build from a system.yaml document (its ``workflow`` and ``categories``)."""
        flow = config["workflow"]
        return cls(
            initial=flow["initial"],
            next_status=dict(flow["next"]),
            detours={status: (d["status"], float(d["chance"])) for status, d in flow.get("detours", {}).items()},
            completed=flow["completed"],
            cancelled=flow["cancelled"],
            resolutions={code: list(c.get("resolutions", [])) for code, c in config["categories"].items()},
        )

    @property
    def terminal(self) -> set[str]:
        """Statuses a work order never leaves."""
        return {self.completed, self.cancelled}

    def step(self, workorder: dict, rng: random.Random, detours: bool = True) -> tuple[str, str | None] | None:
        """The next (status, resolution code) for a work order, or None when the crew is done with it."""
        status = workorder["status"]
        if status in self.terminal:
            return None
        detour = self.detours.get(status)
        if detours and detour and rng.random() < detour[1]:
            return detour[0], None
        target = self.next_status.get(status)
        if target is None:
            return None  # a status set by hand outside the lifecycle: the crew leaves it alone
        return target, self.resolution_for(workorder["category"], target, rng)

    def resolution_for(self, category: str, status: str, rng: random.Random) -> str | None:
        """A resolution code when ``status`` completes the work, else None."""
        choices = self.resolutions.get(category) or [None]
        return rng.choice(choices) if status == self.completed else None
