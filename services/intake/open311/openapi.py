"""The OpenAPI 3.0 description of the Open311 API, kept as openapi.yaml beside this module."""
import json
from pathlib import Path

import yaml

OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")


def load_openapi_document(server_url=None):
    """The OpenAPI document as a dict; `server_url` replaces its default server (port 8311)."""
    document = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def openapi_json(server_url=None):
    """The OpenAPI document as UTF-8 JSON bytes, ready to serve (e.g. at /open311/v2/openapi.json)."""
    return json.dumps(load_openapi_document(server_url), ensure_ascii=False, indent=2).encode("utf-8")
