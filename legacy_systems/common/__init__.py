"""Code every simulated department work-order system shares.

Storage, business rules, the simulated crew, fault injection, the admin API and
the server bootstrap live here once; each system package adds only its protocol.
"""
