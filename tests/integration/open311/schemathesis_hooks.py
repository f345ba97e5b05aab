"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for fuzzing POST requests past the api_key check.

Random api_keys only ever meet the 403, and random forms the first validation
error. So generated forms get a real key, and half of them are laid over a
valid pothole report: their free text, contact details, media_url and extra
fields then reach the checks and the database, where a bad value could harm.
"""
from pathlib import Path

import schemathesis
import yaml
from hypothesis import strategies as st

SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "jurisdictions" / "sample"
API_KEY = yaml.safe_load((SAMPLE / "jurisdiction.yaml").read_text())["api_keys"][0]["key"]
VALID_REPORT = {"service_code": "POTHOLE", "lat": "33.7490", "long": "-84.3880", "attribute[SIZE]": "large"}
_KEPT_FROM_REPORT = ("service_code", "lat", "long")


@schemathesis.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    laid_over_report = {**VALID_REPORT, **{k: v for k, v in body.items() if k not in _KEPT_FROM_REPORT}}
    return st.sampled_from([body, laid_over_report]).map(lambda form: {**form, "api_key": API_KEY})
