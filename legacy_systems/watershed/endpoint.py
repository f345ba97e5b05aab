"""The Watershed SOAP endpoint: ``POST /WorkOrderService.asmx`` (text/xml + SOAPAction), WSDL at ``?wsdl``."""
import logging
from pathlib import Path
from string import Template

from werkzeug.wrappers import Request, Response

from legacy_systems.common.server import Protocol, SimulatorContext

from .operations import WatershedOperations
from .soap import WMS, SoapFault, fault_envelope, local_name, parse_request, response_envelope

log = logging.getLogger("soap")

SERVICE_PATH = "/WorkOrderService.asmx"
WSDL = Template((Path(__file__).parent / "service.wsdl").read_text())
XML = "text/xml; charset=utf-8"


def build_protocol(context: SimulatorContext) -> Protocol:
    """The SOAP endpoint, with a SOAP Server fault for injected errors."""
    return Protocol(app=WatershedEndpoint(context), error_response=server_fault)


def server_fault() -> Response:
    """What an internal failure looks like on the wire: HTTP 500 with a Server fault."""
    fault = SoapFault("Server", "Database timeout while processing the request; please retry", "SERVER_BUSY")
    return Response(fault_envelope(fault), status=500, content_type=XML)


class WatershedEndpoint:
    """WSGI app: checks transport and credentials, then runs the operation named by SOAPAction."""

    def __init__(self, context: SimulatorContext):
        self._accounts = context.config["accounts"]
        self._operations = WatershedOperations(context)

    def __call__(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        """One HTTP request in, one SOAP reply (or transport error) out."""
        if request.path != SERVICE_PATH:
            return Response(f"Not found; the service is at {SERVICE_PATH}", status=404)
        if request.method == "GET" and "wsdl" in request.args:
            return Response(WSDL.substitute(address=request.host_url.rstrip("/") + SERVICE_PATH), content_type=XML)
        if request.method != "POST":
            return Response("POST a SOAP 1.1 envelope, or GET ?wsdl", status=405)
        if request.mimetype != "text/xml":
            return Response("SOAP 1.1 requests must be text/xml", status=415)
        try:
            payload = self.dispatch(request.headers.get("SOAPAction", ""), request.get_data())
        except SoapFault as fault:
            log.info("fault %s %s: %s", fault.side, fault.code, fault.reason)
            return Response(fault_envelope(fault), status=500, content_type=XML)
        return Response(response_envelope(payload), content_type=XML)

    def dispatch(self, soap_action: str, body: bytes):
        """Authenticate, check SOAPAction matches the operation, run it."""
        credentials, operation = parse_request(body)
        if credentials is None or self._accounts.get(credentials[0]) != credentials[1]:
            raise SoapFault("Client", "Authentication failed: a valid UsernameToken is required", "AUTH_FAILED")
        name = local_name(operation.tag)
        if operation.tag != f"{{{WMS}}}{name}":
            raise SoapFault("Client", f"Operations must be in the namespace {WMS}", "BAD_ENVELOPE")
        if soap_action.strip('"') != f"{WMS}/{name}":
            raise SoapFault("Client", f"SOAPAction must be \"{WMS}/{name}\" for {name}", "BAD_SOAPACTION")
        if name == "Batch":
            return self._operations.execute_batch(operation)
        if name == "GetStatusChanges":
            return self._operations.get_status_changes(operation)
        raise SoapFault("Client", f"Unknown operation {name}; use Batch or GetStatusChanges", "UNKNOWN_OPERATION")
