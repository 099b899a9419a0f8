"""The camera fleet in service: officers check charged cameras out of their station's dock and
back in, through the CLI, the kiosk page or the HTTP API, over the operational database."""
