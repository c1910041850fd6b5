"""Throwaway Redis and nginx for the scale test, on the loopback, in folders of the test."""
from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import redis

from bot.services import STARTUP_SECONDS, Service
from tests.support.ports import free_port

MISSING = "{name} not found: run 'make scale-servers' (or 'sudo apt-get install {package}'), then test again."
NGINX_CONF = """daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream rasa {{
        least_conn;
{servers}
        keepalive 64;
        keepalive_timeout 4s;  # below Rasa's own 5 s, so nginx never reuses a connection Rasa is closing
    }}
    server {{
        listen 127.0.0.1:{port};
        location /webhooks/ {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 300s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def binary(name: str, package: str) -> str:
    """The path of a server binary (nginx is in /usr/sbin, outside a user's PATH)."""
    found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if not found:
        raise RuntimeError(MISSING.format(name=name, package=package))
    return found


@contextmanager
def running(service: Service, folder: Path, ready: Callable[[], bool]) -> Iterator[Service]:
    """`service` started with its log in `folder`, once `ready()`; stopped at the end."""
    service.start(folder)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not ready():
            if service.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{service.name} did not start: {(folder / f'{service.name}.log').read_text()}")
            time.sleep(0.1)
        yield service
    finally:
        service.stop()


def answers_ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis server without persistence in `folder`: its URL."""
    folder.mkdir(parents=True)
    port = free_port()
    command = [binary("redis-server", "redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
               "--appendonly", "no", "--dir", str(folder), "--daemonize", "no"]
    client = redis.Redis(host="127.0.0.1", port=port)
    with running(Service("redis", command, None, {}), folder, lambda: answers_ping(client)):
        yield f"redis://127.0.0.1:{port}/0"
    client.close()


@contextmanager
def nginx_server(folder: Path, upstreams: list[str]) -> Iterator[str]:
    """nginx in `folder` balancing /webhooks/ over the `upstreams` (host:port), naming the one that answered
    in an X-Upstream header: its URL."""
    folder.mkdir(parents=True)
    folder.chmod(0o755)  # run as root, nginx's workers are `nobody`
    port = free_port()
    servers = "\n".join(f"        server {upstream};" for upstream in upstreams)
    (folder / "nginx.conf").write_text(NGINX_CONF.format(folder=folder, servers=servers, port=port))
    command = [binary("nginx", "nginx"), "-p", str(folder), "-c", str(folder / "nginx.conf"),
               "-e", str(folder / "error.log")]
    proxy = Service("nginx", command, f"http://127.0.0.1:{port}/webhooks/rest/", {})
    with running(proxy, folder, proxy.is_ready):
        yield f"http://127.0.0.1:{port}"
