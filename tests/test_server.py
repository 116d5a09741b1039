"""The throwaway PostgreSQL cluster the server backend is tested against.

The server backend itself (issue 17) is being built; these tests hold the
cluster the whole server suite will run on: started by the tests themselves,
reachable only through its Unix socket, and able to restart under a client.
"""

from __future__ import annotations

from typing import Any

import pytest

import pgcluster


def url_of(cluster: pgcluster.Cluster | str) -> str:
    return cluster if isinstance(cluster, str) else cluster.url


def test_the_cluster_answers_on_its_unix_socket_only(pg_cluster: Any) -> None:
    import psycopg

    with psycopg.connect(url_of(pg_cluster)) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        assert version is not None and int(version[0]) >= 150000
        if isinstance(pg_cluster, pgcluster.Cluster):
            listen = conn.execute("SHOW listen_addresses").fetchone()
            assert listen == ("",)  # no TCP port at all


def test_a_restart_cuts_clients_off_and_the_server_comes_back(pg_cluster: Any) -> None:
    import psycopg

    if not isinstance(pg_cluster, pgcluster.Cluster):
        pytest.skip("DOSSIER_TEST_DATABASE_URL names a server these tests do not own")
    conn = psycopg.connect(pg_cluster.url, autocommit=True)
    pg_cluster.restart()
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")
    conn.close()
    with psycopg.connect(pg_cluster.url) as again:
        assert again.execute("SELECT 1").fetchone() == (1,)
