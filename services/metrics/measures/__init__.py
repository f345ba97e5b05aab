"""Measures of how well the city is doing: plain functions over facts, no database, no messaging.

Each function takes facts (objects with the attributes of `models.RequestFact`:
ORM rows or hand-made ones; times aware UTC) and, where the answer depends on
it, `now`. Cohort measures take the requests created in a period; current
measures (backlog, overdue) take the requests open now. `queries` loads both.
"""
from services.metrics.measures.equity import MIN_COUNT, equity
from services.metrics.measures.quality import first_time_fix, quality, surveys
from services.metrics.measures.statistics import median, percentile
from services.metrics.measures.timeliness import backlog, compliance, overdue, service_levels, timings
from services.metrics.measures.volumes import volumes

__all__ = ["MIN_COUNT", "equity", "first_time_fix", "quality", "surveys", "median", "percentile", "backlog", "compliance",
           "overdue", "service_levels", "timings", "volumes"]
