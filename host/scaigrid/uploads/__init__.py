"""Streamed uploads: multipart/form-data and raw request bodies spooled to temp files, with
every size limit enforced while the body arrives, so an oversized upload is answered 413
before the rest of it is read and no file is ever held whole in memory.

Why not ``request.form()``: Litestar 2.25's ``parse_multipart_form``
(``litestar/_multipart.py``) does stream parts into ``SpooledTemporaryFile`` s, but it
only knows the route's whole-body limit (``request_max_body_size``, 10 MB by default,
enforced in ``Request.stream``), has no per-file or per-field limit, no file count
separate from its part count (and answers that one 400, see its "FIXME (3.0)"), no
hashing and no choice of spool directory; and ``Request.body()`` reads the whole body
into memory. Routes using this module set ``request_max_body_size=None`` and pass
their own limits here.
"""

from __future__ import annotations

from scaigrid.uploads.body import MIB, read_multipart, stream_body, stream_body_to_file
from scaigrid.uploads.records import UploadedFile, UploadedForm

__all__ = [
    "MIB",
    "UploadedFile",
    "UploadedForm",
    "read_multipart",
    "stream_body",
    "stream_body_to_file",
]
