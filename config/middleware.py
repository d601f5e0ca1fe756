"""The Content-Security-Policy header: scripts, styles and everything else from this server only,
no inline script, no framing. Photos and camera previews use ``blob:`` and ``data:`` URLs; live
views connect back over WebSockets. The Swagger page (inline bootstrap script from its package)
and the Django admin keep their own pages without it.

A view that lets this server's own pages frame it (``xframe_options_sameorigin``: a supplier's
PDF shown in its document page) gets ``frame-ancestors 'self'``: browsers obey that directive
over X-Frame-Options, so 'none' would still block the frame."""

from django.conf import settings

EXEMPT = ("/api/docs/", "/admin/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY
        self.framed = self.policy.replace("frame-ancestors 'none'", "frame-ancestors 'self'")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and not request.path.startswith(EXEMPT):
            framed = response.get("X-Frame-Options") == "SAMEORIGIN"
            response.headers.setdefault("Content-Security-Policy", self.framed if framed else self.policy)
        return response
