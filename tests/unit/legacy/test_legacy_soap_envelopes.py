"""SOAP 1.1 envelopes: what the adapter writes the simulator reads, and the other way round."""
import pytest

from legacy_systems.watershed import soap as server
from services.workorders.adapters import PermanentError, TransientError
from services.workorders.adapters.soap_messages import build_envelope, child_text, operation, read_reply, wms

TRANSIENT_CODES = frozenset({"AUTH_FAILED"})


def test_adapter_envelope_carries_credentials_and_one_operation():
    create = operation("CreateWorkOrder", {"ExternalRef": "SR-1", "AssetCategory": "SVC-LEAK", "Priority": None,
                                           "Location": {"Latitude": 33.7, "Address": None}})
    credentials, parsed = server.parse_request(build_envelope("city311", "secret & <odd>", create))
    assert credentials == ("city311", "secret & <odd>")
    assert parsed.tag == server.wms("CreateWorkOrder")
    assert server.field_text(parsed, "ExternalRef") == "SR-1"
    assert server.field_text(parsed, "Location/Latitude") == "33.7"
    assert server.field_text(parsed, "Priority", required=False) is None  # None fields are left out


def test_simulator_response_reads_back_in_the_adapter():
    payload = server.add_fields(server.ET.Element(server.wms("Result")), {"Status": "RESOLVED", "Missing": None})
    reply = read_reply("watershed", 200, server.response_envelope(payload), TRANSIENT_CODES)
    assert reply.tag == wms("Result") and child_text(reply, "Status") == "RESOLVED"


@pytest.mark.parametrize("side, code, error", [
    ("Client", "UNKNOWN_CATEGORY", PermanentError),
    ("Client", "AUTH_FAILED", TransientError),   # our configuration, not the request
    ("Server", "SERVER_BUSY", TransientError),
])
def test_faults_become_permanent_or_transient_errors(side, code, error):
    fault = server.fault_envelope(server.SoapFault(side, "Readable reason", code, operation_index=0))
    with pytest.raises(error) as raised:
        read_reply("watershed", 500, fault, TRANSIENT_CODES)
    assert "Readable reason" in raised.value.reason


@pytest.mark.parametrize("content", [b"<soap:Envelope xmlns:soap='x'><soap:Bo", b"", b"<html>Bad gateway</html>"])
def test_broken_replies_are_transient(content):
    with pytest.raises(TransientError, match="malformed"):
        read_reply("watershed", 200, content, TRANSIENT_CODES)


def test_simulator_refuses_dtds_and_broken_envelopes():
    with pytest.raises(server.SoapFault, match="DTD"):
        server.parse_request(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>')
    with pytest.raises(server.SoapFault) as fault:
        server.parse_request(b"<Envelope/>")
    assert fault.value.side == "Client" and fault.value.code == "BAD_ENVELOPE"
