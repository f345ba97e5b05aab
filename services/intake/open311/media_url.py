"""media_url: an http(s) link to a photo on the public internet, never one to the city's own machines.

Staff browsers and department systems may open the link; one pointing at a loopback, private or
link-local address (a metadata service, an internal API) would make them reach inside. Literal
addresses are read the way browsers read them (2130706433, 0x7f000001, 0177.0.0.1 and 127.1 are all
127.0.0.1); host names are not resolved here (a name's address can change after the check), so
`localhost`, `*.localhost` and single-label intranet names are refused by name.
"""
import ipaddress
import socket
import urllib.parse

from services.intake.open311.errors import Open311Error

NOT_PUBLIC = "media_url must be a public http or https address, not a local or private network address"


def checked_media_url(url):
    """`url` unchanged, or Open311Error 400 saying why it is refused."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts = host = None
    if not parts or parts.scheme.lower() not in ("http", "https") or not host or " " in url:
        raise Open311Error.bad_request("media_url must be an http or https URL")
    if not _public_host(host.rstrip(".")):
        raise Open311Error.bad_request(NOT_PUBLIC)
    return url


def _public_host(host):
    address = _literal_address(host)
    if address is None:
        return host != "localhost" and not host.endswith(".localhost") and "." in host
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal_address(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))   # the short and octal/hex forms browsers accept
    except OSError:
        return None
