"""Writes of the assessments app: results (the one path from a result to levels), attempts,
integrity events and question banks, one module each."""

from assessments.services.results import RecordedResult, granted_levels, result_record

__all__ = ["RecordedResult", "granted_levels", "result_record"]
