"""Organization export archives behind the session: only an Admin of the archive's organization downloads it
(another organization's export reads as not found), and only until it expires."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from resonance.api.deps import MaybePrincipal
from resonance.api.ranges import serve_object
from resonance.core.errors import Forbidden, NotFound
from resonance.orgs import exports
from resonance.orgs.models import Organization
from resonance.orgs.scope import tenant_session

router = APIRouter()


@router.get("/api/exports/{export_id}")
def export_archive(export_id: str, request: Request, principal: MaybePrincipal) -> Response:
    if principal is None or principal.org_id is None:
        return PlainTextResponse("Unauthorized", status_code=401)
    try:
        with tenant_session(principal.org_id) as session:
            export = exports.downloadable(session=session, actor=principal, export_id=export_id)
            slug = session.get(Organization, principal.org_id).slug
    except NotFound as error:
        return PlainTextResponse(str(error), status_code=404)
    except Forbidden as error:
        return PlainTextResponse(str(error), status_code=403)
    return serve_object(export.object_key, range_header=request.headers.get("range"), content_type="application/zip",
                        cache_control="private, no-store", filename=exports.download_name(slug, export))
