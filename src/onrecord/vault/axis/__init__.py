"""The Axis body-worn content destination: the Swift-subset API through which an Axis body-worn
system delivers recordings to OnRecord (``docs/vault-axis.md``).

- ``headers``: metadata headers (HTTP capitalisation, URL-encoded UTF-8 values)
- ``names``: what a container or object name says (recording, rejected content, clip, key…)
- ``times``: the API's instants (epoch seconds, RFC 3339, ``YYYYMMDDTHHMMSSZ``) and their bounds
- ``system``: the ``System`` objects the destination serves (capabilities, categories)
- ``auth``: the system's credentials and its tokens
- ``registry``: the ``Users``, ``Devices`` and ``System`` objects the system registers
- ``staging``: containers and objects in transfer, until a recording is complete
- ``assemble``: a staged recording (or a rejected object) as the vault's ``NewItem``
- ``upload``: a request body streamed into the blob store in bounded memory
- ``sink``: what the destination needs of the vault (ingest, and the log of refusals)
- ``connection_file``: the file an administrator loads into AXIS Body Worn Manager
- ``app``: the FastAPI application
"""
