# ruff: noqa: S603, S607, S310 — a drill that runs the machine's own tools and talks to its own loopback proxy
"""Two web nodes behind one proxy (docs/scaling.md): nginx with deploy/nginx/zhenhai.conf (HTTPS,
a throwaway self-signed certificate) in front of two gunicorn nodes on 127.0.0.2 and 127.0.0.3,
both with production settings, sharing one database (sessions included) and one Redis.

A staff member signs in through the proxy on whichever node answers, and then every page on either
node knows them: the drill prints how many requests each node served and fails unless both served
signed-in pages. It also shows that `nginx -t` accepts the site file. Needs Debian's nginx and
openssl (installed when missing, as root) and the machine's PostgreSQL and Redis.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from prod_check import HOST, _free_port, production_env  # noqa: E402

NODES = ("127.0.0.2", "127.0.0.3")


def say(text: str) -> None:
    print(f"two-nodes drill: {text}", flush=True)


def fail(text: str) -> None:
    print(f"two-nodes drill: FAILED — {text}", file=sys.stderr, flush=True)
    sys.exit(1)


def ensure_tools() -> None:
    missing = [
        tool for tool in ("nginx", "openssl") if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists()
    ]
    if missing:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)


def nginx_conf(work: Path, https_port: int, http_port: int, node_port: int, static: Path) -> Path:
    """deploy/nginx/zhenhai.conf with this machine's ports, certificate, nodes and folders."""
    site = (ROOT / "deploy" / "nginx" / "zhenhai.conf").read_text()
    site = site.replace(
        "server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;",
        "\n".join(f"server {node}:{node_port} max_fails=3 fail_timeout=10s;" for node in NODES),
    )
    site = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = site.replace("portal.zhenhai.gov.cn", HOST)
    site = site.replace("/etc/ssl/zhenhai/", f"{work}/")
    site = site.replace("/var/log/nginx/", f"{work}/")
    site = site.replace("/var/lib/zhenhai/staticfiles/", f"{static}/")
    (work / "site.conf").write_text(site)
    main = (
        f"pid {work}/nginx.pid;\nerror_log {work}/error.log warn;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n"
        f"  client_body_temp_path {work}/body;\n  proxy_temp_path {work}/proxy;\n"
        f"  include {work}/site.conf;\n}}\n"
    )
    (work / "nginx.conf").write_text(main)
    return work / "nginx.conf"


def wait_until_answering(node: str, port: int, *, timeout: float) -> None:
    """Until the node answers HTTP at all (any status: production settings redirect plain http)."""
    deadline = time.monotonic() + timeout
    while True:
        connection = http.client.HTTPConnection(node, port, timeout=5)
        try:
            connection.request("GET", "/health/", headers={"Host": HOST})
            connection.getresponse().read()
            return
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                fail(f"gunicorn on {node}:{port} did not answer within {timeout:.0f} s")
            time.sleep(0.5)
        finally:
            connection.close()


def main() -> int:
    ensure_tools()
    work = Path(tempfile.mkdtemp(prefix="zh-two-nodes-"))
    node_port, https_port, http_port = _free_port(), _free_port(), _free_port()
    env = production_env(work, node_port)
    env["DATABASE_URL"] = os.environ.get(
        "TWO_NODES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhenhai_twonodes"
    )
    env["CSRF_TRUSTED_ORIGINS"] = f"https://{HOST}:{https_port}"
    python = sys.executable
    import psycopg
    from psycopg import sql

    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect(env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    for args in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    create = (
        "from tests.grids import factories as f; from grids.roles import Role; "
        "d = f.region(name='镇海区'); s = f.region(parent=d, name='招宝山街道'); "
        "u = f.user(username='two_nodes_staff', role=Role.STREET_STAFF, region=s)"
    )
    subprocess.run([python, "manage.py", "shell", "-c", create], cwd=ROOT, env=env, check=True, capture_output=True)
    password = "Test-pass-2026"  # tests/grids/factories.PASSWORD

    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={HOST}",
            "-keyout",
            str(work / "privkey.pem"),
            "-out",
            str(work / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
    conf = nginx_conf(work, https_port, http_port, node_port, Path(env["ZHENHAI_VAR_DIR"]) / "staticfiles")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    tested = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True)
    say("nginx -t with deploy/nginx/zhenhai.conf: " + ("ok" if tested.returncode == 0 else tested.stderr))
    if tested.returncode != 0:
        fail("nginx refused the site file")

    processes = []
    try:
        for node in NODES:
            node_env = dict(env, GUNICORN_BIND=f"{node}:{node_port}", GUNICORN_LOG_DIR=str(work / node))
            (work / node).mkdir()
            processes.append(
                subprocess.Popen(
                    [str(Path(python).parent / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py")],
                    cwd=ROOT,
                    env=node_env,
                    start_new_session=True,
                )
            )
        subprocess.run([nginx, "-c", str(conf)], check=True)
        say(f"nginx on https://127.0.0.1:{https_port} → gunicorn on {NODES[0]}:{node_port} and {NODES[1]}:{node_port}")
        for node in NODES:  # a busy machine boots gunicorn in more than a few seconds: nginx would answer 502
            wait_until_answering(node, node_port, timeout=120)

        import ssl

        context = ssl.create_default_context(cafile=str(work / "fullchain.pem"))
        context.check_hostname = False
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), urllib.request.HTTPCookieProcessor(jar)
        )
        base = f"https://127.0.0.1:{https_port}"

        def get(path: str, data: dict | None = None) -> tuple[int, str, str]:
            body = urllib.parse.urlencode(data).encode() if data else None
            headers = {"Host": f"{HOST}:{https_port}", "Referer": f"https://{HOST}:{https_port}/accounts/login/"}
            with opener.open(urllib.request.Request(base + path, data=body, headers=headers), timeout=20) as r:
                return r.status, r.geturl(), r.read().decode()

        status, _, page = get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, final, page = get(
            "/accounts/login/", {"csrfmiddlewaretoken": token, "username": "two_nodes_staff", "password": password}
        )
        say(f"signed in through the proxy: {status} {urllib.parse.urlparse(final).path}")
        signed_in = 0
        for _ in range(20):
            status, final, page = get("/accounts/home/")
            if status == 200 and "/accounts/login/" not in final and "two_nodes_staff" in page:
                signed_in += 1
        served = {node: len((work / node / "access.log").read_text().splitlines()) for node in NODES}
        say(f"20 pages after signing in: {signed_in} signed in; requests served per node: {served}")
        if signed_in != 20 or min(served.values()) < 3:
            fail("both nodes must serve signed-in pages from the one shared session store")
        status, _, _ = get("/health/")
        say(f"/health/ through the proxy: {status}")
    finally:
        subprocess.run([nginx, "-c", str(conf), "-s", "quit"], capture_output=True)
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    say("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
