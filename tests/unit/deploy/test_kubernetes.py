"""deploy/kubernetes: the kustomize base and the production overlay render, every object passes its
schema, and the manifests stay in step with what the services really read and consume."""
import copy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from shared.config import PROJECT_ROOT, SERVICES
from shared.messaging.declare import handlers_of, service_class
from shared.messaging.topology import work_queue_name
from tests.unit.deploy import processes
from tests.unit.deploy.schemas import SchemaError, validate

KUBERNETES = PROJECT_ROOT / "deploy" / "kubernetes"
BASE, PRODUCTION = KUBERNETES / "base", KUBERNETES / "overlays" / "production"
RENDER_TIMEOUT_SECONDS = 120


def render(kustomization):
    """The objects `kubectl kustomize` makes of a kustomization folder (kustomize is built into kubectl)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed: the raw files are still checked")
    result = subprocess.run([kubectl, "kustomize", str(kustomization)], capture_output=True, text=True,
                            timeout=RENDER_TIMEOUT_SECONDS, check=False)
    assert result.returncode == 0, f"kubectl kustomize {kustomization} failed:\n{result.stderr}"
    return [obj for obj in yaml.safe_load_all(result.stdout) if obj]


@pytest.fixture(scope="module", params=["base", "production"])
def rendered(request):
    return request.param, render(BASE if request.param == "base" else PRODUCTION)


@pytest.fixture(scope="module")
def production():
    return render(PRODUCTION)


def of_kind(objects, kind):
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def environment(objects, deployment, container=None):
    """{VAR: value or ("secret", name, key)} a container of a Deployment gets (envFrom config maps, env)."""
    spec = of_kind(objects, "Deployment")[deployment]["spec"]["template"]["spec"]
    container = container or spec["containers"][0]
    config_maps = of_kind(objects, "ConfigMap")
    found = {}
    for source in container.get("envFrom", []):
        found.update(config_maps[source["configMapRef"]["name"]]["data"])
    for variable in container.get("env", []):
        ref = variable.get("valueFrom", {}).get("secretKeyRef")
        found[variable["name"]] = ("secret", ref["name"], ref["key"]) if ref else variable["value"]
    return found


def test_every_object_of_the_base_and_of_the_production_overlay_passes_its_schema(rendered):
    _name, objects = rendered
    for obj in objects:
        validate(obj)
    assert {"Deployment", "Service", "ConfigMap", "RabbitmqCluster", "ScaledObject"} <= {o["kind"] for o in objects}


def test_every_file_of_the_base_passes_its_schema_without_kustomize():
    documents = [doc for path in sorted(BASE.glob("*.yaml")) if path.name != "kustomization.yaml"
                 for doc in yaml.safe_load_all(path.read_text()) if doc]
    for obj in documents:
        validate(obj)
    assert len(of_kind(documents, "Deployment")) == len(SERVICES)


@pytest.mark.parametrize("mistake, expected", [
    (lambda d: d["spec"].__setitem__("replica", 2), "'replica' was unexpected"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"].__setitem__("port", []),
     "port"),
    (lambda d: d["spec"].pop("selector"), "'selector' is a required property"),
])
def test_a_mistaken_deployment_is_refused_with_the_place_of_the_mistake(mistake, expected):
    deployment = copy.deepcopy(next(yaml.safe_load_all((BASE / "routing.yaml").read_text())))
    mistake(deployment)
    with pytest.raises(SchemaError, match="Deployment/routing") as refused:
        validate(deployment)
    assert expected in str(refused.value)


@pytest.mark.parametrize("kind, mistake, expected", [
    ("ScaledObject", lambda o: o["spec"].__setitem__("maxReplicas", 3), "spec/maxReplicas: not a field"),
    ("ScaledObject", lambda o: o["spec"].pop("scaleTargetRef"), "spec/scaleTargetRef: Field required"),
    ("ScaledObject", lambda o: o["spec"].__setitem__("minReplicaCount", "two"), "spec/minReplicaCount"),
    ("TriggerAuthentication", lambda o: o["spec"]["secretTargetRef"][0].pop("key"), "key: Field required"),
    ("RabbitmqCluster", lambda o: o["spec"].__setitem__("replica", 3), "'replica' was unexpected"),
    ("RabbitmqCluster", lambda o: o["spec"].__setitem__("replicas", "three"), "spec/replicas"),
])
def test_a_mistaken_custom_resource_is_refused(kind, mistake, expected):
    documents = [doc for name in ("scaling.yaml", "rabbitmq-cluster.yaml")
                 for doc in yaml.safe_load_all((BASE / name).read_text())]
    obj = copy.deepcopy(next(doc for doc in documents if doc["kind"] == kind))
    mistake(obj)
    with pytest.raises(SchemaError) as refused:
        validate(obj)
    assert expected in str(refused.value)


def test_an_object_of_a_kind_with_no_schema_is_refused():
    with pytest.raises(SchemaError, match="no schema for example.org/v1 Widget"):
        validate({"apiVersion": "example.org/v1", "kind": "Widget", "metadata": {"name": "w"}})


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_its_own_command_with_readiness_on_health_and_liveness_on_its_port(rendered, service):
    _name, objects = rendered
    deployment = of_kind(objects, "Deployment")[service]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    _env, default_address = processes.http_address(service)
    port = int(default_address.rpartition(":")[2])
    assert container["args"] == [service]
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["livenessProbe"]["tcpSocket"] == {"port": "http"}
    assert [(c["name"], c["args"]) for c in pod["initContainers"]] == [("migrate", ["migrate", service]),
                                                                       ("declare", ["declare", service])]
    assert pod["securityContext"]["runAsNonRoot"] is True
    service_object = of_kind(objects, "Service")[service]
    assert service_object["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_listens_on_its_pods_address_where_probes_and_peers_reach_it(rendered, service):
    _name, objects = rendered
    env_var, default_address = processes.http_address(service)
    assert environment(objects, service)[env_var] == f"0.0.0.0:{default_address.rpartition(':')[2]}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_a_service_is_given_is_one_it_reads(rendered, service):
    _name, objects = rendered
    pod = of_kind(objects, "Deployment")[service]["spec"]["template"]["spec"]
    reads = processes.service_variables(service)
    for container in [*pod["initContainers"], *pod["containers"]]:
        unread = sorted(set(environment(objects, service, container)) - set(reads))
        assert not unread, f"{service} ({container['name']}) is given {unread}, which it does not read"


@pytest.mark.parametrize("service", SERVICES)
def test_every_secret_a_service_reads_comes_from_a_secret_and_no_secret_sits_in_a_config_map(rendered, service):
    _name, objects = rendered
    given = environment(objects, service)
    secrets = processes.service_secrets(service)
    from_secrets = {name for name, value in given.items() if isinstance(value, tuple)}
    assert from_secrets == secrets
    for name in from_secrets:
        assert given[name][1:] in {(f"city311-{service}", name), ("city311-shared", name)}
    assert not [obj for obj in objects if obj["kind"] == "Secret"], "secrets are made in the cluster, not here"


@pytest.mark.parametrize("service", SERVICES)
def test_in_production_each_service_would_start_once_its_secrets_are_set(production, service):
    given = environment(production, service)
    assert given["CITY311_ENVIRONMENT"] == "production"
    secrets = {name for name, value in given.items() if isinstance(value, tuple)}
    assert processes.problems_in_production(service, given, secrets) == []


def test_each_service_scales_on_the_depth_of_exactly_the_queues_it_consumes(rendered):
    _name, objects = rendered
    scaled = of_kind(objects, "ScaledObject")
    assert set(scaled) == set(SERVICES)
    for service in SERVICES:
        consumed = {work_queue_name(source, event_type, service, method)
                    for source, event_type, method in handlers_of(service_class(service))}
        spec = scaled[service]["spec"]
        triggers = [t for t in spec["triggers"] if t["type"] == "rabbitmq"]
        assert spec["scaleTargetRef"]["name"] == service
        assert {t["metadata"]["queueName"] for t in triggers} == consumed, service
        assert all(t["metadata"]["mode"] == "QueueLength" and t["authenticationRef"]["name"] == "city311-rabbitmq"
                   for t in triggers)
    assert of_kind(objects, "TriggerAuthentication")["city311-rabbitmq"]


def test_the_broker_is_a_three_node_cluster_with_the_management_prometheus_and_stream_plugins(rendered):
    _name, objects = rendered
    (cluster,) = of_kind(objects, "RabbitmqCluster").values()
    assert cluster["spec"]["replicas"] == 3
    assert {"rabbitmq_management", "rabbitmq_prometheus", "rabbitmq_stream"} <= \
        set(cluster["spec"]["rabbitmq"]["additionalPlugins"])


def test_production_keeps_two_replicas_of_every_service_but_metrics_and_spreads_the_broker(production):
    scaled = of_kind(production, "ScaledObject")
    assert {name: obj["spec"]["minReplicaCount"] for name, obj in scaled.items()} == \
        {"intake": 2, "routing": 2, "workorders": 2, "notifications": 2, "metrics": 1}
    (cluster,) = of_kind(production, "RabbitmqCluster").values()
    assert cluster["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert {obj["metadata"].get("namespace") for obj in production if obj["kind"] != "Namespace"} == {"city311"}


def test_only_intake_and_the_resident_pages_of_notifications_face_the_public(production):
    (ingress,) = of_kind(production, "Ingress").values()
    backends = {(rule["host"], path["path"]): path["backend"]["service"]["name"]
                for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    assert set(backends.values()) == {"intake", "notifications"}
    assert not [path for (_host, path), name in backends.items() if name == "notifications"
                and path.startswith("/api/requests")], "notifications' request listings stay inside"
