"""docker-compose.yml is generated from the client manifests and must never be stale."""

import yaml

from teams_interop import clients as client_manifests
from teams_interop import compose_file
from teams_interop.clients import command

SERVER_TARGET = compose_file.SERVER_TARGET


def test_the_compose_file_is_up_to_date() -> None:
    wanted = compose_file.render(client_manifests.discover())
    assert compose_file.compose_path().read_text(encoding="utf-8") == wanted, (
        "docker-compose.yml is stale: run `./interop compose`"
    )


def test_every_client_has_a_compose_service() -> None:
    """A client.toml without its service would stall the matrix; only `matrix` may end the run."""
    services = yaml.safe_load(compose_file.compose_path().read_text(encoding="utf-8"))["services"]
    depends_on = services["matrix"]["depends_on"]
    for client in client_manifests.discover():
        service = services.get(client.language)
        assert service is not None, f"docker-compose.yml has no `{client.language}` service"
        assert service["build"]["dockerfile"] == f"clients/{client.language}/{client.docker.dockerfile}"
        assert service["environment"]["TEAMS_LANGUAGE"] == client.language
        assert service["command"] == command(client.docker.run, SERVER_TARGET), (
            f"the `{client.language}` service's command must be its client.toml [docker] run"
        )
        assert depends_on.get(client.language) == {"condition": "service_healthy"}
    attached = [name for name, service in services.items() if service.get("attach", True)]
    assert attached == ["matrix"], "every service but `matrix` needs `attach: false`"
