"""DORA performance bands with the 2023 cut-offs as Apache DevLake applies them.

Source: DevLake's `dora_benchmarks` table (2023 report rows) and the SQL of its DORA
dashboard: deployment frequency from the median number of deployment days per week
(>= 7 elite, >= 1 high) and per month (>= 1 medium, else low); lead time < 1 day elite,
< 1 week high, < 30 days medium; change failure rate <= 5 % elite, <= 10 % high,
<= 15 % medium; failed deployment recovery time < 1 hour elite, < 1 day high,
< 1 week medium.
"""

from __future__ import annotations

import numpy as np

TABLE = "DORA 2023 report cut-offs, as applied by Apache DevLake's DORA dashboard"

_LABELS = {
    "deployment_frequency": {
        "elite": "on-demand (deploys on 7 days a week)",
        "high": "between once per day and once per week",
        "medium": "between once per week and once per month",
        "low": "fewer than once per month",
    },
    "lead_time": {
        "elite": "less than one day",
        "high": "between one day and one week",
        "medium": "between one week and one month",
        "low": "more than one month",
    },
    "change_failure_rate": {"elite": "0-5%", "high": "5-10%", "medium": "10-15%", "low": "more than 15%"},
    "recovery_time": {
        "elite": "less than one hour",
        "high": "less than one day",
        "medium": "between one day and one week",
        "low": "more than one week",
    },
}


def _result(metric: str, band: str | None, basis: str) -> dict | None:
    if band is None:
        return None
    return {"band": band, "label": _LABELS[metric][band], "table": TABLE, "basis": basis}


def lead_time(median_hours: float | None) -> dict | None:
    if median_hours is None:
        return None
    band = "elite" if median_hours < 24 else "high" if median_hours < 168 else "medium" if median_hours < 720 else "low"
    return _result("lead_time", band, "median lead time in the period")


def change_failure_rate(rate: float | None) -> dict | None:
    if rate is None:
        return None
    band = "elite" if rate <= 0.05 else "high" if rate <= 0.10 else "medium" if rate <= 0.15 else "low"
    return _result("change_failure_rate", band, "change failure rate in the period")


def recovery_time(median_hours: float | None) -> dict | None:
    if median_hours is None:
        return None
    band = "elite" if median_hours < 1 else "high" if median_hours < 24 else "medium" if median_hours < 168 else "low"
    return _result("recovery_time", band, "median recovery time in the period")


def deployment_frequency(days_per_week: list[int], days_per_month: list[int], window: str) -> dict | None:
    if not days_per_week:
        return None
    weekly = float(np.median(days_per_week))
    monthly = float(np.median(days_per_month)) if days_per_month else 0.0
    band = "elite" if weekly >= 7 else "high" if weekly >= 1 else "medium" if monthly >= 1 else "low"
    basis = (f"median deployment days per week {weekly:g} over {len(days_per_week)} weeks and per month "
             f"{monthly:g} over {len(days_per_month)} months of {window}")
    return _result("deployment_frequency", band, basis)
