"""Development stand-ins for the external systems city311 talks to (mail server, SMS gateway).

Each is a real server run with `python -m devservers.<name>`; nothing they receive leaves the machine.
"""
