from __future__ import annotations

import grpc
import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal_kit.context import bound

from devtools.testing import RunningService
from services.auth.tests.portal_steps import new_tenant, settings_stub


async def test_defaults_and_partial_updates(portal: RunningService) -> None:
    tenant = await new_tenant(portal)
    other = await new_tenant(portal)
    stub = settings_stub(portal)
    with bound(tenant.id):
        defaults = (await stub.GetPortalSettings(pb.GetPortalSettingsRequest())).settings
        assert defaults == pb.PortalSettings(
            temporary_scope="account", require_sign_in=False, idle_timeout_minutes=30, absolute_timeout_hours=12
        )
        changed = await stub.UpdatePortalSettings(
            pb.UpdatePortalSettingsRequest(changes=pb.PortalSettingsChanges(temporary_scope="document"))
        )
        assert changed.settings.temporary_scope == "document"
        assert changed.settings.idle_timeout_minutes == 30
        changed = await stub.UpdatePortalSettings(
            pb.UpdatePortalSettingsRequest(
                changes=pb.PortalSettingsChanges(
                    require_sign_in=True, idle_timeout_minutes=5, absolute_timeout_hours=72
                )
            )
        )
        assert changed.settings == pb.PortalSettings(
            temporary_scope="document", require_sign_in=True, idle_timeout_minutes=5, absolute_timeout_hours=72
        )
        # require_sign_in can be turned off again: an explicit false is a change, an unset field is not.
        changed = await stub.UpdatePortalSettings(
            pb.UpdatePortalSettingsRequest(changes=pb.PortalSettingsChanges(require_sign_in=False))
        )
        assert changed.settings.require_sign_in is False and changed.settings.idle_timeout_minutes == 5
    with bound(other.id):
        assert (await stub.GetPortalSettings(pb.GetPortalSettingsRequest())).settings == defaults


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        (pb.PortalSettingsChanges(temporary_scope="everything"), "temporary_scope"),
        (pb.PortalSettingsChanges(temporary_scope=""), "temporary_scope"),
        (pb.PortalSettingsChanges(idle_timeout_minutes=4), "idle_timeout_minutes"),
        (pb.PortalSettingsChanges(idle_timeout_minutes=241), "idle_timeout_minutes"),
        (pb.PortalSettingsChanges(absolute_timeout_hours=0), "absolute_timeout_hours"),
        (pb.PortalSettingsChanges(absolute_timeout_hours=73), "absolute_timeout_hours"),
        (pb.PortalSettingsChanges(temporary_scope="document", absolute_timeout_hours=-1), "absolute_timeout_hours"),
    ],
)
async def test_invalid_settings_are_refused_and_change_nothing(
    portal: RunningService, changes: pb.PortalSettingsChanges, param: str
) -> None:
    tenant = await new_tenant(portal)
    stub = settings_stub(portal)
    with bound(tenant.id):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.UpdatePortalSettings(pb.UpdatePortalSettingsRequest(changes=changes))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert dict(refused.value.trailing_metadata() or ())["x-portal-param"] == param
        settings = (await stub.GetPortalSettings(pb.GetPortalSettingsRequest())).settings
        assert settings.temporary_scope == "account" and settings.absolute_timeout_hours == 12


async def test_settings_need_a_known_business(portal: RunningService) -> None:
    with bound("no-such-business"), pytest.raises(grpc.aio.AioRpcError) as missing:
        await settings_stub(portal).GetPortalSettings(pb.GetPortalSettingsRequest())
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
