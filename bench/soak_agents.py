"""The soak's agents: a users file of its own (the demo has three agents; the soak spreads its
sessions over many, as a contact centre does), each agent holding a record of its own campaign.

Every agent has the demo's password (`password`): its hash is agent1's, copied."""

import uuid
from dataclasses import dataclass
from pathlib import Path

from agent_access.identity import OUTBOUND_FEATURE, Device, UserAccount, UsersFile

_NAMESPACE = uuid.UUID("5f0c6a8e-2d4b-4c1e-9a37-0b8e5d2f7c61")


@dataclass(frozen=True, slots=True)
class SoakAgent:
    user_name: str
    device_id: str

    @property
    def device_path(self) -> str:
        return f"/devices/{self.device_id}"

    @property
    def campaign(self) -> str:
        return f"SoakCampaign-{self.user_name}"


def soak_agents(count: int) -> list[SoakAgent]:
    names = [f"soak{index:03d}" for index in range(count)]
    return [SoakAgent(name, str(uuid.uuid5(_NAMESPACE, name))) for name in names]


def write_users_file(path: Path, agents: list[SoakAgent], demo_users: Path) -> None:
    """`agents` as a users file, each with the password of the demo's first user."""
    password_hash = UsersFile.model_validate_json(demo_users.read_text()).users[0].password_hash
    users = UsersFile(
        users=[
            UserAccount(
                id=agent.user_name,
                user_name=agent.user_name,
                password_hash=password_hash,
                features=[OUTBOUND_FEATURE],
                devices=[
                    Device(id=agent.device_id, phone_number=f"8{index:03d}", device_state="Active")
                ],
            )
            for index, agent in enumerate(agents)
        ]
    )
    path.write_text(users.model_dump_json(by_alias=True, indent=2))
