"""Where the Solid Waste files live under the data dir, and how they are written."""
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Folders:
    """inbound/ (city drops files), archive/ (picked up), outbound/acks/ and outbound/status/."""

    inbound: Path
    archive: Path
    acks: Path
    status: Path

    @classmethod
    def under(cls, data_dir: Path) -> "Folders":
        """The folders below ``data_dir``, created if missing."""
        folders = cls(data_dir / "inbound", data_dir / "archive",
                      data_dir / "outbound" / "acks", data_dir / "outbound" / "status")
        for folder in (folders.inbound, folders.archive, folders.acks, folders.status):
            folder.mkdir(parents=True, exist_ok=True)
        return folders


def as_text(lines: list[str]) -> str:
    """File content: one record per line, LF line ends."""
    return "".join(f"{line}\n" for line in lines)


def write_atomically(path: Path, text: str) -> None:
    """Write a temporary dot-file then rename it, so a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="ascii", errors="replace")
    os.replace(temporary, path)
