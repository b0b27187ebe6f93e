"""Where SageMaker writes an endpoint's captures in the predictions bucket:
`<project>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl` (UTC hours; the endpoint's capture destination
is `s3://<predictions bucket>/<project>/`, and mlzone gives every endpoint one variant)."""

from __future__ import annotations

from datetime import UTC, datetime

VARIANT = "AllTraffic"
HOUR = "%Y/%m/%d/%H"  # the hour folders


def hour_prefix(project: str, endpoint: str, hour: datetime) -> str:
    """The folder of one hour's capture files of an endpoint."""
    return f"{project}/{endpoint}/{VARIANT}/{hour.strftime(HOUR)}/"


def hour_of(key: str) -> datetime:
    """The hour folder a capture file's key is in (UTC)."""
    return datetime.strptime("/".join(key.split("/")[3:7]), HOUR).replace(tzinfo=UTC)
