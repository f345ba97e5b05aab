"""A TCP forwarder on 127.0.0.1 that a test owns, to put network faults between a process and a server.

    with TcpProxy("127.0.0.1", 5672) as proxy:   # clients connect to 127.0.0.1:proxy.port
        proxy.cut()       # reset every open connection (the clients see ECONNRESET), keep accepting new ones
        proxy.refuse()    # reset open connections and refuse new ones until...
        proxy.forward()   # ...connections are accepted and forwarded again
        proxy.latency = 0.2   # every chunk waits this long before it is passed on (a slow network)

`connections_accepted` counts the connections taken so far, so a test can wait for a client to reconnect.
"""
import selectors
import socket
import struct
import threading
import time

_RESET_ON_CLOSE = struct.pack("ii", 1, 0)   # SO_LINGER on with 0 s: close() sends RST, not FIN


class TcpProxy:
    """Forward 127.0.0.1:<port> to `target_host:target_port`, one thread per connection pair."""

    def __init__(self, target_host, target_port, port=0):
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = self._listener.getsockname()[1]
        self._pairs = set()
        self._lock = threading.Lock()
        self._refusing = False
        self._closed = False
        self.connections_accepted = 0
        self.latency = 0.0

    def __enter__(self):
        threading.Thread(target=self._accept_loop, daemon=True, name=f"tcp-proxy:{self.port}").start()
        return self

    def __exit__(self, *exc):
        self._closed = True
        self._listener.close()
        self.cut()

    def cut(self):
        """Reset every connection open now, on both sides; new connections are still forwarded."""
        with self._lock:
            pairs, self._pairs = list(self._pairs), set()
        for pair in pairs:
            for sock in pair:
                _reset(sock)
        return len(pairs)

    def refuse(self):
        """Cut every connection and reset new ones at once, as if the server were unreachable."""
        self._refusing = True
        self.cut()

    def forward(self):
        """Accept and forward new connections again (after `refuse`)."""
        self._refusing = False

    def open_connections(self):
        with self._lock:
            return len(self._pairs)

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._refusing:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.add((client, upstream))
                self.connections_accepted += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client, upstream):
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in selector.select():
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    if self.latency:
                        time.sleep(self.latency)
                    key.data.sendall(data)
        except (OSError, ValueError):   # cut() closed a socket under us
            return
        finally:
            selector.close()
            with self._lock:
                self._pairs.discard((client, upstream))
            for sock in (client, upstream):
                _reset(sock)


def _reset(sock):
    """Close with a RST; shutting the read side first wakes a pump thread waiting on the socket."""
    for step in (lambda: sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE),
                 lambda: sock.shutdown(socket.SHUT_RD), sock.close):
        try:
            step()
        except OSError:
            pass
