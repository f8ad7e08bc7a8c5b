"""A cluster of KRaft nodes on 127.0.0.1, each a broker and a controller (static voters), as
users run Kafka: replication factor 3 and min ISR 2 from three nodes on (`Quorum.replication`).

Every node is a `LocalBroker` with its own data directory under `workdir`; the cluster's id is
kept beside them, so a cluster stopped and started again is the same cluster.
"""

import concurrent.futures
from pathlib import Path

from devstack.acls import Grant
from devstack.broker import LocalBroker, Quorum, new_cluster_id
from devstack.bus_users import BusUsers
from devstack.processes import Started, terminate
from service_settings.kafka_connection import KafkaConnection

GATEWAY_PUBLISH_BOUND_S = 8.0
"""The gateway's publish bound on such a cluster: well above a leader's failover (fenced after
2 s, then an election; over 4 s seen on a loaded machine), so that a command in flight when
its leader dies gets its definite answer, a late 0, rather than a 503 that neither side could
keep (docs/decisions.md). Only a cluster that cannot commit for this long refuses."""


class LocalCluster(Started):
    def __init__(
        self,
        libs: Path,
        workdir: Path,
        *,
        ports: list[int],
        controller_ports: list[int],
        heap: str = "1g",
        users: BusUsers | None = None,
    ) -> None:
        """With `users`, an authenticated cluster (SASL/SCRAM, ACLs: `grant`); the users'
        credentials go into its metadata when it is first formatted."""
        if len(ports) != len(controller_ports) or not ports:
            raise ValueError("one broker port and one controller port per node")
        self.workdir = workdir
        self.quorum = Quorum(self._cluster_id(), tuple(controller_ports), users=users)
        self.nodes = [
            LocalBroker(
                libs,
                workdir / f"node-{node_id}",
                port=port,
                controller_port=controller_port,
                heap=heap,
                node_id=node_id,
                quorum=self.quorum,
            )
            for node_id, (port, controller_port) in enumerate(
                zip(ports, controller_ports, strict=True), 1
            )
        ]

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(node.bootstrap_servers for node in self.nodes)

    @property
    def connection(self) -> KafkaConnection:
        """The cluster, as its admin reaches it."""
        return KafkaConnection(self.bootstrap_servers, self.nodes[0].connection.login)

    def grant(self, grants: list[Grant]) -> None:
        """Add the ACLs (Kafka's AclCommand, as the admin); adding one twice is harmless."""
        users = self.quorum.users
        if users is None:
            raise ValueError("an open cluster has no ACLs")
        admin = self.workdir / "admin.properties"
        admin.touch(mode=0o600)
        admin.write_text(users.admin_client_properties())
        for grant in grants:
            self.nodes[0].run_tool(
                "org.apache.kafka.tools.AclCommand",
                "--bootstrap-server", self.bootstrap_servers,
                "--command-config", str(admin), *grant.acl_command(),
            )  # fmt: skip

    def node(self, node_id: int) -> LocalBroker:
        return self.nodes[node_id - 1]

    def start(self, ready_timeout: float = 120.0) -> None:
        """Start every node and return once each is listed by the cluster's metadata. Call
        from a thread that outlives the cluster (see `LocalBroker.start`)."""
        try:
            with concurrent.futures.ThreadPoolExecutor(len(self.nodes)) as threads:
                list(threads.map(LocalBroker.prepare, self.nodes))  # a JVM each: together
                for node in self.nodes:
                    node.launch()  # in this thread: the JVMs' parent-death signal follows it
                list(threads.map(lambda node: node.await_ready(ready_timeout), self.nodes))
        except BaseException:
            self.stop()
            raise

    def stop(self, grace_seconds: float = 20.0) -> None:
        """SIGTERM to every node at once (one at a time, the last ones would wait for a
        quorum that is leaving), SIGKILL after the grace period."""
        processes = [node.release_process() for node in self.nodes]
        running = [process for process in processes if process is not None]
        for process in running:
            if process.poll() is None:
                process.terminate()
        for process in running:
            terminate(process, grace_seconds)

    def _cluster_id(self) -> str:
        kept = self.workdir / "cluster-id"
        if not kept.exists():
            self.workdir.mkdir(parents=True, exist_ok=True)
            kept.write_text(new_cluster_id())
        return kept.read_text().strip()
