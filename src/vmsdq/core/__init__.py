"""The shared words of vmsdq: dimensions, severities, outcomes, statuses, errors, run results."""
