"""A small hand-made department for the checkout service's tests (times are New York local).

At S1: officer O1's personal camera P1, pool cameras C1 (no history: on the dock longest) and C2
(docked at 06:00 with 10%). At S2: only cameras in repair (P7, O7's own, and pool R1). S3 has
no cameras. O3 is untrained, O4's training is in 2030, O5 left in January, O6 has no shift, O2
also works a 16-hour detail that night (longer than a 12-hour battery).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from onrecord.database import connection as db
from onrecord.fleet.package_io import init_database
from onrecord.fleet.service import CheckoutService
from package_writer import WritePackage

NY = ZoneInfo("America/New_York")

TABLES = {
    "stations": """
        station_id,name,dock_slots
        S1,North,4
        S2,South,2
        S3,Annex,0
    """,
    "officers": """
        officer_id,station_id,trained_on,active_to
        O1,S1,2019-01-01,
        O2,S1,2019-01-01,
        O3,S1,,
        O4,S1,2030-01-01,
        O5,S1,2019-01-01,2020-01-31
        O6,S1,2019-01-01,
        O7,S2,2019-01-01,
        O8,S1,2019-01-01,
    """,
    "cameras": """
        camera_id,station_id,assigned_officer_id,battery_hours,recharge_hours,status
        P1,S1,O1,12,4,in_service
        C1,S1,,12,4,in_service
        C2,S1,,12,4,in_service
        P7,S2,O7,12,4,repair
        R1,S2,,12,4,repair
    """,
    "shifts": """
        shift_id,officer_id,start,end,kind,station_id
        H1,O1,2020-06-01T08:00,2020-06-01T16:00,regular,S1
        H2,O2,2020-06-01T08:00,2020-06-01T16:00,regular,S1
        H7,O7,2020-06-01T08:00,2020-06-01T16:00,regular,S2
        H8,O8,2020-06-01T08:00,2020-06-01T16:00,regular,S1
        D2,O2,2020-06-01T20:00,2020-06-02T12:00,paid_detail,S1
    """,
    "device_events": """
        camera_id,at,event,officer_id,battery_pct
        C2,2020-06-01T05:00,undock,O2,
        C2,2020-06-01T06:00,dock,,10
    """,
}


def local(text: str) -> datetime:
    """A New York wall-clock time as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def make_fleet(write_package: WritePackage, url: str) -> CheckoutService:
    """Initialise the database at ``url`` from the test department; return its service."""
    root: Path = write_package(**TABLES)
    engine = db.connect(url, create=True)
    init_database(engine, root)
    engine.dispose()
    return CheckoutService.open(url)
