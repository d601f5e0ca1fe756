"""Hosts of their own on one machine: a network namespace joined to this one by a veth pair, for
readers that must reach Redis and PostgreSQL over a network link rather than loopback (the
scale-out measurement). Needs root and iproute2. PostgreSQL, which here listens on loopback only,
is reached through a TCP relay on the link's outer address; Redis is bound to that address."""

import os
import shutil
import socket
import subprocess
import threading
from urllib.parse import urlsplit, urlunsplit


class NetnsUnavailable(RuntimeError):
    """Network namespaces cannot be made here (not root, or no ``ip``)."""


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if result.returncode:
        raise NetnsUnavailable(f"ip {' '.join(args)}: {result.stderr.strip()}")


class Host:
    """``with Host(i) as host``: namespace ``host.name`` with address ``host.inner``, reaching
    this machine at ``host.outer`` (10.213.n.1/30 and .2)."""

    def __init__(self, index: int):
        if os.geteuid() != 0 or not shutil.which("ip"):
            raise NetnsUnavailable("network namespaces need root and iproute2's ip")
        tag = f"{os.getpid() % 100000}x{index}"
        subnet = 4 * ((os.getpid() * 7 + index) % 60)
        self.name, self.outer_link, self.inner_link = f"tl{tag}", f"tlo{tag}", f"tli{tag}"
        self.outer, self.inner = f"10.213.{subnet}.1", f"10.213.{subnet}.2"
        self.relays: list[Relay] = []

    def __enter__(self):
        try:
            _ip("netns", "add", self.name)
            _ip("link", "add", self.outer_link, "type", "veth", "peer", "name", self.inner_link)
            _ip("link", "set", self.inner_link, "netns", self.name)
            _ip("addr", "add", f"{self.outer}/30", "dev", self.outer_link)
            _ip("link", "set", self.outer_link, "up")
            inside = ("netns", "exec", self.name, "ip")
            _ip(*inside, "addr", "add", f"{self.inner}/30", "dev", self.inner_link)
            _ip(*inside, "link", "set", self.inner_link, "up")
            _ip(*inside, "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for relay in self.relays:
            relay.close()
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", self.outer_link], capture_output=True, check=False)

    def relay(self, port: int) -> "Relay":
        """Forward ``outer:port`` to ``127.0.0.1:port`` for a server that listens on loopback."""
        relay = Relay((self.outer, port), ("127.0.0.1", port))
        self.relays.append(relay)
        return relay

    def env_for(self, env: dict) -> dict:
        """``DATABASE_URL`` and ``REDIS_URL`` of ``env`` pointed at this host's outer address."""
        return {key: _rehost(env[key], self.outer) for key in ("DATABASE_URL", "REDIS_URL") if key in env}


def _rehost(url: str, host: str) -> str:
    parts = urlsplit(url)
    auth = parts.netloc.rpartition("@")[0]
    netloc = (auth + "@" if auth else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class Relay:
    """A TCP relay in threads: each accepted connection is piped both ways to ``target``."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]):
        self.target = target
        self.server = socket.create_server(listen, reuse_port=False)
        self.closed = False
        self.connections = 0  # accepted so far: proof that the traffic took this link
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self.connections += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def close(self):
        self.closed = True
        self.server.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
