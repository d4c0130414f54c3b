"""One small error hierarchy for the scorer: callers catch ScoringError."""


class ScoringError(Exception):
    """Base class of every error the scorer raises on purpose."""


class TaxonomyError(ScoringError):
    """The taxonomy file is missing or malformed (message names file and field)."""


class DataError(ScoringError):
    """A labelled-data or rules file is malformed (message names file and line)."""
