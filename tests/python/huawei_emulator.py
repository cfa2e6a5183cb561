"""The Huawei side of the emulator for the official huaweicloudsdk tests: one emulator per test
module, the SDK's endpoint overrides pointed at it, and a ModelArts client signed with the demo
account's keys. Imported by the test_emulator_huawei_*_sdk.py modules (their `emulator` and
`client` fixtures)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkmodelarts.v1 import ModelArtsClient

REPO = Path(__file__).resolve().parents[2]
REGION = "cn-north-4"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    binary = os.environ.get("SKILLGATE_BIN", str(REPO / "target" / "debug" / "skillgate"))
    if not Path(binary).exists():
        pytest.fail(f"skillgate binary not found at {binary}; run `cargo build` or set SKILLGATE_BIN")
    # Importing the SDK writes ~/.huaweicloud/application_id: keep it out of the real home.
    os.environ["HOME"] = str(tmp_path_factory.mktemp("home"))
    proc = subprocess.Popen(
        [binary, "emulator", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.fail("the emulator printed no startup line")
        info = json.loads(line)
        os.environ["HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4"] = info["endpoint"]
        os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = info["endpoint"]
        yield info
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def client(emulator) -> ModelArtsClient:
    hw = emulator["huawei"]
    return (
        ModelArtsClient.new_builder()
        .with_credentials(BasicCredentials(hw["access_key"], hw["secret_key"]))
        .with_region(Region(REGION, emulator["endpoint"]))
        .build()
    )
