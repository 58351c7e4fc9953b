"""Import pages for items, parties and stock operations: upload a CSV or XLSX file, see
its columns mapped to fields (by header; changeable) and every bad row with its line
and reason, then run the import as a background job whose progress bar the page polls
(see :mod:`ordercraft.core.import_jobs`)."""

from __future__ import annotations

import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from ordercraft.core import import_jobs
from ordercraft.core.errors import OrdercraftError
from ordercraft.core.i18n import N_, gettext
from ordercraft.web.auth import current_user, permission_required
from ordercraft.web.extension import get_platform, mark_failed, reads_first, request_session

bp = Blueprint("imports", __name__, url_prefix="/imports")

#: ``slug -> (entity, permission, title, list endpoint)``.
IMPORTS = {
    "items": ("item", "item.write", N_("Import items"), "items.index"),
    "parties": ("party", "party.write", N_("Import parties"), "parties.index"),
    "stock": ("stock", "stock.post", N_("Import stock operations"), "stock.index"),
}
#: Largest file accepted (bytes).
MAX_UPLOAD = 20 * 1024 * 1024
_TOKEN = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")


#: Uploaded files older than this are removed (seconds).
KEEP_UPLOADS = 24 * 3600


def upload_folder() -> Path:
    """Where uploaded files wait between the preview and the import."""
    folder = Path(tempfile.gettempdir()) / "ordercraft-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _forget_old_uploads(folder: Path) -> None:
    import time

    cutoff = time.time() - KEEP_UPLOADS
    for path in folder.iterdir():
        try:
            if _TOKEN.fullmatch(path.name) and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # another process removed it first


def _uploaded(token: str) -> Path:
    path = upload_folder() / token
    if not _TOKEN.fullmatch(token) or not path.is_file():
        abort(404)
    return path


def _register(slug: str, entity: str, permission: str, title: str, back: str) -> None:
    def upload() -> Any:
        error = None
        if request.method == "POST":
            sent = request.files.get("file")
            suffix = Path(sent.filename or "").suffix.lower() if sent else ""
            if sent is None or not sent.filename:
                error = gettext("Choose a CSV or XLSX file.")
            elif suffix not in (".csv", ".xlsx"):
                error = gettext("'%(kind)s' files are not supported; save it as .csv or .xlsx.",
                                kind=suffix or sent.filename)
            else:
                data = sent.read(MAX_UPLOAD + 1)
                if len(data) > MAX_UPLOAD:
                    error = gettext("The file is larger than %(size)s MB.",
                                    size=MAX_UPLOAD // 1024 // 1024)
                else:
                    token = secrets.token_hex(16) + suffix
                    folder = upload_folder()
                    _forget_old_uploads(folder)
                    (folder / token).write_bytes(data)
                    return redirect(url_for(f"imports.{slug}_preview", token=token,
                                            name=sent.filename), code=303)
            mark_failed()
        fields, required = import_jobs.columns_of(entity)
        return render_template("imports/upload.html", slug=slug, title=title, back=back,
                               error=error, fields=fields, required=required), (
            422 if error else 200)

    def preview(token: str) -> Any:
        path = _uploaded(token)
        name = request.values.get("name", token)[:255]
        mapping = None
        if "m0" in request.values:
            mapping = [request.values.get(f"m{i}") or None for i in range(200)
                       if f"m{i}" in request.values]
        try:
            checked = import_jobs.preview(request_session(), entity, path, mapping)
        except OrdercraftError as exc:
            mark_failed()
            return render_template("imports/upload.html", slug=slug, title=title, back=back,
                                   error=exc.message, fields=import_jobs.columns_of(entity)[0],
                                   required=import_jobs.columns_of(entity)[1]), 422
        if request.method == "POST" and request.form.get("action") == "import":
            if checked.ok:
                # Committed at once in a short transaction of its own: the runner's thread
                # claims the job as soon as it starts.
                with get_platform().session(current_user()) as session:
                    job_id = import_jobs.start_job(session, checked, name).id
                import_jobs.start_in_background(get_platform(), job_id)
                return redirect(url_for(f"imports.{slug}_job", job_id=job_id), code=303)
        return render_template("imports/preview.html", slug=slug, title=title, back=back,
                               checked=checked, token=token, name=name), (
            200 if checked.ok else 422)

    def job(job_id: int) -> Any:
        found = import_jobs.get_job(request_session(), job_id)
        if found.entity != entity:
            abort(404)
        return render_template("imports/job.html", slug=slug, title=title, back=back,
                               job=import_jobs.job_dict(found))

    def progress(job_id: int) -> Any:
        found = import_jobs.get_job(request_session(), job_id)
        if found.entity != entity:
            abort(404)
        return jsonify(import_jobs.job_dict(found))

    for rule, view, methods in (("", upload, ["GET", "POST"]),
                                ("/<token>", preview, ["GET", "POST"]),
                                ("/jobs/<int:job_id>", job, ["GET"]),
                                ("/jobs/<int:job_id>/progress", progress, ["GET"])):
        endpoint = slug + (f"_{view.__name__}" if view is not upload else "")
        view.__name__ = endpoint
        checked = permission_required(permission)(view)
        if view is preview:
            # Reading and checking a file holds no write lock; the job is stored in a
            # short transaction of its own.
            checked = reads_first(checked)
        bp.add_url_rule(f"/{slug}{rule}", endpoint=endpoint, view_func=checked,
                        methods=methods)


for _slug, (_entity, _permission, _title, _back) in IMPORTS.items():
    _register(_slug, _entity, _permission, _title, _back)
