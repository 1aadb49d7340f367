"""What the course command's unit tests share (not itself a test module)."""

import os
import textwrap


def write(directory, relative, text, permissions=None):
    """Writes `text` (dedented) to directory/relative, making the folders; returns the path.
    `permissions` (e.g. 0o755) sets the file's mode."""
    path = os.path.join(directory, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(text))
    if permissions is not None:
        os.chmod(path, permissions)
    return path
