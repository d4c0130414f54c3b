"""Per-turn latencies the end-to-end tests measured, printed at the end of the run."""

TURN_LATENCIES: list[float] = []
