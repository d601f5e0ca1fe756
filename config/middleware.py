"""The Content-Security-Policy header: scripts, styles and everything else from this server only,
no inline script, no framing. Photos and camera previews use ``blob:`` and ``data:`` URLs; live
views connect back over WebSockets. The Swagger page (inline bootstrap script from its package)
and the Django admin keep their own pages without it."""

from django.conf import settings

EXEMPT = ("/api/docs/", "/admin/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and not request.path.startswith(EXEMPT):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
