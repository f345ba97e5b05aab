"""media_url must point at the public internet: a link to the city's own machines is refused with a 400."""
import pytest

from open311_calls import errors_of, post_request
from test_open311_post_requests import accepted_request, with_fields

INTERNAL = [
    "http://127.0.0.1/admin", "http://localhost:8315/api/follow-ups", "https://LOCALHOST./x.jpg",
    "http://photos.localhost/x.jpg", "http://10.0.0.5/x.jpg", "http://172.16.3.4/x.jpg",
    "http://192.168.1.1/router.jpg", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:8311/",
    "http://[::1]/x.jpg", "http://[fd00::1]/x.jpg", "http://[fe80::1]/x.jpg", "http://[::ffff:127.0.0.1]/x",
    "http://2130706433/x.jpg", "http://0x7f000001/x.jpg", "http://0177.0.0.1/x.jpg", "http://127.1/x.jpg",
    "http://user@127.0.0.1:80/x.jpg", "http://intranet/photo.jpg",
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("url", INTERNAL)
def test_a_media_url_pointing_at_a_private_or_local_address_is_refused(pothole_form, catalog, fmt, url):
    response = post_request(with_fields(pothole_form, media_url=url), catalog, fmt)
    assert response.status == 400
    assert errors_of(response) == [(400, "media_url must be a public http or https address, not a local or "
                                         "private network address")]


@pytest.mark.parametrize("url", ["https://img.example.org/p/1.jpg", "http://1.1.1.1/p.jpg",
                                 "http://8.8.8.8/x.jpg", "https://[2001:4860:4860::8888]/x.jpg"])
def test_a_public_media_url_is_kept(pothole_form, catalog, url):
    assert accepted_request(with_fields(pothole_form, media_url=url), catalog).media_url == url
