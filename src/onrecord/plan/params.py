"""The planner's parameters (``docs/contracts/fleet.md``, "Planning model"), validated once.

Battery and recharge default to ``None``: each camera's own figures are used, and the model's
12 h / 4 h only where a camera gives none. A value given here overrides every camera, so a
planner can ask "what if we bought longer-lasting cameras?" without editing the package.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from onrecord.battery import PICKUP_LEAD_MINUTES, RETURN_MINUTES


class PersonalCameras(StrEnum):
    """Which personal cameras the plan assumes.

    ``package``: the in-service personal cameras of the package's ``cameras`` table.
    ``none``: no officer has one; every shift draws on its station's pool.
    ``every-officer``: as ``package``, plus, for every officer who has no in-service personal
    camera, a hypothetical one docked at the officer's home station (``officers.station_id``)
    with the default battery: the most a personal-camera programme could do.
    """

    PACKAGE = "package"
    NONE = "none"
    EVERY_OFFICER = "every-officer"


class PlanParameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pickup_lead_minutes: float = Field(
        PICKUP_LEAD_MINUTES, ge=0, description="camera leaves the dock before"
    )
    return_minutes: float = Field(
        RETURN_MINUTES, ge=0, description="camera is back on the dock after"
    )
    battery_hours: float | None = Field(None, gt=0, description="override every camera's runtime")
    recharge_hours: float | None = Field(None, gt=0, description="override every recharge time")
    camera_price: float = Field(0.0, ge=0, description="per camera; 0 = unset")
    yearly_cost_per_camera: float = Field(0.0, ge=0, description="storage, licences; 0 = unset")
    personal_cameras: PersonalCameras = PersonalCameras.PACKAGE
