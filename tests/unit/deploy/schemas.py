"""Schema checks of Kubernetes objects, offline, with validators from the registries.

Kubernetes' own kinds: the API's JSON schemas as kubernetes-validate ships them, strict (an unknown
field is an error, as `kubectl apply --validate=strict` makes it). KEDA's ScaledObject and
TriggerAuthentication: cloudcoil's models, generated from KEDA's CRDs; they drop unknown fields, so a
field that does not come back out was not in the CRD. RabbitmqCluster: no package ships its CRD, so
rabbitmqcluster.schema.json holds the part of it city311 sets.
"""
import json
from pathlib import Path

import jsonschema
import kubernetes_validate
import pydantic
from cloudcoil.models.keda import v1alpha1 as keda

KUBERNETES_VERSION = "1.30.0"   # the oldest Kubernetes deploy/README.md supports
KEDA_KINDS = {("keda.sh/v1alpha1", "ScaledObject"): keda.ScaledObject,
              ("keda.sh/v1alpha1", "TriggerAuthentication"): keda.TriggerAuthentication}
RABBITMQ_CLUSTER = ("rabbitmq.com/v1beta1", "RabbitmqCluster")
RABBITMQ_CLUSTER_SCHEMA = json.loads((Path(__file__).parent / "rabbitmqcluster.schema.json").read_text())


class SchemaError(ValueError):
    """An object its kind's schema refuses."""


def validate(obj):
    """Raise SchemaError naming the object, the place and the reason, when its schema refuses it."""
    kind = (obj.get("apiVersion"), obj.get("kind"))
    name = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
    if kind in KEDA_KINDS:
        _validate_model(KEDA_KINDS[kind], obj, name)
    elif kind == RABBITMQ_CLUSTER:
        error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(RABBITMQ_CLUSTER_SCHEMA)
                                                 .iter_errors(obj))
        if error:
            raise SchemaError(f"{name}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    else:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            raise SchemaError(f"{name}: no schema for {kind[0]} {kind[1]} in Kubernetes {KUBERNETES_VERSION}")
        except kubernetes_validate.ValidationError as error:
            raise SchemaError(f"{name}: {'/'.join(map(str, error.absolute_path))}: {error.message}") from None


def _validate_model(model, obj, name):
    try:
        parsed = model.model_validate(obj)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        raise SchemaError(f"{name}: {'/'.join(map(str, first['loc']))}: {first['msg']}") from None
    dropped = _unknown_fields(obj, parsed.model_dump(mode="json", by_alias=True, exclude_unset=True))
    if dropped:
        raise SchemaError(f"{name}: {dropped}: not a field of {obj['kind']} in KEDA's CRD")


def _unknown_fields(given, kept, path=""):
    """The first path in `given` that the model did not keep (None when it kept everything)."""
    if isinstance(given, dict) and isinstance(kept, dict):
        for key, value in given.items():
            if key not in kept:
                return f"{path}/{key}".lstrip("/")
            found = _unknown_fields(value, kept[key], f"{path}/{key}")
            if found:
                return found
    elif isinstance(given, list) and isinstance(kept, list):
        for index, (value, kept_value) in enumerate(zip(given, kept)):
            found = _unknown_fields(value, kept_value, f"{path}/{index}")
            if found:
                return found
    return None
