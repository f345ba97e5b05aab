"""The knowledge base: answers call-takers read to residents, searched by the caller's own words."""
