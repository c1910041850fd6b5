"""Free TCP ports on the loopback, for servers the tests start."""
import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports (Rasa replicas take RASA_PORT, RASA_PORT + 1...)."""
    while True:
        first = free_port()
        if all(is_free(first + offset) for offset in range(1, count)):
            return first
