"""P(o): when each officer held a camera, from recordings and from the cameras' device events.

Per camera in time order, a ``checkout`` opens a possession for the event's officer, and an
``undock`` for the event's officer or else the camera's assigned officer; the camera's next
``checkin``, ``dock``, ``checkout`` or ``undock`` closes it, or ``max_possession_hours`` after it
opened, whichever comes first. Events at the same instant keep their file order.
"""

from __future__ import annotations

OPEN_CLOSE = "('checkout', 'checkin', 'undock', 'dock')"


def device_possession_sql(has_cameras: bool, max_hours: float) -> str:
    """SQL for rows (o, s, e) in epoch microseconds, from the ``device_events`` table."""
    assigned = (
        "LEFT JOIN cameras c USING (camera_id)"
        if has_cameras
        else "LEFT JOIN (SELECT NULL::VARCHAR AS camera_id, NULL::VARCHAR AS assigned_officer_id) c"
        " USING (camera_id)"
    )
    limit_us = round(max_hours * 3600 * 1_000_000)
    # The window sees every opening and closing event; the camera's assigned officer is looked
    # up afterwards, only for the openings.
    return f"""
        SELECT o, s, least(coalesce(next_at, s + {limit_us}), s + {limit_us}) AS e FROM (
            SELECT d.s, d.next_at,
                   CASE d.event WHEN 'checkout' THEN d.officer_id
                                ELSE coalesce(d.officer_id, c.assigned_officer_id) END AS o
            FROM (SELECT epoch_us(x.at) AS s, x.event, x.officer_id, x.camera_id,
                         lead(epoch_us(x.at)) OVER (PARTITION BY x.camera_id
                                                    ORDER BY x.at, x._line) AS next_at
                  FROM device_events x WHERE x.event IN {OPEN_CLOSE}) d
            {assigned}
            WHERE d.event IN ('checkout', 'undock'))
        WHERE o IS NOT NULL"""
