"""Connection faults: each is one clear line naming the database (masked), exit 2, within bounded
time, and the other databases of a fleet still finish."""
from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

from sqlalchemy.engine import make_url

from auditor.demo import build_incident_database, spec_path
from conftest import run_cli

SPEC = str(spec_path())


class CuttingProxy:
    """A loopback TCP proxy to Postgres that closes both sides once the server has sent
    ``cut_after`` bytes: a server going away in the middle of an audit."""

    def __init__(self, target: tuple[str, int], cut_after: int) -> None:
        self.target, self.cut_after = target, cut_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target, timeout=10)
            threading.Thread(target=self._pipe, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, self.cut_after), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while limit is None or sent < limit:
                data = source.recv(min(4096, limit - sent) if limit is not None else 4096)
                if not data:
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        self.listener.close()


def test_server_closing_the_connection_mid_audit(pg_url: str, tmp_path: Path) -> None:
    build_incident_database(pg_url)
    url = make_url(pg_url)
    # Enough for start-up, authentication and the driver's first queries (about 1.2 KB here), not
    # for the catalog rows of the audit (about 6 KB for this schema).
    proxy = CuttingProxy((url.host or "127.0.0.1", url.port or 5432), cut_after=2500)
    try:
        proxied = url.set(host="127.0.0.1", port=proxy.port, password="pw-cut-3e9a")
        healthy = tmp_path / "ok.db"
        build_incident_database(f"sqlite:///{healthy}")
        config = tmp_path / "config.yaml"
        config.write_text(f"spec: {SPEC}\ndatabases:\n"
                          f"  cut: {{url: '{proxied.render_as_string(hide_password=False)}'}}\n"
                          f"  fine: {{url: 'sqlite:///{healthy}'}}\n")
        result = run_cli("audit", "--config", str(config), "--format", "json")
    finally:
        proxy.close()
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("cut: ")
    assert "cannot read the catalog" in result.err, result.err  # connected, then lost
    assert "pw-cut-3e9a" not in result.out + result.err and "Traceback" not in result.err
    report = {d["database"]: d for d in json.loads(result.out)["databases"]}
    assert "error" in report["cut"] and len(report["fine"]["drift"]) == 2


def test_a_host_name_that_does_not_resolve() -> None:
    result = run_cli("audit", "--db", "postgresql://auditor:pw-dns-77@no-such-host.invalid/app", "--spec", SPEC)
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith("postgresql://auditor:***@no-such-host.invalid/app: cannot connect")
    assert "pw-dns-77" not in result.err
