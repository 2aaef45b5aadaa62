"""The import engine, by stage: read (the file's sheets, headers and rows), plan (what each
row does, asked of the bulk service of engagements) and write (the plan, through that
service). Callers use what is re-exported here."""

from .plan import BATCH, Plan, RowPlan, build_plan, resolve_scope
from .read import detected_of, inspect_sheets, job_file
from .write import Progress, write_plan

__all__ = [
    "BATCH",
    "Plan",
    "Progress",
    "RowPlan",
    "build_plan",
    "detected_of",
    "inspect_sheets",
    "job_file",
    "resolve_scope",
    "write_plan",
]
