"""The docker files are checked by reading: every service builds from a Dockerfile that exists,
and `docker-compose config` accepts the compose file where the client is installed."""

import shutil
import subprocess

import pytest
import yaml

from tests.services import ROOT

COMPOSE = ROOT / "docker" / "compose.yml"


def test_every_built_service_names_an_existing_dockerfile():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    built = {name: spec["build"] for name, spec in services.items() if "build" in spec}
    assert {"web", "worker", "gpu-worker"} <= set(built)
    for spec in built.values():
        assert (COMPOSE.parent / spec["context"] / spec["dockerfile"]).is_file()
    assert services["gpu-worker"]["profiles"] == ["gpu"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose client not installed")
def test_compose_config_is_valid():
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        env={"SECRET_KEY": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert result.returncode == 0, result.stderr
