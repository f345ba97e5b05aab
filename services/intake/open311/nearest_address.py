"""A request that arrives with a point only (lat/long, no address_string) gets the nearest known address,
so the resident, staff and the open data see where it is; an address the client sent is never replaced."""
from dataclasses import replace


def with_nearest_address(new, gazetteer):
    """`new` (a NewServiceRequest) with address_string filled from the gazetteer when it had only a point."""
    if gazetteer is None or new.address_string or new.lat is None or new.long is None:
        return new
    nearest = gazetteer.nearest(new.lat, new.long)
    return replace(new, address_string=nearest.address) if nearest else new
